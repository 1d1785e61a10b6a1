package swap.kernel;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.lang.reflect.UndeclaredThrowableException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;

import swap.api.Entry;
import swap.api.Interposer;
import swap.api.Invocation;
import swap.api.SwapOutcome;
import swap.api.SwapResult;

/** The generated interposer chain ({@link ChainFactory}): what passes through it, and how it changes under calls and swaps. */
public class InterposerChainTest {

    /** Set while a call is inside the {@link #marking} interposer on this thread. */
    static final ThreadLocal<Boolean> INSIDE = ThreadLocal.withInitial(() -> false);

    /** The implementation: plain answers, plus the counts the stress tests compare with. */
    public static class ProbeImpl implements Probe {
        final List<String> recorded = new CopyOnWriteArrayList<>();
        final AtomicLong hits = new AtomicLong();
        final AtomicLong hitsInside = new AtomicLong();

        @Override
        public double mix(boolean z, byte b, char c, short s, int i, long j, float f, double d) {
            return (z ? 1 : -1) * (b + c + s + i + j + f + d);
        }

        @Override
        public int twice(int x) {
            return 2 * x;
        }

        @Override
        public long widen(long x) {
            return x + 1;
        }

        @Override
        public String concat(String a, Object b) {
            return a + "+" + b;
        }

        @Override
        public int[] array(int n) {
            return new int[] {n, n};
        }

        @Override
        public void record(String s) {
            recorded.add(s);
        }

        @Override
        public boolean flag() {
            return true;
        }

        @Override
        public char letter() {
            return 'q';
        }

        @Override
        public void fail(String kind) throws Refused {
            switch (kind) {
                case "checked" -> throw CHECKED;
                case "unchecked" -> throw UNCHECKED;
                case "error" -> throw ERROR;
                default -> InterposerChainTest.<RuntimeException>sneaky(UNDECLARED);
            }
        }

        @Override
        public void park(CountDownLatch entered, CountDownLatch release) throws InterruptedException {
            entered.countDown();
            release.await();
        }

        @Override
        public long hit() {
            if (INSIDE.get()) {
                hitsInside.incrementAndGet();
            }
            return hits.incrementAndGet();
        }
    }

    /** Overrides a default method. */
    public static class PoliteProbe extends ProbeImpl {
        @Override
        public String greet(String name) {
            return "good day " + name;
        }
    }

    static final Probe.Refused CHECKED = new Probe.Refused("checked");
    static final IllegalStateException UNCHECKED = new IllegalStateException("unchecked");
    static final AssertionError ERROR = new AssertionError("error");
    static final java.io.IOException UNDECLARED = new java.io.IOException("undeclared");

    @SuppressWarnings("unchecked")
    static <T extends Throwable> void sneaky(Throwable t) throws T {
        throw (T) t;
    }

    private StandaloneSource source;
    private Engine engine;

    @Before
    public void setUp() {
        Counters.VIOLATIONS.set(0);
        source = new StandaloneSource();
        source.add(Probe.class, "plain", "1.0.0", ProbeImpl::new);
        source.add(Probe.class, "polite", "1.0.0", PoliteProbe::new);
        source.add(Counter.class, "atomic", "1.0.0", Counters.Atomic::new, "concurrency", "shared");
        source.add(Counter.class, "striped", "1.0.0", Counters.Striped::new, "concurrency", "distributed");
        engine = new Engine(source);
    }

    @After
    public void tearDown() {
        engine.shutdown();
        assertEquals("calls ran on an instance after its export began or before its import ended", 0, Counters.VIOLATIONS.get());
    }

    private static final Interposer NO_OP = Invocation::proceed;

    private static ProbeImpl impl(Entry<Probe> e) {
        return (ProbeImpl) ((EntryImpl<?>) e).instance();
    }

    @Test
    public void theOuterHandlePointsAtAGeneratedChainWhileInterposersAreOn() {
        Entry<Probe> e = engine.create(Probe.class, "plain");
        engine.interpose(e.id(), "noop", NO_OP);
        Object target = ((AbstractHandle) e.handle()).target;
        assertTrue(target.getClass().getName(), ChainFactory.isChainClass(target.getClass().getName()));
        assertFalse("not a java.lang.reflect.Proxy", java.lang.reflect.Proxy.isProxyClass(target.getClass()));
        engine.removeInterposer(e.id(), "noop");
        assertSame(impl(e), ((AbstractHandle) e.handle()).target);
    }

