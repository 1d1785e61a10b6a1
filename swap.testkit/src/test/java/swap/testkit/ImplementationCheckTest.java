package swap.testkit;

import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.After;
import org.junit.Test;

import swap.api.StateFormat;
import swap.api.StatefulComponent;
import swap.api.TransferContext;

/** The kit passes correct implementations and catches each kind of broken one, naming what is wrong. */
public class ImplementationCheckTest {

    public interface Counter {
        long increment();

        long get();
    }

    static final StateFormat<Long> VALUE = StateFormat.canonical("test.counter.value", Long.class);

    /** Correct: one AtomicLong, the shared canonical format, can start empty. */
    public static class Atomic implements Counter, StatefulComponent {
        AtomicLong n = new AtomicLong();

        @Override
        public long increment() {
            return n.incrementAndGet();
        }

        @Override
        public long get() {
            return n.get();
        }

        @Override
        public List<StateFormat<?>> exportFormats() {
            return List.of(VALUE);
        }

        @Override
        public List<StateFormat<?>> importFormats() {
            return List.of(VALUE, StateFormat.EMPTY);
        }

        @Override
        public Object exportState(StateFormat<?> format) {
            return n.get();
        }

        @Override
        public void importState(StateFormat<?> format, Object state, TransferContext context) {
            if (format.equals(VALUE)) {
                n.set(VALUE.cast(state));
            }
        }
    }

    /** Correct: a lock and a long. */
    public static class Locked implements Counter, StatefulComponent {
        long n;

        @Override
        public synchronized long increment() {
            return ++n;
        }

        @Override
        public synchronized long get() {
            return n;
        }

        @Override
        public List<StateFormat<?>> exportFormats() {
            return List.of(VALUE);
        }

        @Override
        public List<StateFormat<?>> importFormats() {
            return List.of(VALUE);
        }

        @Override
        public synchronized Object exportState(StateFormat<?> format) {
            return n;
        }

        @Override
        public synchronized void importState(StateFormat<?> format, Object state, TransferContext context) {
            n = VALUE.cast(state);
        }
    }

    /** Broken: ignores the state it is given. */
    public static class Forgetful extends Atomic {
        @Override
        public void importState(StateFormat<?> format, Object state, TransferContext context) {
        }
    }

    /** Broken: export resets the exporter. */
    public static class Draining extends Atomic {
        @Override
        public Object exportState(StateFormat<?> format) {
            return n.getAndSet(0);
        }
    }

    /** Broken for itself: exports a format it cannot import. */
    public static class ExportOnly extends Atomic {
        static final StateFormat<long[]> ARRAY = StateFormat.canonical("test.counter.array", long[].class);

        @Override
        public List<StateFormat<?>> exportFormats() {
            return List.of(VALUE, ARRAY);
        }

        @Override
        public Object exportState(StateFormat<?> format) {
            return format.equals(ARRAY) ? new long[] {n.get()} : (Object) n.get();
        }
    }

    /** Shares nothing with the others. */
    public static class Alien extends Atomic {
        static final StateFormat<String> TEXT = StateFormat.canonical("test.counter.text", String.class);

        @Override
        public List<StateFormat<?>> exportFormats() {
            return List.of(TEXT);
        }

        @Override
        public List<StateFormat<?>> importFormats() {
            return List.of(TEXT);
        }

        @Override
        public Object exportState(StateFormat<?> format) {
            return Long.toString(n.get());
        }

        @Override
        public void importState(StateFormat<?> format, Object state, TransferContext context) {
            n.set(Long.parseLong(TEXT.cast(state)));
        }
    }

    private ImplementationCheck<Counter> check;

    private ImplementationCheck<Counter> check(String name, java.util.function.Supplier<? extends Counter> factory) {
        check = ImplementationCheck.of(Counter.class, name, "1.0.0", factory)
                .change(Counter::increment).state(Counter::get).expect(n -> n)
                .other("locked", "1.0.0", Locked::new)
                .other("alien", "1.0.0", Alien::new);
        return check;
    }

    @After
    public void close() {
        if (check != null) {
            check.close();
        }
    }

    @Test
    public void aCorrectImplementationPassesEveryCheck() {
        ImplementationCheck<Counter> c = check("atomic", Atomic::new);
        c.formatsRoundTrip();
        c.formatsRoundTripWith("locked");
        c.swapsUnderLoad(2, "locked");
        c.swapsUnderLoad(1);
        // the swaps ran in the kit's engine, to both targets
        assertTrue(c.engine().history(100).stream().anyMatch(r -> "locked 1.0.0".equals(r.to)));
        assertTrue(c.engine().history(100).stream().anyMatch(r -> "atomic 1.0.0".equals(r.to)));
    }

    @Test
    public void lostStateFailsEveryCheck() {
        ImplementationCheck<Counter> c = check("forgetful", Forgetful::new);
        fails(c::formatsRoundTrip, "state carried from forgetful to forgetful in format 'test.counter.value': expected 5 but was 0");
        fails(() -> c.formatsRoundTripWith("locked"), "state carried from locked to forgetful in format 'test.counter.value': expected 5 but was 0");
        fails(() -> c.swapsUnderLoad(2, "locked"), "state after ");
    }

    @Test
    public void anExportThatChangesTheExporterFails() {
        fails(check("draining", Draining::new)::formatsRoundTrip,
                "draining: export in format 'test.counter.value' must leave the exporter intact (a failed import rolls back to it): expected 5 but was 0");
    }

    @Test
    public void aFormatOnlyExportedFailsAgainstItselfButPassesWithAReader() {
        ImplementationCheck<Counter> c = check("exportonly", ExportOnly::new);
        fails(c::formatsRoundTrip, "exportonly exports format 'test.counter.array' but does not import it");
        c.formatsRoundTripWith("locked");
    }

    @Test
    public void noCommonFormatFails() {
        fails(() -> check("atomic", Atomic::new).formatsRoundTripWith("alien"),
                "no state format in common from atomic to alien: atomic exports [test.counter.value], alien imports [test.counter.text]");
    }

    @Test
    public void anUnknownOtherIsNamed() {
        fails(() -> check("atomic", Atomic::new).formatsRoundTripWith("nope"), "no other implementation named nope");
    }

    private static void fails(Runnable check, String messageStart) {
        try {
            check.run();
        } catch (AssertionError e) {
            assertTrue("message: " + e.getMessage(), e.getMessage() != null && e.getMessage().startsWith(messageStart));
            return;
        }
        fail("the check passed, expected a failure starting with: " + messageStart);
    }
}
