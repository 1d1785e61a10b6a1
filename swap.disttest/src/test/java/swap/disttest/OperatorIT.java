package swap.disttest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.Test;

/**
 * What an operator meets first (issue 12), typed into the real distribution's console
 * (cnf/target/swap.jar): the banner, {@code help swap} / {@code help fcm}, usage lines for missing
 * and extra arguments, the unquoted-filter hint, numbers out of range, the file-cache messages,
 * {@code swap:call}, {@code swap:health}, {@code swap:release} of an open file (refused, nothing
 * lost), {@code swap:create} of a bare file cache manager (refused), and piped commands that see what
 * {@code deploy/} held at start.
 */
public class OperatorIT {
    private static final String COUNTER = "swap.example.counter.Counter";
    private static final String FCM = "swap.api.fcm.FileCacheManager";

    @Test
    public void bannerHelpUsageAndMessages() throws Exception {
        Path work = Console.scratch("operator");
        Files.write(work.resolve("zeros.bin"), new byte[4096]);
        try (Console c = Console.start(work)) {
            // the first screen says how to start, after Gogo's own banner
            String first = c.run("help swap");
            assertTrue(first, first.matches("(?s).*Welcome to Apache Felix Gogo\\n.*swap:list shows the live components, help swap and help fcm list the commands.*"));

            // help swap / help fcm: the scope's commands, one line each with what they do
            String swapHelp = first.substring(first.indexOf("Ctrl-D exits.") + "Ctrl-D exits.".length());
            for (String line : new String[] {"swap:list ", "swap:info ID ", "swap:swap [--timeout MS] ID TARGET ", "swap:call ID METHOD [ARGS...] ",
                    "swap:release ID ", "swap:health "}) {
                assertTrue(line + " in\n" + swapHelp, swapHelp.lines().anyMatch(l -> l.startsWith(line) && l.length() > line.length() + 10));
            }
            assertFalse(swapHelp, swapHelp.lines().anyMatch(l -> l.startsWith("fcm:")));
            String fcmHelp = c.run("help fcm");
            assertEquals(fcmHelp, 6, fcmHelp.lines().filter(l -> l.matches("fcm:\\w+ .*  \\w.*")).count());
            // Gogo's own help still answers for one command, and plain help points at the two
            assertTrue(c.run("help swap:swap").contains("-t, --timeout"));
            String all = c.run("help");
            assertTrue(all, all.contains("help swap and help fcm list the swap:* and fcm:* commands"));
            assertTrue(all, all.contains("swap:swap")); // Gogo's list of every command, as before

            // missing or extra arguments: the usage line, never "Cannot coerce ... Token"
            String[][] wrong = {
                {"swap:list x", "swap: usage: swap:list "},
                {"swap:info", "swap: usage: swap:info ID "},
                {"swap:info 1 2", "swap: usage: swap:info ID "},
                {"swap:impls a b", "swap: usage: swap:impls [INTERFACE] "},
                {"swap:create " + COUNTER, "swap: usage: swap:create INTERFACE TARGET "},
                {"swap:swap 1", "swap: usage: swap:swap [--timeout MS] ID TARGET "},
                {"swap:swap 1 a b", "swap: usage: swap:swap [--timeout MS] ID TARGET "},
                {"swap:swap --timeout x 1 a", "swap: timeout x is not a whole number"},
                {"swap:call 1", "swap: usage: swap:call ID METHOD [ARGS...] "},
                {"swap:release", "swap: usage: swap:release ID "},
                {"swap:release 1 2", "swap: usage: swap:release ID "},
                {"swap:interpose 1", "swap: usage: swap:interpose ID MONITOR "},
                {"swap:remove 1", "swap: usage: swap:remove ID MONITOR "},
                {"swap:monitors x", "swap: usage: swap:monitors "},
                {"swap:stats", "swap: usage: swap:stats ID "},
                {"swap:history 1 2", "swap: usage: swap:history [N] "},
                {"swap:policy x", "swap: usage: swap:policy [NAME on|off] "},
                {"swap:health x", "swap: usage: swap:health "},
                {"fcm:open", "fcm: usage: fcm:open [--create] PATH "},
                {"fcm:open a b", "fcm: usage: fcm:open [--create] PATH "},
                {"fcm:read 1", "fcm: usage: fcm:read ID OFFSET LENGTH "},
                {"fcm:read 1 2 3 4", "fcm: usage: fcm:read ID OFFSET LENGTH "},
                {"fcm:write 1 0", "fcm: usage: fcm:write ID OFFSET TEXT "},
                {"fcm:close", "fcm: usage: fcm:close ID "},
                {"fcm:load 1 2", "fcm: usage: fcm:load ID THREADS SECONDS "},
                // numbers out of range are refused, not wrapped
                {"swap:history 99999999999", "swap: history length 99999999999 is out of range (0 to 2147483647)"},
                {"fcm:read 1 0 99999999999999999999", "fcm: length 99999999999999999999 is out of range"},
                {"fcm:load 1 0 5", "fcm: threads 0 is out of range (1 to 256)"},
                // fcm: errors start with fcm:
                {"fcm:read 99 0 1", "fcm: no entry with id 99; swap:list shows the entries"},
                {"fcm:close x", "fcm: not an entry id: x"},
                {"fcm:open --create no/such/dir/x", "fcm: cannot create " + work.toRealPath().resolve("no/such/dir/x") + ": directory "
                        + work.toRealPath().resolve("no/such/dir") + " does not exist; create it first"},
                // a file cache manager needs its file
                {"swap:create " + FCM + " fcm.shared", "swap: a file cache manager needs a file: fcm:open PATH"},
            };
            String listBefore = c.run("swap:list");
            for (String[] w : wrong) {
                oneLineError(c, w[0], w[1]);
            }
            assertEquals("the refusals changed nothing", listBefore, c.run("swap:list"));

            // a counter to call and swap
            c.installAndStart(Console.bundle("example.api"));
            c.installAndStart(Console.bundle("example.simple"));
            c.installAndStart(Console.bundle("example.striped"));
            String created = c.run("swap:create " + COUNTER + " counter.simple");
            Matcher m = Pattern.compile("(?m)^entry\\s+(\\d+)$").matcher(created);
            assertTrue(created, m.find());
            String id = m.group(1);

            // an unquoted filter: refused with the command to type, and nothing changed
            String row = ShellCommandsIT.row(c.run("swap:list"), id);
            oneLineError(c, "swap:swap " + id + " (concurrency=distributed)",
                    "swap: quote the filter: write swap:swap " + id + " '(concurrency=distributed)'. Unquoted, Gogo ran (concurrency=distributed) as a command");
            oneLineError(c, "swap:create " + COUNTER + " (concurrency=distributed)",
                    "swap: quote the filter: write swap:create " + COUNTER + " '(concurrency=distributed)'.");
            assertEquals(row, ShellCommandsIT.row(c.run("swap:list"), id));

            // swap:call: through the handle (the monitor counts the calls), Gogo's conversions, the result printed
            c.run("swap:interpose " + id + " calls");
            assertEquals("1", c.run("swap:call " + id + " increment"));
            assertEquals("2", c.run("swap:call " + id + " increment"));
            assertEquals("2", c.run("swap:call " + id + " get"));
            String stats = c.run("swap:stats " + id);
            assertTrue(stats, stats.matches("(?s).*monitor calls +calls=3 thrown=0 .*"));
            oneLineError(c, "swap:call " + id + " nope", "swap: entry " + id + "'s interface " + COUNTER + " has no method 'nope'; its methods: get(), increment()");
            oneLineError(c, "swap:call " + id + " get 5", "swap: cannot call get of entry " + id + " with 1 argument(s) [5]: " + COUNTER + " has get()");
            assertTrue(c.run("swap:swap " + id + " '(concurrency=distributed)'").contains("outcome     COMPLETED"));
            assertEquals("state carried, monitor kept", "2", c.run("swap:call " + id + " get"));
            assertTrue(c.run("swap:stats " + id), c.run("swap:stats " + id).matches("(?s).*monitor calls +calls=4 thrown=0 .*"));

            // reads of zeros and of nothing say so (they printed a blank line)
            String opened = c.run("fcm:open zeros.bin");
            Matcher o = Pattern.compile("(?m)^entry (\\d+): ").matcher(opened);
            assertTrue(opened, o.find());
            String file = o.group(1);
            assertEquals("(4 zero bytes at 0)", c.run("fcm:read " + file + " 0 4"));
            assertEquals("(0 bytes read at 8)", c.run("fcm:read " + file + " 8 0"));
            oneLineError(c, "fcm:read " + file + " 0 99999999999", "fcm: length 99999999999 is too long for the console; read at most 1048576 bytes at a time");
            assertEquals("entry " + file + " closed", c.run("fcm:close " + file));

            // the health check, from the shell
            String health = c.run("swap:health");
            assertTrue(health, health.matches("status +OK\\nOK +\\S.*"));
            assertEquals("exit status; output:\n" + c.transcript(), 0, c.exit());
        }
    }

