package swap.disttest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.Test;

/**
 * The swap:* commands and every error case of issue 6, typed into the real distribution's console
 * (cnf/target/swap.jar). Uses the example counter bundles and this module's test-support bundle,
 * installed at run time; needs no file cache.
 */
public class ShellCommandsIT {
    private static final String COUNTER = "swap.example.counter.Counter";

    @Test
    public void commandsAndErrorsThroughTheConsole() throws Exception {
        Path work = Console.scratch("commands");
        try (Console c = Console.start(work)) {
            // help text of every command comes from @Descriptor
            String help = c.run("help swap:swap");
            assertTrue(help, help.contains("swap an entry to another implementation"));
            assertTrue(help, help.contains("-t, --timeout"));
            assertTrue(c.run("help fcm:load"), c.run("help fcm:load").contains("background load"));

            // the platform as started (swap.monitor's policy runs behind an entry of its own)
            String first = c.run("swap:list");
            assertTrue(first, first.matches("ID *\\|Interface *\\|Implementation *\\|Version *\\|Bundle *\\|State *\\|Swaps\\|Rollbacks\\|Last swap(?s).*"));

            // policies: list, off, on; an unknown one is refused
            // off by default: the file cache managers' own trigger is the default (README)
            assertTrue(c.run("swap:policy"), c.run("swap:policy").matches("(?s)Name *\\|Enabled\\|.*\\npolicy\\.concurrency *\\|off .*"));
            assertTrue(c.run("swap:policy policy.concurrency on").matches("(?s).*\\npolicy\\.concurrency *\\|on .*"));
            assertTrue(c.run("swap:policy policy.concurrency off").matches("(?s).*\\npolicy\\.concurrency *\\|off .*"));

            // install implementation bundles built by this repository
            c.installAndStart(Console.bundle("example.api"));
            c.installAndStart(Console.bundle("example.simple"));
            c.installAndStart(Console.bundle("example.striped"));
            c.installAndStart(Console.bundle("example.fcm"));
            c.installAndStart(Console.bundle("disttest"));

            String impls = c.run("swap:impls " + COUNTER);
            for (String name : new String[] {"counter.simple", "counter.striped", "counter.slow", "counter.alien"}) {
                assertTrue(impls, impls.matches("(?s).*\\|" + Pattern.quote(name) + " *\\|.*"));
            }
            assertTrue(impls, impls.contains("concurrency=distributed"));
            assertFalse(impls, impls.contains("fcm.example"));

            String created = c.run("swap:create " + COUNTER + " counter.simple");
            Matcher m = Pattern.compile("(?m)^entry\\s+(\\d+)$").matcher(created);
            assertTrue(created, m.find());
            String id = m.group(1);
            assertTrue(created, created.contains("implementation  counter.simple 1.0.0"));
            String list = c.run("swap:list");
            assertTrue(list, list.matches("(?s).*\\n *" + id + "\\|" + Pattern.quote(COUNTER) + " *\\|counter\\.simple *\\|1\\.0\\.0 *\\|swap\\.example\\.simple *\\|ACTIVE *\\| *0\\| *0\\|-.*"));

            // a swap prints the outcome, the format and the phase times
            String swapped = c.run("swap:swap " + id + " counter.striped");
            assertTrue(swapped, swapped.contains("outcome     COMPLETED"));
            assertTrue(swapped, swapped.contains("format      swap.example.counter.value"));
            assertTrue(swapped, swapped.matches("(?s).*phases +instantiate [0-9.]+ ms, forward [0-9.]+ ms, blocked [0-9.]+ ms, transfer [0-9.]+ ms, total [0-9.]+ ms.*"));
            // by filter, with a timeout option after the arguments
            assertTrue(c.run("swap:swap " + id + " '(concurrency=shared)' --timeout 5000"),
                    c.run("swap:info " + id).contains("implementation  counter.simple 1.0.0"));
            c.run("swap:swap -t 5000 " + id + " counter.striped");
            String row = row(c.run("swap:list"), id);
            assertTrue(row, row.contains("|counter.striped"));

            // ---- errors: one line, what is wrong and what to do, nothing changes
            assertError(c, id, "swap:info 99", "swap: no entry with id 99; swap:list shows the entries");
            assertError(c, id, "swap:swap 99 counter.simple", "swap: no entry with id 99; swap:list shows the entries");
            assertError(c, id, "swap:stats 99", "swap: no entry with id 99; swap:list shows the entries");
            assertError(c, id, "swap:info abc", "swap: not an entry id: abc;");
            assertError(c, id, "swap:swap " + id + " '(concurrency=shared'", "swap: malformed filter (concurrency=shared");
            assertError(c, id, "swap:swap " + id + " counter.none", "swap: no implementation of " + COUNTER + " matches counter.none");
            assertError(c, id, "swap:swap " + id + " '(concurrency=quantum)'", "swap: no implementation of " + COUNTER + " matches (concurrency=quantum)");
            assertError(c, id, "swap:swap " + id + " counter.alien", "swap: no state format in common");
            assertError(c, id, "swap:create " + COUNTER + " counter.none", "swap: no implementation of " + COUNTER + " matches counter.none");
            assertError(c, id, "swap:interpose " + id + " nope", "swap: no interposer named 'nope'");
            assertError(c, id, "swap:remove " + id + " nope", "swap: entry " + id + " has no monitor named nope");
            assertError(c, id, "swap:policy nope on", "swap: no policy named 'nope'");
            assertError(c, id, "swap:policy nope maybe", "swap: say on or off");

            // a swap while another runs on the entry: hold one in its transfer phase (counter.slow waits for a file)
            String bg = c.run("swap:swap " + id + " counter.slow &");
            assertFalse(bg, bg.contains("swap: "));
            waitForState(c, id, "SWAPPING");
            String midRow = row(c.run("swap:list"), id);
            String mid = c.run("swap:swap " + id + " counter.simple");
            assertEquals("one line", 1, mid.lines().count());
            assertTrue(mid, mid.startsWith("swap: entry " + id + " is mid-swap; retry"));
            assertEquals("mid-swap refusal changed nothing", midRow, row(c.run("swap:list"), id));
            Files.createFile(work.resolve("slow-counter.gate")); // let the first swap finish
            // Gogo prints the background job's "done" line asynchronously; typing while it prints garbles the
            // next command line, so wait for it before typing again.
            for (int i = 0; i < 600 && !c.transcript().matches("(?s).*\\[1\\]\\s+done\\s+swap:swap.*"); i++) {
                Thread.sleep(50);
            }
            waitForState(c, id, "ACTIVE");
            assertTrue(c.run("swap:info " + id), c.run("swap:info " + id).contains("implementation  counter.slow 1.0.0"));

            // monitors: interpose, statistics, remove
            String monitors = c.run("swap:monitors");
            assertTrue(monitors, monitors.matches("(?s).*\\ncalls *\\|-.*"));
            String ip = c.run("swap:interpose " + id + " calls");
            assertTrue(ip, ip.contains("interposers     calls"));
            assertTrue(c.run("swap:monitors").matches("(?s).*\\ncalls *\\|" + id + ".*"));
            assertError(c, id, "swap:interpose " + id + " calls", "swap: entry " + id + " already has an interposer named 'calls'");
            String stats = c.run("swap:stats " + id);
            assertTrue(stats, stats.matches("(?s).*monitor calls +calls=\\d+ thrown=0 callsPerSecond=\\d+.*"));
            String rm = c.run("swap:remove " + id + " calls");
            assertTrue(rm, rm.contains("interposers     -"));

            // history, newest first
            String history = c.run("swap:history 3");
            assertTrue(history, history.startsWith("Ended"));
            assertEquals(history, 4, history.lines().count());
            assertTrue(history, history.lines().skip(1).findFirst().get().contains("|COMPLETED|counter.striped 1.1.0|counter.slow 1.0.0"));

            // results can be piped: the pipe receives the rendered table
            String piped = c.run("swap:list | grep counter.slow");
            assertEquals(piped, 1, piped.lines().count());
            assertTrue(piped, piped.contains(id + "|" + COUNTER));

            // argument completion: what the completion script offers for each word (the session function it calls)
            String ids = c.run("__swap_complete [swap:info x] 1");
            assertTrue(ids, ids.lines().anyMatch(l -> l.trim().equals(id)));
            String names = c.run("__swap_complete [swap:swap " + id + " x] 2");
            assertTrue(names, names.contains("counter.striped") && names.contains("counter.alien") && !names.contains("fcm.example"));
            assertTrue(c.run("__swap_complete [swap:interpose " + id + " x] 2").lines().anyMatch(l -> l.trim().equals("latency")));

            // no file cache service yet: fcm:* say so in one line (once the FCM work is merged, ShellDemoIT covers fcm:*)
            if (!Console.distributionHasFileCache()) {
                String open = c.run("fcm:open data.bin");
                assertTrue(open, open.startsWith("fcm: no file cache service: "));
                assertEquals(open, 1, open.lines().count());
            }
            String notFile = c.run("fcm:read " + id + " 0 4");
            assertTrue(notFile, notFile.startsWith("fcm: entry " + id + " is a " + COUNTER + ", not a file"));

            String released = c.run("swap:release " + id);
            assertTrue(released, released.contains("entry " + id + " released"));
            assertFalse(c.run("swap:list").lines().anyMatch(l -> l.matches(" *" + id + "\\|.*")));
            assertEquals("exit status; output:\n" + c.transcript(), 0, c.exit());
        }
    }

