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
import swap.kernel.Engine;
import swap.kernel.StandaloneSource;

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
        source.add(Counter.class, "plain", "1.0.0", Plain::new, "concurrency", "shared");
        source.add(Counter.class, "plain2", "2.0.0", Plain::new, "concurrency", "distributed");
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

    /** swap:call goes through the handle, so a monitor on the entry counts the call; errors list the interface's methods. */
    @Test
    public void callGoesThroughTheHandleAndItsMonitors() {
        shell.interpose(id, "calls");
        assertEquals(1L, shell.call(null, id, "increment", List.of()));
        assertEquals(2L, shell.call(null, id, "increment", List.of()));
        assertTrue(Render.stats(shell.stats(id)), Render.stats(shell.stats(id)).contains("monitor calls  calls=2"));
        assertRefused(() -> shell.call(null, id, "decrement", List.of()),
                "swap: entry " + id + "'s interface " + Counter.class.getName() + " has no method 'decrement'; its methods: increment()");
        assertRefused(() -> shell.call(null, id, "increment", List.of("5")),
                "swap: cannot call increment of entry " + id + " with 1 argument(s) [5]: " + Counter.class.getName() + " has increment()");
        assertRefused(() -> shell.call(null, 99, "increment", List.of()), "swap: no entry with id 99;");
        assertEquals(3L, shell.call(null, id, "increment", List.of())); // the refusals called nothing
    }

    /** Numbers are range-checked and never wrapped; ids and numbers say which command scope refused them. */
    @Test
    public void numbersAreCheckedNotWrapped() {
        assertEquals(5, Shell.number("fcm", "length", " 5 ", 0, 10, "hint"));
        assertRefused(() -> Shell.number("fcm", "length", "99999999999", 0, Integer.MAX_VALUE, "give a length"),
                "fcm: length 99999999999 is out of range (0 to 2147483647); give a length");
        assertRefused(() -> Shell.number("fcm", "offset", "999999999999999999999", 0, Long.MAX_VALUE, "give an offset"),
                "fcm: offset 999999999999999999999 is out of range (0 to " + Long.MAX_VALUE + "); give an offset");
        assertRefused(() -> Shell.number("swap", "history length", "abc", 0, 10, "give a count"), "swap: history length abc is not a whole number; give a count");
        assertRefused(() -> Shell.number("fcm", "threads", "0", 1, 256, "give 1 to 256"), "fcm: threads 0 is out of range (1 to 256)");
        assertRefused(() -> Shell.id("fcm", "x"), "fcm: not an entry id: x;");
        assertRefused(() -> shell.read(99, 0, 4), "fcm: no entry with id 99;");
        assertRefused(() -> shell.read(id, 0, 99_999_999_999L), "fcm: length 99999999999 is too long for the console");
    }

    /** An argument Gogo made out of an unquoted (k=v) is refused with the quoted command to type. */
    @Test
    public void unquotedFilterGetsAHint() {
        assertRefused(() -> Shell.checkQuoted("swap:swap 1 (concurrency=distributed)", "swap:swap 1", "distributed"),
                "swap: quote the filter: write swap:swap 1 '(concurrency=distributed)'. Unquoted, Gogo ran (concurrency=distributed) as a command"
                        + " (it set the shell variable concurrency) and passed only 'distributed'; nothing was changed");
        Shell.checkQuoted("swap:swap 1 '(concurrency=distributed)'", "swap:swap 1", "(concurrency=distributed)"); // quoted: fine
        Shell.checkQuoted("swap:swap 1 distributed", "swap:swap 1", "distributed"); // a name: fine
        Shell.checkQuoted(null, "swap:swap 1", "distributed"); // line unknown (no console): fine
    }

    @Test
    public void usageLinesAndScopeLists() {
        assertEquals("swap: usage: swap:swap [--timeout MS] ID TARGET (help swap:swap explains)", Usage.wrong("swap", "swap").toString());
        assertEquals("fcm: usage: fcm:read ID OFFSET LENGTH (help fcm:read explains)", Usage.wrong("fcm", "read").toString());
        String swap = Usage.list("swap");
        assertTrue(swap, swap.startsWith("swap:list "));
        assertTrue(swap, swap.contains("\nswap:call ID METHOD [ARGS...]"));
        assertFalse(swap, swap.lines().anyMatch(l -> l.startsWith("fcm:")));
        assertTrue(Usage.list("fcm"), Usage.list("fcm").lines().filter(l -> l.startsWith("fcm:")).count() == 6);
        // every command registered by the components has a usage line (and no other)
        java.util.Set<String> registered = new java.util.TreeSet<>();
        // (read from the component descriptors bnd wrote: DS annotations are not kept at run time)
        for (Class<?> c : new Class<?>[] {SwapCommands.class, FcmCommands.class, HealthCommand.class, SafeSwapCommands.class, UpgradeCommands.class,
                JournalCommands.class, ServiceCommands.class}) {
            String xml;
            try {
                xml = new String(java.nio.file.Files.readAllBytes(java.nio.file.Paths.get("target/classes/OSGI-INF/" + c.getName() + ".xml")),
                        java.nio.charset.StandardCharsets.UTF_8);
            } catch (java.io.IOException e) {
                throw new AssertionError("component descriptor of " + c.getName() + " (bnd-process writes it before the tests run)", e);
            }
            java.util.regex.Matcher scope = java.util.regex.Pattern.compile("name=\"osgi.command.scope\" type=\"String\" value=\"(\\w+)\"").matcher(xml);
            assertTrue(xml, scope.find());
            java.util.regex.Matcher f = java.util.regex.Pattern.compile("name=\"osgi.command.function\" type=\"String\"(?: value=\"(\\w+)\"/>|>([^<]*)</property>)").matcher(xml);
            assertTrue(xml, f.find());
            String names = f.group(1) != null ? f.group(1) : f.group(2);
            for (String n : names.trim().split("\\s+")) {
                registered.add(scope.group(1) + ":" + n);
            }
        }
        java.util.Set<String> documented = new java.util.TreeSet<>();
        for (Usage.Command c : Usage.COMMANDS) {
            documented.add(c.scope + ":" + c.name);
        }
        assertEquals(registered, documented);
    }

    /** A refused swap (REFUSED once swap.api has it; FAILED before) prints as one line, not as a result. */
    @Test
    public void refusedResultsAreOneLineErrors() {
        SwapResult r = new SwapResult();
        r.outcome = SwapOutcome.FAILED;
        assertTrue(Shell.refused(r));
        r.outcome = SwapOutcome.ROLLED_BACK;
        assertFalse(Shell.refused(r));
        r.outcome = SwapOutcome.COMPLETED;
        assertFalse(Shell.refused(r));
    }

    @Test
    public void readsOfZerosAndOfNothingSaySo() {
        Dtos.Read r = new Dtos.Read();
        r.offset = 7;
        r.count = 0;
        r.text = "";
        assertEquals("(0 bytes read at 7)", Render.read(r));
        r.count = 3;
        r.text = "\0\0\0";
        r.zeros = true;
        assertEquals("(3 zero bytes at 7)", Render.read(r));
        r.text = "a\0b";
        r.zeros = false;
        assertEquals("a.b", Render.read(r));
        r.count = -1;
        assertEquals("(end of file: nothing to read at offset 7)", Render.read(r));
    }

    /** A read past the end says how many bytes came and where the file ends (issue 24). */
    @Test
    public void aShortReadSaysWhereTheFileEnds() {
        Dtos.Read r = new Dtos.Read();
        r.offset = 10;
        r.requested = 100;
        r.count = 3;
        r.text = "abc";
        assertEquals("abc\n(3 of 100 bytes read: the file ends at offset 13)", Render.read(r));
        r.requested = 3;
        assertEquals("abc", Render.read(r));
        r.requested = 5;
        r.count = 0;
        r.text = "";
        assertEquals("(0 of 5 bytes read: the file ends at offset 10)", Render.read(r));
        r.id = 4;
        r.count = 3;
        r.text = "abc";
        r.size = 1000; // a short read before the end (the FCM's contract allows it): where the rest is
        assertEquals("abc\n(3 of 5 bytes read: fcm:read 4 13 2 reads the rest)", Render.read(r));
        r.count = -1;
        r.size = 10;
        assertEquals("(end of file: nothing to read at offset 10, the file has 10 bytes)", Render.read(r));
    }

    /** The completion script gives each command its description on a line of its own, never beside every candidate (issue 24). */
    @Test
    public void completionDescriptionsAreNotRepeatedBesideCandidates() {
        String script = Completion.script();
        assertTrue(script, script.contains("complete -c swap:info -a '__swap_candidates'"));
        assertTrue(script, script.contains("complete -c swap:info -d \"Show one entry\""));
        for (String line : script.split("\n")) {
            assertFalse(line, line.startsWith("complete") && line.contains(" -a ") && line.contains(" -d "));
        }
        assertFalse(script, script.contains("swap:candidates"));
    }

    /** swap:health runs the checks and shows the worst status with every message. */
    @Test
    public void healthShowsStatusAndMessages() {
        org.apache.felix.hc.api.HealthCheck ok = () -> new org.apache.felix.hc.api.Result(org.apache.felix.hc.api.Result.Status.OK, "all fine");
        org.apache.felix.hc.api.HealthCheck warn = () -> new org.apache.felix.hc.api.Result(org.apache.felix.hc.api.Result.Status.WARN, "entry 3 rolled back");
        String h = Render.health(HealthCommand.run(List.of(ok, warn)));
        assertEquals("status  WARN\nOK      all fine\nWARN    entry 3 rolled back", h);
        HealthCommand none = new HealthCommand();
        none.checks = List.of();
        try {
            none.health();
            fail("no check: refused");
        } catch (ShellException e) {
            assertTrue(e.toString(), e.toString().startsWith("swap: no swap health check registered: bundle swap.monitor provides it"));
        }
    }

    @Test
    public void exceptionPrintsAsOneLine() {
        ShellException e = new ShellException("swap", "two\n  lines");
        assertEquals("swap: two lines", e.toString());
    }

    @Test
    public void infoShowsATransferInProgressAndTheLastCopy() {
        EntryDTO d = new EntryDTO();
        d.id = 7;
        d.iface = "x.Store";
        d.implementation = "store";
        d.version = "1.0.0";
        d.state = "SWAPPING";
        d.transfer = "part: 1,000 of 20,000 units copied in 1 part(s), 0 delta(s), 3 ms of 60000 ms (format f)";
        d.lastSwap = new SwapResult();
        d.lastSwap.outcome = SwapOutcome.COMPLETED;
        d.lastSwap.copyNanos = 2_000_000;
        d.lastSwap.copiedUnits = 20_000;
        d.lastSwap.deltaRounds = 1;
        d.lastSwap.blockedNanos = 50_000;
        d.lastSwap.transferNanos = 2_100_000;
        String info = Render.entry(d);
        assertTrue(info, info.contains("transfer        part: 1,000 of 20,000 units copied in 1 part(s)"));
        assertTrue(info, info.contains("last copy       20,000 units copied while serving in 2.000 ms, 1 delta round(s); calls held 0.050 ms, transfer 2.100 ms"));
    }
}