    /** swap:release of an open file is refused (pointing at fcm:close), and the data written reaches the file. */
    @Test
    public void releaseOfAnOpenFileIsRefusedAndLosesNothing() throws Exception {
        Path work = Console.scratch("release");
        try (Console c = Console.start(work)) {
            String opened = c.run("fcm:open --create out.txt");
            Matcher m = Pattern.compile("(?m)^entry (\\d+): ").matcher(opened);
            assertTrue(opened, m.find());
            String id = m.group(1);
            assertEquals("wrote 11 bytes at 0 to entry " + id, c.run("fcm:write " + id + " 0 'hello world'"));
            oneLineError(c, "swap:release " + id, "swap: entry " + id + " is an open file of the file cache; fcm:close " + id + " flushes it and releases the entry");
            assertTrue("the entry is still there", c.run("swap:list").lines().anyMatch(l -> l.matches(" *" + id + "\\|" + Pattern.quote(FCM) + ".*")));
            assertEquals("hello world", c.run("fcm:read " + id + " 0 11"));
            assertEquals("entry " + id + " closed", c.run("fcm:close " + id));
            assertEquals("exit status; output:\n" + c.transcript(), 0, c.exit());
            assertFalse(c.transcript(), c.transcript().contains("could not flush"));
        }
        assertEquals("hello world", new String(Files.readAllBytes(work.resolve("out.txt")), StandardCharsets.UTF_8));
    }