    @Test
    public void everyHandleClassHasAnEndCopyOfEachForwardedMethod() throws Exception {
        Entry<Probe> e = engine.create(Probe.class, "plain");
        Class<?> handleClass = e.handle().getClass();
        for (java.lang.reflect.Method m : HandleFactory.forwardedMethods(Probe.class).values()) {
            java.lang.reflect.Method copy = handleClass.getMethod(ChainFactory.END + m.getName(), m.getParameterTypes());
            assertEquals(m.getReturnType(), copy.getReturnType());
            assertTrue(java.lang.reflect.Modifier.isFinal(copy.getModifiers()));
        }
        assertEquals("the copies call the copies: the same answers through them", 42,
                handleClass.getMethod(ChainFactory.END + "twice", int.class).invoke(e.handle(), 21));
    }

    @Test
    public void primitiveReferenceArrayAndVoidValuesPassUnchanged() throws Throwable {
        Entry<Probe> e = engine.create(Probe.class, "plain");
        List<Object> results = new ArrayList<>();
        engine.interpose(e.id(), "outer", NO_OP);
        engine.interpose(e.id(), "seen", call -> {
            Object r = call.proceed();
            results.add(r);
            return r;
        });
        Probe p = e.handle();
        assertEquals(-(1 + 'a' + 3 + 4 + 5L + 6.5f + 7.25), p.mix(false, (byte) 1, 'a', (short) 3, 4, 5L, 6.5f, 7.25), 0.0);
        assertEquals(84, p.twice(42));
        assertEquals(Long.MAX_VALUE, p.widen(Long.MAX_VALUE - 1));
        assertEquals("a+null", p.concat("a", null));
        assertArrayEquals(new int[] {3, 3}, p.array(3));
        p.record("x");
        assertTrue(p.flag());
        assertEquals('q', p.letter());
        assertEquals(List.of("x"), impl(e).recorded);
        assertEquals("proceed() boxes primitives and gives null for void", List.of(
                -(1 + 'a' + 3 + 4 + 5L + 6.5f + 7.25), 84, Long.MAX_VALUE, "a+null"), results.subList(0, 4));
        assertArrayEquals(new int[] {3, 3}, (int[]) results.get(4));
        assertNull(results.get(5));
        assertEquals(List.of(true, 'q'), results.subList(6, 8));
    }

    @Test
    public void invocationNamesTheInterfaceMethodAndTheEntry() throws Exception {
        Entry<Probe> e = engine.create(Probe.class, "plain");
        AtomicReference<Invocation> seen = new AtomicReference<>();
        engine.interpose(e.id(), "seen", call -> {
            seen.set(call);
            return call.proceed();
        });
        e.handle().concat("a", "b");
        assertEquals(Probe.class.getMethod("concat", String.class, Object.class), seen.get().method());
        assertEquals(e.id(), seen.get().entryId());
        e.handle().record("r");
        assertEquals(Probe.class.getMethod("record", String.class), seen.get().method());
        assertArrayEquals(new Object[] {"r"}, seen.get().arguments());
        e.handle().flag();
        assertArrayEquals(new Object[0], seen.get().arguments());
    }

