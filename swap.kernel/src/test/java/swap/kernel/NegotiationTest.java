package swap.kernel;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotSame;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.net.URL;
import java.net.URLClassLoader;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.Test;

import swap.api.Entry;
import swap.api.StateFormat;
import swap.api.StatefulComponent;
import swap.api.SwapOutcome;
import swap.api.SwapResult;
import swap.api.TransferContext;

/**
 * Formats across class spaces: a format is usable only where both sides see the same {@code Class}
 * for its type. The second class space is a class loader that defines {@link Cell} again (as a
 * second revision of a bundle defines its private classes again).
 */
public class NegotiationTest {

    /** A bundle-private state type, in this test's "bundle". */
    public static final class Cell {
        public long value;
    }

    /** Loads {@link Cell} itself instead of asking its parent: a second class space. */
    private static Class<?> cellOfAnotherSpace() throws Exception {
        URL classes = Cell.class.getProtectionDomain().getCodeSource().getLocation();
        ClassLoader other = new URLClassLoader(new URL[] {classes}, NegotiationTest.class.getClassLoader()) {
            @Override
            protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
                if (name.equals(Cell.class.getName())) {
                    synchronized (getClassLoadingLock(name)) {
                        Class<?> c = findLoadedClass(name);
                        return c != null ? c : findClass(name);
                    }
                }
                return super.loadClass(name, resolve);
            }
        };
        Class<?> c = other.loadClass(Cell.class.getName());
        assertNotSame(Cell.class, c);
        return c;
    }

    static final StateFormat<Long> VALUE = StateFormat.canonical("value", Long.class);

    @Test
    public void aByReferenceFormatWhoseTypeIsAnotherClassIsSkippedAndSaidSo() throws Exception {
        StateFormat<?> mine = StateFormat.byReference("cell", Cell.class);
        StateFormat<?> theirs = StateFormat.byReference("cell", cellOfAnotherSpace());
        List<StateFormat<?>> exports = List.of(mine, VALUE);
        List<StateFormat<?>> imports = List.of(theirs, VALUE);
        StateFormat<?> chosen = Negotiation.negotiate(exports, imports);
        assertEquals(VALUE, chosen);
        List<String> skipped = Negotiation.skipped(exports, imports, chosen);
        assertEquals(1, skipped.size());
        assertTrue(skipped.get(0), skipped.get(0).startsWith("cell: " + Cell.class.getName() + " is a different class on each side"));
        // the same class on both sides: the by-reference format wins, nothing skipped
        assertEquals(mine, Negotiation.negotiate(exports, List.of(mine, VALUE)));
        assertEquals(List.of(), Negotiation.skipped(exports, List.of(mine, VALUE), mine));
        // only the private format in common: none
        assertNull(Negotiation.negotiate(List.of(mine), List.of(theirs)));
    }

    /** A counter whose by-reference format's type is {@code cellType}: this class space's Cell, or another's. */
    public static final class CellCounter implements Counter, StatefulComponent {
        final StateFormat<?> cell;
        long count;

        CellCounter(Class<?> cellType) {
            cell = StateFormat.byReference("cell", cellType);
        }

        @Override
        public long increment() {
            return ++count;
        }

        @Override
        public long get() {
            return count;
        }

        @Override
        public List<StateFormat<?>> exportFormats() {
            return List.of(cell, VALUE);
        }

        @Override
        public List<StateFormat<?>> importFormats() {
            return List.of(cell, VALUE);
        }

        @Override
        public Object exportState(StateFormat<?> format) throws Exception {
            if (format.equals(VALUE)) {
                return count;
            }
            Object c = cell.type().getConstructor().newInstance();
            cell.type().getField("value").setLong(c, count);
            return c;
        }

        @Override
        public void importState(StateFormat<?> format, Object state, TransferContext context) throws Exception {
            count = format.equals(VALUE) ? (Long) state : cell.type().getField("value").getLong(cell.cast(state));
        }
    }

    @Test
    public void aSwapBetweenTwoClassSpacesTakesTheCanonicalFormatInsteadOfRollingBack() throws Exception {
        Class<?> other = cellOfAnotherSpace();
        StandaloneSource source = new StandaloneSource();
        source.add(Counter.class, "cells", "1.0.0", () -> new CellCounter(Cell.class));
        source.add(Counter.class, "cells", "1.1.0", () -> new CellCounter(other), "revision", "2");
        Engine engine = new Engine(source);
        try {
            Entry<Counter> e = engine.create(Counter.class, "(&(swap.impl.name=cells)(swap.impl.version=1.0.0))");
            for (int i = 0; i < 5; i++) {
                e.handle().increment();
            }
            SwapResult r = engine.swap(e.id(), "(revision=2)", "new revision").toCompletableFuture().get();
            assertEquals(r.toString(), SwapOutcome.COMPLETED, r.outcome);
            assertEquals("value", r.format);
            assertEquals(1, r.skippedFormats.size());
            assertTrue(r.toString(), r.toString().contains("skipped [cell: "));
            assertEquals(5, e.handle().get());
            // within one class space the by-reference format is used
            SwapResult back = engine.rejuvenate(e.id(), true, "same space").toCompletableFuture().get();
            assertEquals("cell", back.format);
            assertEquals(List.of(), back.skippedFormats);
            assertEquals(5, e.handle().get());
        } finally {
            engine.shutdown();
        }
    }
}
