package swap.shell.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;

import swap.api.EntryDTO;
import swap.api.Invocation;
import swap.api.Monitor;
import swap.api.SwapOutcome;
import swap.api.SwapResult;
import swap.kernel.Engine;
import swap.core.safe.SafeSwapConfig;
import swap.kernel.StandaloneSource;

/** {@code swap:watch} and {@code swap:canary} over a standalone engine (no OSGi, no Gogo). */
public class SafeSwapCommandsTest {

    /** Has no {@code @ReadOnly} method: a canary cannot mirror anything. */
    public interface Plain {
        long next();
    }

    static final class Impl implements Plain {
        private long n;

        @Override
        public synchronized long next() {
            return ++n;
        }
    }

    /** Counts calls and calls that threw, with the statistics keys a watch reads. */
    static final class Calls implements Monitor {
        final LongAdder calls = new LongAdder();
        final LongAdder thrown = new LongAdder();

        @Override
        public Object invoke(Invocation call) throws Throwable {
            calls.increment();
            try {
                return call.proceed();
            } catch (Throwable t) {
                thrown.increment();
                throw t;
            }
        }

        @Override
        public Map<String, Object> statistics() {
            return Map.of("calls", calls.sum(), "thrown", thrown.sum());
        }
    }

    private Engine engine;
    private SafeSwapCommands commands;
    private long id;

    @Before
    public void setUp() {
        StandaloneSource source = new StandaloneSource();
        source.add(Plain.class, "a", "1.0.0", Impl::new);
        source.add(Plain.class, "b", "1.0.0", Impl::new);
        source.addInterposer("calls", Calls::new);
        source.addInterposer("latency", Calls::new); // no p99: an idle entry's watch judges on errors only
        engine = new Engine(source);
        SafeSwapConfig c = new SafeSwapConfig();
        c.baselineMillis = 0;
        swap.core.safe.SafeSwaps.on(engine).configure(c);
        commands = new SafeSwapCommands();
        commands.manager = engine;
        id = engine.create(Plain.class, "a").id();
    }

    @After
    public void tearDown() {
        engine.shutdown();
    }

    @Test
    public void durations() {
        assertEquals(250, SafeSwapCommands.millis("250ms", "window"));
        assertEquals(10_000, SafeSwapCommands.millis("10s", "window"));
        assertEquals(1_500, SafeSwapCommands.millis("1.5s", "window"));
        assertEquals(120_000, SafeSwapCommands.millis("2m", "window"));
        assertEquals(42, SafeSwapCommands.millis("42", "window"));
        try {
            SafeSwapCommands.millis("soon", "window");
            fail();
        } catch (ShellException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("--window soon is not a duration"));
        }
    }

    /** Issue 24: an idle entry gives the watch no calls: it waits for the window, then says INCONCLUSIVE, never "passed". */
    @Test
    public void aWatchWaitsForItsVerdictAndWithoutCallsSaysInconclusive() {
        SwapResult r = (SwapResult) commands.watch("200ms", "", "", "0", "false", String.valueOf(id), "b");
        assertEquals(SwapOutcome.COMPLETED, r.outcome);
        assertEquals("inconclusive", r.figures.get("watch"));
        String text = Render.result(r);
        assertTrue(text, text.contains("watch inconclusive: only 0 call(s) in 200 ms") && text.contains("figures") && text.contains("windowMillis=200"));
        assertFalse(text, text.contains("passed"));
        assertEquals("b", engine.list().get(0).implementation);
    }

    /** Issue 24: --window 0 is refused in one line (it used to mean the default window), and nothing is swapped. */
    @Test
    public void aZeroWindowIsRefused() {
        for (String zero : new String[] {"0", "0s", "0ms"}) {
            try {
                commands.watch(zero, "", "", "0", "false", String.valueOf(id), "b");
                fail(zero);
            } catch (ShellException e) {
                assertEquals("--window " + zero + " is no window: a watch needs time to see calls; write e.g. --window 10s, or leave --window out "
                        + "for the configured default", e.getMessage());
            }
        }
        try {
            commands.canary("0", "0", "false", "0", "0", String.valueOf(id), "b");
            fail();
        } catch (ShellException e) {
            assertTrue(e.getMessage(), e.getMessage().startsWith("--watch 0 is no window"));
        }
        assertEquals("a", engine.list().get(0).implementation);
    }

    /** Issue 24: a result where nothing was swapped shows no phases of zeros. */
    @Test
    public void aResultWithoutASwapShowsNoPhases() {
        SwapResult r = new SwapResult();
        r.outcome = SwapOutcome.ROLLED_BACK;
        r.totalNanos = 1_500_000;
        String text = Render.result(r);
        assertTrue(text, text.contains("none: the entry was not swapped (took 1.500 ms)"));
        assertFalse(text, text.contains("instantiate"));
    }

    @Test
    public void aWatchInTheBackgroundReturnsTheEntryWithTheWatchInProgress() throws Exception {
        Object o = commands.watch("30s", "", "", "0", "true", String.valueOf(id), "b");
        EntryDTO d = (EntryDTO) o;
        assertNotNull(d.safety);
        assertTrue(Render.entry(d), Render.entry(d).contains("in progress     watch: "));
    }

    @Test
    public void aCanaryWithoutReadOnlyMethodsIsRefusedInOneLine() {
        try {
            commands.canary("0", "0", "false", "", "0", String.valueOf(id), "b");
            fail();
        } catch (ShellException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("no method of " + Plain.class.getName() + " is marked @swap.api.ReadOnly"));
        }
        assertEquals("a", engine.list().get(0).implementation);
    }

    @Test
    public void badThresholdsAreRefusedInOneLine() {
        try {
            commands.watch("1s", "lots", "", "0", "false", String.valueOf(id), "b");
            fail();
        } catch (ShellException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("--errors lots is not a number"));
        }
        try {
            commands.watch("1s", "", "0.5", "0", "false", String.valueOf(id), "b");
            fail();
        } catch (ShellException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("--p99 0.5 is out of range"));
        }
        assertEquals("a", engine.list().get(0).implementation);
    }

    @Test
    public void anUnknownEntryIsRefused() {
        try {
            commands.watch("", "", "", "0", "false", "99", "b");
            fail();
        } catch (ShellException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("no entry with id 99"));
        }
    }
}