    /** The command prints one line that starts with {@code expected}, and the entry's row did not change (but for its last swap). */
    static void assertError(Console c, String id, String command, String expected) throws Exception {
        String before = stable(row(c.run("swap:list"), id));
        String out = c.run(command);
        assertEquals(command + " -> " + out, 1, out.lines().count());
        assertTrue(command + " -> " + out, out.startsWith(expected));
        assertFalse(command + " -> " + out, out.contains("Exception"));
        assertEquals(command + " changed the entry", before, stable(row(c.run("swap:list"), id)));
    }

    /** The row of entry {@code id} in a swap:list table, its cells trimmed (column widths depend on the other rows). */
    static String row(String table, String id) {
        return table.lines().filter(l -> l.matches(" *" + id + "\\|.*")).findFirst()
                .orElseThrow(() -> new AssertionError("no row " + id + " in\n" + table)).trim().replaceAll(" *\\| *", "|");
    }

    /** A row without its "Last swap" column (a refused swap is recorded there). */
    static String stable(String row) {
        return row.substring(0, row.lastIndexOf('|'));
    }

    static void waitForState(Console c, String id, String state) throws Exception {
        for (int i = 0; i < 600; i++) {
            String r = row(c.run("swap:list"), id);
            if (r.matches(".*\\|" + state + " *\\|.*")) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("entry " + id + " never " + state + ":\n" + c.transcript());
    }
}
