package swap.disttest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.Test;

/**
 * Issue 24, points 4-6, typed into the real distribution's console (cnf/target/swap.jar): help that
 * lists every command and no internal one, one plain line for every input that used to leak a raw
 * error, and a line for every consequence that used to be silent. Every answer is checked for what
 * must never be in it: an exception class name, {@code java.}, {@code Cannot coerce}, a hash code
 * ({@code Class@1a2b3c}).
 */
public class ShellTruthIT {
    private static final String COUNTER = "swap.example.counter.Counter";
    private static final Pattern HASH = Pattern.compile("[A-Za-z]@[0-9a-f]{5,}");

    @Test
    public void helpErrorsAndConsequencesTellTheTruth() throws Exception {
        Path work = Console.scratch("truth");
        try (Console c = Console.start(work)) {
            c.run("echo started"); // the first answer holds the banners
            // ---- point 4: help
            String help = clean(c, "help swap");
            for (String cmd : new String[] {"swap:upgrade", "swap:journal", "swap:services", "swap:swap", "swap:watch", "swap:canary", "swap:health"}) {
                assertTrue(help, help.lines().anyMatch(l -> l.startsWith(cmd + " ")));
            }
            assertFalse(help, help.contains("candidates"));
            assertFalse(help, help.lines().anyMatch(l -> !l.startsWith("swap:") && !l.startsWith("(help COMMAND")));
            assertFalse("plain help lists no internal command", clean(c, "help").contains("swap:candidates"));
            for (String cmd : new String[] {"help swap:swap", "help swap:journal", "help swap:upgrade", "help fcm:read", "help fcm:stat"}) {
                String h = clean(c, cmd);
                assertTrue(cmd + " -> " + h, h.contains("scope: "));
                assertFalse(cmd + " -> " + h, h.contains("Object[]") || h.contains("any other arguments"));
            }

            // ---- point 5: raw errors
            oneLine(c, "swap:journal abc", "swap: number of records abc is not a whole number; give how many records to show, e.g. swap:journal 50");
            oneLine(c, "swap:journal --entry x", "swap: not an entry id: x;");
            oneLine(c, "update 999", "update: no bundle with id 999; lb lists the bundles");
            oneLine(c, "update abc", "update: not a bundle id: abc;");
            oneLine(c, "refresh", "nothing to refresh: no bundle is pending removal");
            oneLine(c, "stop 999", "stop: no bundle with id 999; lb lists the bundles");
            oneLine(c, "uninstall", "uninstall: usage: uninstall ID...");
            oneLine(c, "swap:swap 1", "swap: usage: swap:swap [--timeout MS] ID TARGET");
            oneLine(c, "swap:upgrade abc", "swap: usage: swap:upgrade");

            long api = c.installAndStart(Console.bundle("example.api"));
            assertEquals("a script may pass a Bundle, as to Gogo's own refresh", "", clean(c, "refresh (bundle " + api + ")"));
            long simple = c.installAndStart(Console.bundle("example.simple"));
            String created = clean(c, "swap:create " + COUNTER + " counter.simple");
            Matcher m = Pattern.compile("(?m)^entry\\s+(\\d+)$").matcher(created);
            assertTrue(created, m.find());
            String id = m.group(1);

            // update with a jar another bundle already is: refused before Felix stops the bundle (its entries would go)
            oneLine(c, "update " + api + " " + Console.bundle("example.simple"), "update: bundle swap.example.api ");
            assertTrue(c.transcript(), c.transcript().contains("was not updated: the new jar is swap.example.simple 0.1.0.SNAPSHOT, which bundle " + simple
                    + " already is; give the jar another Bundle-Version, or update " + simple + " instead"));
            assertTrue("the entry is untouched", clean(c, "swap:list").contains("counter.simple"));

            // DTOs in scripts: one readable line each, no hash code
            String each = clean(c, "each (swap:list) { echo $it }");
            assertTrue(each, each.lines().allMatch(l -> l.startsWith("entry ")));
            assertTrue(each, each.contains("entry " + id + " " + COUNTER + " counter.simple 1.0.0 ACTIVE"));
            String impls = clean(c, "each (swap:impls " + COUNTER + ") { echo $it }");
            assertTrue(impls, impls.contains("counter.simple 1.0.0 (" + COUNTER + ", bundle swap.example.simple " + simple + ")"));
            assertTrue(clean(c, "each (swap:journal 3) { echo $it }").startsWith("journal "));
            assertTrue(clean(c, "each (swap:policy) { echo $it }").startsWith("policy "));

            // a missing file: said before anything is installed
            oneLine(c, "swap:upgrade " + simple + " file:/no/such/dir/x.jar",
                    "swap: upgrade refused: no file /no/such/dir/x.jar (no directory /no/such/dir); give the URL of the new version's jar");

            // ---- point 6: silent consequences
            // another symbolic name: refused at once (the old path waited 10 s and said "did not register ... within 10000 ms")
            long t0 = System.nanoTime();
            oneLine(c, "swap:upgrade " + simple + " " + Console.bundle("example.striped"),
                    "swap: upgrade refused: bundle swap.example.striped 0.1.0.SNAPSHOT (");
            System.out.printf("ShellTruthIT: upgrade to another symbolic name refused in %d ms%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
            assertTrue(c.transcript(), c.transcript().contains("is not a version of swap.example.simple: swap:upgrade replaces a bundle by another version"));

            String dry = clean(c, "swap:upgrade --dry-run " + simple + " " + Console.bundle("example.simple2"));
            assertTrue(dry, dry.contains("entry " + id + ": counter.simple 1.0.0 -> counter.simple 1.1.0  would move"));
            assertFalse(dry, dry.contains("null"));

            String up = clean(c, "swap:upgrade " + simple + " " + Console.bundle("example.simple2"));
            Matcher nb = Pattern.compile("to bundle (\\d+) \\(swap\\.example\\.simple 1\\.1\\.0\\): COMPLETED$", Pattern.MULTILINE).matcher(up);
            assertTrue(up, nb.find());
            String simple2 = nb.group(1);
            String down = clean(c, "swap:upgrade " + simple2 + " " + Console.bundle("example.simple"));
            Matcher db = Pattern.compile("to bundle (\\d+) \\(swap\\.example\\.simple 0\\.1\\.0\\.SNAPSHOT\\): COMPLETED \\(downgrade 1\\.1\\.0 -> 0\\.1\\.0\\.SNAPSHOT\\)$",
                    Pattern.MULTILINE).matcher(down);
            assertTrue(down, db.find());
            String simpleAgain = db.group(1);

            // stop: where each entry went and why there
            long striped = c.installAndStart(Console.bundle("example.striped"));
            String stopped = clean(c, "stop " + simpleAgain);
            assertEquals(stopped, "entry " + id + " (" + COUNTER + ", counter.simple 1.0.0) moved to counter.striped 1.1.0 of bundle swap.example.striped (" + striped
                    + "), with its state: no other implementation named counter.simple is registered, so the implementation of " + COUNTER
                    + " with the highest version (then service ranking) took it; swap:swap " + id + " TARGET moves it elsewhere", stopped);
            // uninstall: ORPHANED and why
            String uninstalled = clean(c, "uninstall " + striped);
            assertTrue(uninstalled, uninstalled.startsWith("entry " + id + " (" + COUNTER + ", counter.striped 1.1.0) is ORPHANED: implementation counter.striped 1.1.0 is gone"));
            assertEquals(uninstalled, 1, uninstalled.lines().count());
            // a bundle without entries: nothing to say
            assertEquals("", clean(c, "stop " + simpleAgain));

            // fcm:read past the end says so
            if (Console.distributionHasFileCache()) {
                String opened = clean(c, "fcm:open --create data.bin");
                Matcher f = Pattern.compile("^entry (\\d+):").matcher(opened);
                assertTrue(opened, f.find());
                String file = f.group(1);
                clean(c, "fcm:write " + file + " 0 hello");
                assertEquals("hello\n(5 of 100 bytes read: the file ends at offset 5)", clean(c, "fcm:read " + file + " 0 100"));
                assertEquals("(end of file: nothing to read at offset 9, the file has 5 bytes)", clean(c, "fcm:read " + file + " 9 10"));
                // fcm:stat (issue 28): the file's row, with the counters swap:stats shows on its cache line; by id and by path alike
                String stat = clean(c, "fcm:stat");
                assertTrue(stat, stat.startsWith("ID|Path"));
                Matcher row = Pattern.compile("(?m)^ *" + file + "\\|\\S*/data\\.bin *\\|fcm\\.\\w+ *\\| *(\\d+)\\| *(\\d+)\\| *(\\d+)\\| *(\\d+)\\|-$").matcher(stat);
                assertTrue(stat, row.find());
                String stats = clean(c, "swap:stats " + file);
                assertTrue(stats, stats.contains("hits=" + row.group(1) + " misses=" + row.group(2) + " "));
                assertTrue(stats, stats.contains(" read-ahead=" + row.group(3) + " read-ahead-wasted=" + row.group(4) + " "));
                assertEquals(clean(c, "fcm:stat " + file), clean(c, "fcm:stat data.bin"));
                oneLine(c, "fcm:stat nope.bin", "fcm: no open file at ");
                clean(c, "fcm:close " + file);
            }

            // completion: the session function the completion script calls (not a command)
            assertTrue(clean(c, "__swap_complete [swap:info x] 1").lines().anyMatch(l -> l.trim().equals(id)));

            // exit N: the platform stops, no InterruptedException, the launcher exits with N
            c.typeAndAwait("exit 3", "stopping the platform (exit status 3)");
            assertEquals("exit status; output:\n" + c.transcript(), 3, c.exit());
            assertClean("the whole session", c.transcript());
        }
    }

    /**
     * Under a signed-only trust policy: installing an unsigned bundle with components says at once that
     * its implementations will be refused; the later refusal does not tell to install a bundle.
     */
    @Test
    public void anUnsignedBundleUnderASignedOnlyPolicyIsToldAtInstall() throws Exception {
        Path work = Console.scratch("truth-trust");
        Path deploy = Files.createDirectories(work.resolve("deploy"));
        Path store = work.resolve("trust.p12");
        Process keytool = new ProcessBuilder(System.getProperty("java.home") + "/bin/keytool", "-genkeypair", "-keystore", store.toString(), "-storetype", "PKCS12",
                "-storepass", "changeit", "-alias", "release", "-keyalg", "EC", "-dname", "CN=swap test release").redirectErrorStream(true).start();
        assertTrue("keytool", keytool.waitFor(60, TimeUnit.SECONDS));
        assertEquals(new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8), 0, keytool.exitValue());
        Files.write(deploy.resolve("swap.trust.config"), ("rules=[\"swap.example.*=*;signed\"]\ntruststore=\"" + store + "\"\ntruststore.password=\"changeit\"\n")
                .getBytes(StandardCharsets.UTF_8));
        try (Console c = Console.start(work)) {
            c.run("echo started"); // the first answer holds the banners
            c.installAndStart(Console.bundle("example.api")); // no components: nothing to say
            String installed = clean(c, "install " + Console.bundle("example.striped"));
            Matcher m = Pattern.compile("Bundle ID: (\\d+)").matcher(installed);
            assertTrue(installed, m.find());
            assertTrue(installed, installed.startsWith("swap: bundle swap.example.striped 0.1.0.SNAPSHOT [" + m.group(1)
                    + "] is installed, but the trust policy will refuse its implementations: not signed (rule swap.example.*=*;signed);"
                    + " sign it with a certificate of the trust store, or change the rules (PID swap.trust"));
            assertEquals("", clean(c, "start " + m.group(1)));
            String refused = clean(c, "swap:create " + COUNTER + " counter.striped");
            assertEquals(refused, 1, refused.lines().count());
            assertTrue(refused, refused.startsWith("swap: no implementation of " + COUNTER + " matches counter.striped; not usable: counter.striped"));
            assertTrue(refused, refused.contains("refused by the trust policy"));
            assertFalse(refused, refused.contains("install and start a bundle that provides one"));
            String journal = clean(c, "swap:journal 5");
            assertTrue(journal, journal.contains("bundle swap.example.striped 0.1.0.SNAPSHOT [" + m.group(1) + "] is installed, but the trust policy will refuse"));
            assertEquals("exit status; output:\n" + c.transcript(), 0, c.exit());
            assertClean("the whole session", c.transcript());
        }
    }

    /** Runs {@code command}; its answer, checked for exception names, "Cannot coerce" and hash codes. */
    private static String clean(Console c, String command) throws Exception {
        String out = c.run(command);
        assertClean(command, out);
        return out;
    }

    /** One line that starts with {@code expected}. */
    private static void oneLine(Console c, String command, String expected) throws Exception {
        String out = clean(c, command);
        assertEquals(command + " -> " + out, 1, out.lines().count());
        assertTrue(command + " -> " + out, out.startsWith(expected));
    }

    private static void assertClean(String what, String out) {
        assertFalse(what + " -> " + out, out.contains("Exception"));
        assertFalse(what + " -> " + out, out.contains("java."));
        assertFalse(what + " -> " + out, out.contains("Cannot coerce"));
        assertFalse(what + " -> " + out, HASH.matcher(out).find());
    }
}