    @Test
    public void anInterposerRewritesArgumentsAndTheOnesFurtherInSeeTheChange() throws Exception {
        Entry<Probe> e = engine.create(Probe.class, "plain");
        List<String> inner = new ArrayList<>();
        engine.interpose(e.id(), "inner", call -> {
            inner.add(java.util.Arrays.toString(call.arguments()));
            return call.proceed();
        });
        engine.interpose(e.id(), "outer", call -> {
            Object[] a = call.arguments();
            switch (call.method().getName()) {
                case "concat" -> a[0] = "rewritten";
                case "twice" -> a[0] = (Integer) a[0] + 1;
                case "widen" -> a[0] = 41; // an Integer for a long: Method.invoke's widening conversion
                case "mix" -> {
                    a[0] = true;
                    a[4] = (short) 10; // short to int
                    a[7] = 1f; // float to double
                }
                default -> {
                }
            }
            return call.proceed();
        });
        Probe p = e.handle();
        assertEquals("rewritten+b", p.concat("a", "b"));
        assertEquals(22, p.twice(10));
        assertEquals(42, p.widen(7));
        assertEquals(1 + 2 + 3 + 10 + 5 + 6 + 1, p.mix(false, (byte) 1, (char) 2, (short) 3, 4, 5, 6f, 7), 0.0);
        assertEquals(List.of("[rewritten, b]", "[11]", "[41]", "[true, 1, \u0002, 3, 10, 5, 6.0, 1.0]"), inner);
    }

    @Test
    public void anArgumentOfTheWrongTypeIsRefusedWithAPlainMessage() {
        Entry<Probe> e = engine.create(Probe.class, "plain");
        engine.interpose(e.id(), "bad", call -> {
            call.arguments()[0] = call.method().getName().equals("twice") ? "seven" : 7;
            return call.proceed();
        });
        try {
            e.handle().twice(1);
            fail();
        } catch (IllegalArgumentException ex) {
            assertEquals("argument 0 is a java.lang.String, which cannot be passed as int: an interposer that changes arguments()"
                    + " must store values of the parameter types", ex.getMessage());
        }
        try {
            e.handle().concat("a", "b");
            fail();
        } catch (IllegalArgumentException ex) {
            assertTrue(ex.getMessage(), ex.getMessage().startsWith("argument 0 is a java.lang.Integer, which cannot be passed as java.lang.String"));
        }
        assertEquals(0, impl(e).hits.get());
    }

    @Test
    public void exceptionsPassThroughTheChainAsThrown() throws Exception {
        Entry<Probe> e = engine.create(Probe.class, "plain");
        List<Throwable> seen = new ArrayList<>();
        engine.interpose(e.id(), "inner", NO_OP);
        engine.interpose(e.id(), "outer", call -> {
            try {
                return call.proceed();
            } catch (Throwable t) {
                seen.add(t);
                throw t;
            }
        });
        Probe p = e.handle();
        try {
            p.fail("checked");
            fail();
        } catch (Probe.Refused ex) {
            assertSame(CHECKED, ex);
        }
        try {
            p.fail("unchecked");
            fail();
        } catch (IllegalStateException ex) {
            assertSame(UNCHECKED, ex);
        }
        try {
            p.fail("error");
            fail();
        } catch (AssertionError ex) {
            assertSame(ERROR, ex);
        }
        try {
            p.fail("undeclared");
            fail();
        } catch (UndeclaredThrowableException ex) {
            assertSame("an undeclared checked exception is wrapped, as java.lang.reflect.Proxy did", UNDECLARED, ex.getCause());
        }
        assertEquals("interposers see exactly what the implementation threw", List.of(CHECKED, UNCHECKED, ERROR, UNDECLARED), seen);
    }

    @Test
    public void anInterposerMayThrowAndReturnItsOwnResults() {
        Entry<Probe> e = engine.create(Probe.class, "plain");
        RuntimeException own = new UnsupportedOperationException("injected");
        engine.interpose(e.id(), "inject", call -> switch (call.method().getName()) {
            case "record" -> throw own;
            case "concat" -> "replaced";
            case "twice" -> null;
            case "flag" -> "not a boolean";
            default -> call.proceed();
        });
        Probe p = e.handle();
        try {
            p.record("x");
            fail();
        } catch (UnsupportedOperationException ex) {
            assertSame(own, ex);
        }
        assertEquals("replaced", p.concat("a", "b"));
        try {
            p.twice(1);
            fail();
        } catch (NullPointerException ex) {
            // null for a primitive result, as with java.lang.reflect.Proxy
        }
        try {
            p.flag();
            fail();
        } catch (ClassCastException ex) {
            // a wrong type for the result, as with java.lang.reflect.Proxy
        }
        assertEquals(List.of(), impl(e).recorded);
    }

