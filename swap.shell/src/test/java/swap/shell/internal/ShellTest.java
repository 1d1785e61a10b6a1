package swap.shell.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;

import swap.api.EntryDTO;
import swap.api.Invocation;
import swap.api.Monitor;
import swap.api.StateFormat;
import swap.api.StatefulComponent;
import swap.api.SwapOutcome;
import swap.api.SwapResult;
import swap.api.TransferContext;
import swap.core.Engine;
import swap.core.StandaloneSource;

/** The commands' logic and rendering over a standalone engine (no OSGi, no Gogo). */
public class ShellTest {

    public interface Counter {
        long increment();
    }

    static final StateFormat<Long> VALUE = StateFormat.canonical("test.value", Long.class);

    public static class Plain implements Counter, StatefulComponent {
        final AtomicLong n = new AtomicLong();

        @Override
        public long increment() {
            return n.incrementAndGet();
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
        public Object exportState(StateFormat<?> format) {
            return n.get();
        }

        @Override
        public void importState(StateFormat<?> format, Object state, TransferContext context) {
            n.set(VALUE.cast(state));
        }
    }

    /** Imports nothing the others export. */
    public static class Alien implements Counter, StatefulComponent {
        @Override
        public long increment() {
            return 0;
        }

        @Override
        public List<StateFormat<?>> exportFormats() {
            return List.of(StateFormat.canonical("alien", Long.class));
        }

        @Override
        public List<StateFormat<?>> importFormats() {
            return exportFormats();
        }

        @Override
        public Object exportState(StateFormat<?> format) {
            return 0L;
        }

        @Override
        public void importState(StateFormat<?> format, Object state, TransferContext context) {
        }
    }

    private Engine engine;
    private Shell shell;
    private long id;

    @Before
    public void setUp() {
        StandaloneSource source = new StandaloneSource();
        source.add(Counter.class, "plain", "1.0.0", Plain::new, "concurrency=shared");
        source.add(Counter.class, "plain2", "2.0.0", Plain::new, "concurrency=distributed");
        source.add(Counter.class, "alien", "1.0.0", Alien::new);
        source.addInterposer("calls", Calls::new);
        source.addInterposer("plain", () -> call -> call.proceed());
        engine = new Engine(source);
        shell = new Shell(engine, null, null);
        id = engine.create(Counter.class, "plain").id();
    }

    @After
    public void tearDown() {
        engine.shutdown();
    }

    private void assertRefused(Runnable command, String start) {
        String before = Render.entries(shell.list());
        try {
            command.run();
            fail("not refused: " + start);
        } catch (ShellException e) {
            assertTrue(e.toString(), e.toString().startsWith(start));
            assertFalse(e.toString(), e.toString().contains("\n"));
        }
        // nothing changed but the last-swap column
        assertEquals(stripLast(before), stripLast(Render.entries(shell.list())));
    }

    private static String stripLast(String table) {
        StringBuilder b = new StringBuilder();
        for (String l : table.split("\n")) {
            b.append(l, 0, l.lastIndexOf('|')).append('\n');
        }
        return b.toString();
    }

    @Test
    public void swapPrintsOutcomeFormatAndPhases() {
        SwapResult r = shell.swap(id, "plain2", 0);
        assertEquals(SwapOutcome.COMPLETED, r.outcome);
        String s = Render.result(r);
        assertTrue(s, s.contains("outcome     COMPLETED"));
        assertTrue(s, s.contains("format      test.value"));
        assertTrue(s, s.matches("(?s).*phases +instantiate [0-9.]+ ms, forward [0-9.]+ ms, blocked [0-9.]+ ms, transfer [0-9.]+ ms, total [0-9.]+ ms.*"));
        assertTrue(Render.entries(shell.list()).contains("|COMPLETED "));
        assertTrue(Render.history(shell.history(5)).contains("|COMPLETED|plain 1.0.0|plain2 2.0.0|test.value|"));
    }

