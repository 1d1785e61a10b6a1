package swap.kernel;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.util.List;

import org.junit.Test;

import swap.api.Entry;
import swap.api.SwapException;

public class HandleFactoryTest {

    /** Every shape of method a component interface can have. */
    public interface Shapes extends Base<String> {
        int add(int a, int b);

        long add(long a, long b);

        double add(double a, double b);

        String add(String a, String b);

        <T extends Comparable<T>> T max(T a, T b);

        int[] reverse(int[] values);

        void nothing();

        boolean flag(boolean b, byte x, short y, char z, float f);

        String read(String path) throws IOException;

        void fail(RuntimeException e);

        default String greet(String who) {
            return "hello " + who;
        }

        static String util() {
            return "static";
        }

        @Override
        String toString();

        @Override
        boolean equals(Object o);
    }

    public interface Base<T> {
        T echo(T value);
    }

    static final class ShapesImpl implements Shapes {
        @Override
        public int add(int a, int b) {
            return a + b;
        }

        @Override
        public long add(long a, long b) {
            return a + b + 1_000_000_000_000L;
        }

        @Override
        public double add(double a, double b) {
            return a + b + 0.5;
        }

        @Override
        public String add(String a, String b) {
            return a + b;
        }

        @Override
        public <T extends Comparable<T>> T max(T a, T b) {
            return a.compareTo(b) >= 0 ? a : b;
        }

        @Override
        public int[] reverse(int[] v) {
            int[] r = new int[v.length];
            for (int i = 0; i < v.length; i++) {
                r[i] = v[v.length - 1 - i];
            }
            return r;
        }

        @Override
        public void nothing() {
        }

        @Override
        public boolean flag(boolean b, byte x, short y, char z, float f) {
            return b && x == 1 && y == 2 && z == 'z' && f == 1.5f;
        }

        @Override
        public String read(String path) throws IOException {
            throw new IOException("no such file: " + path);
        }

        @Override
        public void fail(RuntimeException e) {
            throw e;
        }

        @Override
        public String greet(String who) {
            return "hi " + who;
        }

        @Override
        public String echo(String value) {
            return value + value;
        }

        @Override
        public String toString() {
            return "ShapesImpl";
        }
    }

    private final StandaloneSource source = new StandaloneSource();
    private final Engine engine = new Engine(source);

    @Test
    public void forwardsEveryMethodShape() throws Exception {
        source.add(Shapes.class, "shapes", "1.0.0", ShapesImpl::new);
        Shapes h = engine.create(Shapes.class, "shapes").handle();
        assertEquals(5, h.add(2, 3));
        assertEquals(1_000_000_000_005L, h.add(2L, 3L));
        assertEquals(5.5, h.add(2.0, 3.0), 0);
        assertEquals("ab", h.add("a", "b"));
        assertEquals(Integer.valueOf(7), h.max(3, 7));
        assertEquals("b", h.max("a", "b"));
        assertEquals(List.of(3, 2, 1), List.of(h.reverse(new int[] {1, 2, 3})[0], h.reverse(new int[] {1, 2, 3})[1], h.reverse(new int[] {1, 2, 3})[2]));
        h.nothing();
        assertTrue(h.flag(true, (byte) 1, (short) 2, 'z', 1.5f));
        assertEquals("hi you", h.greet("you")); // the implementation's override of a default method
        assertEquals("xx", h.echo("x")); // a method inherited from a generic super-interface
        assertEquals("xx", ((Base<String>) h).echo("x"));
        assertEquals("static", Shapes.util());
    }

    @Test
    public void exceptionsPassThroughUnchanged() {
        source.add(Shapes.class, "shapes", "1.0.0", ShapesImpl::new);
        Shapes h = engine.create(Shapes.class, "shapes").handle();
        try {
            h.read("/x");
            fail();
        } catch (IOException e) {
            assertEquals("no such file: /x", e.getMessage());
        }
        IllegalArgumentException thrown = new IllegalArgumentException("bad");
        try {
            h.fail(thrown);
            fail();
        } catch (IllegalArgumentException e) {
            assertSame(thrown, e);
        }
    }

    @Test
    public void objectMethodsAreTheHandlesOwn() {
        source.add(Shapes.class, "shapes", "1.0.0", ShapesImpl::new);
        Entry<Shapes> e = engine.create(Shapes.class, "shapes");
        Shapes h = e.handle();
        assertTrue(h.equals(h));
        assertFalse(h.equals(engine.create(Shapes.class, "shapes").handle()));
        assertEquals(System.identityHashCode(h), h.hashCode());
        assertTrue(h.toString(), h.toString().startsWith("handle of entry " + e.id()));
        assertNotEquals("ShapesImpl", h.toString());
        assertFalse("no java.lang.reflect.Proxy on the call path", Proxy.isProxyClass(h.getClass()));
    }

    @Test
    public void oneHandleClassPerInterface() {
        source.add(Shapes.class, "shapes", "1.0.0", ShapesImpl::new);
        assertSame(engine.create(Shapes.class, "shapes").handle().getClass(), engine.create(Shapes.class, "shapes").handle().getClass());
    }

    interface Hidden {
        void x();
    }

    @Test
    public void refusesNonPublicInterfacesAndClasses() {
        try {
            engine.register(Hidden.class, () -> {
            }, "hidden");
            fail();
        } catch (SwapException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("not public"));
        }
        try {
            engine.register(Object.class, new Object(), "object");
            fail();
        } catch (SwapException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("not an interface"));
        }
    }
}