    @Test
    public void defaultMethodsRunTheImplementationsVersionThroughTheChain() throws Exception {
        Entry<Probe> plain = engine.create(Probe.class, "plain");
        Entry<Probe> polite = engine.create(Probe.class, "polite");
        List<String> seen = new ArrayList<>();
        Interposer names = call -> {
            seen.add(call.method().getName() + (call.method().isDefault() ? "(default)" : ""));
            return call.proceed();
        };
        engine.interpose(plain.id(), "names", names);
        engine.interpose(polite.id(), "names", names);
        assertEquals("hello a", plain.handle().greet("a"));
        assertEquals("good day b", polite.handle().greet("b"));
        assertEquals("GOOD DAY C", polite.handle().shout("c"));
        assertEquals("the inner greet() runs on the instance, not through the handle", List.of("greet(default)", "greet(default)", "shout(default)"), seen);
    }

    @Test
    public void proceedTwiceThrowsAndTheCallRunsOnce() {
        Entry<Probe> e = engine.create(Probe.class, "plain");
        AtomicReference<Throwable> second = new AtomicReference<>();
        engine.interpose(e.id(), "twice", call -> {
            Object r = call.proceed();
            try {
                call.proceed();
            } catch (Throwable t) {
                second.set(t);
            }
            return r;
        });
        assertEquals(1, e.handle().hit());
        assertTrue(second.get() instanceof IllegalStateException);
        assertEquals("an interposer called proceed() twice for one call of entry " + e.id(), second.get().getMessage());
        assertEquals(1, impl(e).hits.get());
    }

    /** Counts the calls that pass it and marks them, so the implementation can count the same calls. */
    static Interposer marking(AtomicLong seen) {
        return call -> {
            seen.incrementAndGet();
            boolean was = INSIDE.get();
            INSIDE.set(true);
            try {
                return call.proceed();
            } finally {
                INSIDE.set(was);
            }
        };
    }