    @Test
    public void refusalsAreOneLineAndChangeNothing() {
        assertRefused(() -> shell.info(99), "swap: no entry with id 99; swap:list shows the entries");
        assertRefused(() -> shell.swap(99, "plain", 0), "swap: no entry with id 99;");
        assertRefused(() -> shell.swap(id, "(concurrency=shared", 0), "swap: malformed filter");
        assertRefused(() -> shell.swap(id, "nothing", 0), "swap: no implementation of " + Counter.class.getName() + " matches nothing");
        assertRefused(() -> shell.swap(id, "alien", 0), "swap: no state format in common");
        assertRefused(() -> shell.swap(id, "plain", -1), "swap: timeout -1 ms is negative");
        assertRefused(() -> shell.remove(id, "x"), "swap: entry " + id + " has no monitor named x");
        assertRefused(() -> shell.interpose(id, "x"), "swap: no interposer named 'x'");
        assertRefused(() -> Shell.id("swap", "abc"), "swap: not an entry id: abc");
        assertRefused(() -> shell.open(java.nio.file.Paths.get("x"), false), "fcm: no file cache service: ");
        assertRefused(() -> shell.read(id, 0, 1), "fcm: entry " + id + " is a " + Counter.class.getName() + ", not a file");
        assertRefused(() -> shell.policy("p", "on"), "swap: no policy runner");
        assertRefused(() -> shell.policy("p", "maybe"), "swap: say on or off");
    }

    @Test
    public void tablesAndCompletion() {
        String list = Render.entries(shell.list());
        assertTrue(list, list.startsWith("ID|Interface"));
        assertTrue(list, list.contains(" " + id + "|" + Counter.class.getName() + "|plain         |1.0.0  |-     |ACTIVE|    0|        0|-"));
        String impls = Render.implementations(shell.implementations(Counter.class.getName()));
        assertTrue(impls, impls.contains("|plain2|2.0.0  |"));
        assertTrue(impls, impls.contains("|test.value|test.value|" + id)); // formats known from the live entry
        assertEquals(List.of(String.valueOf(id)), shell.candidates(List.of("swap:info", ""), 1));
        assertEquals(List.of("alien", "plain", "plain2"), shell.candidates(List.of("swap:swap", String.valueOf(id), "p"), 2));
        assertEquals(List.of("alien", "plain", "plain2"), shell.candidates(List.of("swap", "-t", "100", String.valueOf(id), ""), 4));
        assertEquals(List.of(), shell.candidates(List.of("fcm:read", ""), 1)); // no file entries
        assertTrue(Render.policies(shell.policies()).contains("no policy runner"));
        assertEquals(List.of("calls", "plain"), shell.candidates(List.of("swap:interpose", String.valueOf(id), ""), 2));
        assertTrue(Render.monitors(shell.monitors()), Render.monitors(shell.monitors()).contains("calls|-"));
    }

    /** What a monitor measured shows in swap:stats; an interposer that is not a Monitor shows as measuring nothing. */
    @Test
    public void statsOfMonitors() {
        shell.interpose(id, "calls");
        EntryDTO d = shell.interpose(id, "plain");
        assertEquals(List.of("plain", "calls"), d.interposers);
        engine.entry(id).map(e -> ((Counter) e.handle()).increment());
        String s = Render.stats(shell.stats(id));
        assertTrue(s, s.contains("monitor calls  calls=1"));
        assertTrue(s, s.contains("monitor plain  (measures nothing)"));
        assertTrue(Render.monitors(shell.monitors()), Render.monitors(shell.monitors()).contains("calls|" + id));
        assertTrue(Render.entry(shell.remove(id, "calls")).contains("interposers     plain"));
    }

    public static class Calls implements Monitor {
        final AtomicLong n = new AtomicLong();

        @Override
        public Object invoke(Invocation call) throws Throwable {
            n.incrementAndGet();
            return call.proceed();
        }

        @Override
        public Map<String, Object> statistics() {
            return Map.of("calls", n.get());
        }
    }

    @Test
    public void exceptionPrintsAsOneLine() {
        ShellException e = new ShellException("swap", "two\n  lines");
        assertEquals("swap: two lines", e.toString());
    }
}