    /**
     * Bundles and configuration files in deploy/ at start are installed, started and applied before
     * the first piped command runs (no wait typed by the user).
     */
    @Test
    public void pipedCommandsSeeWhatDeployHeld() throws Exception {
        Path work = Console.scratch("deploy");
        Path deploy = Files.createDirectories(work.resolve("deploy"));
        Files.copy(Paths.get(java.net.URI.create(Console.bundle("example.api"))), deploy.resolve("swap.example.api.jar"));
        Files.copy(Paths.get(java.net.URI.create(Console.bundle("example.simple"))), deploy.resolve("swap.example.simple.jar"));
        Files.write(deploy.resolve("swap.health.cfg"), "window.seconds=7\n".getBytes(StandardCharsets.UTF_8));
        String output = Console.piped(work, "lb -s swap.example\nswap:impls " + COUNTER + "\n"
                + "echo configurations: ((context:service (context:servicereference org.osgi.service.cm.ConfigurationAdmin)) listConfigurations '(service.pid=swap.health)')\n");
        assertTrue(output, output.matches("(?s).*\\|Active +\\|.*\\|swap\\.example\\.api .*"));
        assertTrue(output, output.matches("(?s).*\\|Active +\\|.*\\|swap\\.example\\.simple .*"));
        assertTrue(output, output.matches("(?s).*" + Pattern.quote(COUNTER) + " *\\|counter\\.simple *\\|.*"));
        // listConfigurations returns null when there is none, else an array of Configuration
        assertTrue("the configuration file was applied: " + output, output.contains("configurations: [Lorg.osgi.service.cm.Configuration;"));
        assertFalse(output, output.contains("has not yet installed"));
    }

    /** One line starting with {@code expected}, no exception name. */
    static void oneLineError(Console c, String command, String expected) throws Exception {
        String out = c.run(command);
        assertEquals(command + " -> " + out, 1, out.lines().count());
        assertTrue(command + " -> " + out, out.startsWith(expected));
        assertFalse(command + " -> " + out, out.contains("Exception") || out.contains("Cannot coerce"));
    }
}