    @Test
    public void interposersComeAndGoUnderCallersWithExactTotals() throws Exception {
        Entry<Probe> e = engine.create(Probe.class, "plain");
        ProbeImpl impl = impl(e);
        AtomicLong seenA = new AtomicLong();
        AtomicLong seenB = new AtomicLong();
        int threads = 4;
        long[] made = new long[threads];
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> callers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int k = t;
            Thread th = new Thread(() -> {
                while (running.get()) {
                    e.handle().hit();
                    made[k]++;
                }
            }, "caller-" + t);
            callers.add(th);
            th.start();
        }
        Interposer a = marking(seenA);
        Interposer b = marking(seenB);
        // chains of length 0, 1 and 2 in turn, with the callers running throughout
        for (int i = 0; i < 2_000; i++) {
            engine.interpose(e.id(), "a", a);
            if (i % 2 == 0) {
                engine.interpose(e.id(), "b", b);
                engine.removeInterposer(e.id(), "a");
                engine.removeInterposer(e.id(), "b");
            } else {
                engine.removeInterposer(e.id(), "a");
            }
        }
        running.set(false);
        for (Thread th : callers) {
            th.join();
        }
        long total = 0;
        for (long m : made) {
            total += m;
        }
        assertEquals("every call ran exactly once on the instance", total, impl.hits.get());
        assertTrue("some calls went through the interposers", seenA.get() + seenB.get() > 0);
        // A call through both is seen twice and marked once; a call through one is seen and marked once.
        assertTrue(impl.hitsInside.get() <= seenA.get() + seenB.get());
        assertTrue("no call passed an interposer without reaching the instance", impl.hitsInside.get() >= Math.max(seenA.get(), seenB.get()));
    }

    @Test
    public void oneInterposerComesAndGoesUnderCallersAndSeesExactlyTheCallsMarkedAtTheInstance() throws Exception {
        Entry<Probe> e = engine.create(Probe.class, "plain");
        ProbeImpl impl = impl(e);
        AtomicLong seen = new AtomicLong();
        int threads = 4;
        long[] made = new long[threads];
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> callers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int k = t;
            Thread th = new Thread(() -> {
                while (running.get()) {
                    e.handle().hit();
                    made[k]++;
                }
            }, "caller-" + t);
            callers.add(th);
            th.start();
        }
        Interposer m = marking(seen);
        for (int i = 0; i < 2_000; i++) {
            engine.interpose(e.id(), "m", m);
            engine.removeInterposer(e.id(), "m");
        }
        running.set(false);
        for (Thread th : callers) {
            th.join();
        }
        long total = 0;
        for (long n : made) {
            total += n;
        }
        assertEquals("every call ran exactly once on the instance", total, impl.hits.get());
        assertEquals("each call that passed the interposer reached the instance once", seen.get(), impl.hitsInside.get());
    }

    @Test
    public void interposersStayOnAcrossSwapsUnderCallersAndCountEveryCall() throws Exception {
        Entry<Counter> e = engine.create(Counter.class, "atomic");
        AtomicLong seen = new AtomicLong();
        engine.interpose(e.id(), "count", call -> {
            if (call.method().getName().equals("increment")) {
                seen.incrementAndGet();
            }
            return call.proceed();
        });
        int threads = 3;
        long[] made = new long[threads];
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> callers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int k = t;
            Thread th = new Thread(() -> {
                while (running.get()) {
                    e.handle().increment();
                    made[k]++;
                }
            }, "caller-" + t);
            callers.add(th);
            th.start();
        }
        int completed = 0;
        for (int i = 0; i < 20; i++) {
            SwapResult r = engine.swap(e.id(), i % 2 == 0 ? "striped" : "atomic", "test").toCompletableFuture().get(30, TimeUnit.SECONDS);
            if (r.outcome == SwapOutcome.COMPLETED) {
                completed++;
            }
        }
        running.set(false);
        for (Thread th : callers) {
            th.join();
        }
        long total = 0;
        for (long n : made) {
            total += n;
        }
        assertEquals("every call ran exactly once, across the swaps", total, e.handle().get());
        assertEquals("the interposer saw every call, across the swaps", total, seen.get());
        assertTrue("some swaps completed under load: " + completed, completed > 0);
        assertEquals(List.of("count"), e.describe().interposers);
        assertTrue(ChainFactory.isChainClass(((AbstractHandle) e.handle()).target.getClass().getName()));
    }

    @Test
    public void aCallInsideTheChainIsPendingOnlyOnceItIsInTheInstance() throws Exception {
        Entry<Probe> e = engine.create(Probe.class, "plain");
        EntryImpl<?> entry = (EntryImpl<?>) e;
        CountDownLatch inInterposer = new CountDownLatch(1);
        CountDownLatch letGo = new CountDownLatch(1);
        CountDownLatch inInstance = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        engine.interpose(e.id(), "wait", call -> {
            inInterposer.countDown();
            letGo.await();
            return call.proceed();
        });
        Thread t = new Thread(() -> {
            try {
                e.handle().park(inInstance, release);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        }, "parked-caller");
        t.start();
        try {
            assertTrue(inInterposer.await(10, TimeUnit.SECONDS));
            var callees = Quiescence.calleeClasses(entry.instance());
            StackTraceElement[] stack = t.getStackTrace();
            assertFalse("in the interposer: the outer handle's callee is the chain " + java.util.Arrays.toString(stack),
                    Quiescence.isPending(stack, entry.handleClassName(), entry.proxyClassName(), callees));
            assertFalse("even when any callee class would count (a hidden implementation class)",
                    Quiescence.isPending(stack, entry.handleClassName(), entry.proxyClassName(), null));
            letGo.countDown();
            assertTrue(inInstance.await(10, TimeUnit.SECONDS));
            stack = t.getStackTrace();
            assertTrue("in the instance, through the inner handle " + java.util.Arrays.toString(stack),
                    Quiescence.isPending(stack, entry.handleClassName(), entry.proxyClassName(), callees));
            int park = 0;
            while (!(stack[park].getClassName().equals(ProbeImpl.class.getName()) && stack[park].getMethodName().equals("park"))) {
                park++;
            }
            assertEquals("the chain's end runs in a frame of the handle class", entry.handleClassName(), stack[park + 1].getClassName());
            assertEquals(ChainFactory.END + "park", stack[park + 1].getMethodName());
        } finally {
            letGo.countDown();
            release.countDown();
            t.join();
        }
    }
}
