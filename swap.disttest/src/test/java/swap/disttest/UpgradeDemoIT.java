package swap.disttest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.Before;
import org.junit.Test;

/**
 * The README's in-place upgrade, typed into the real distribution: a file open on the shared FCM,
 * a marker written, two load threads on it, then {@code update} of the embedded swap.fcm.shared
 * bundle (no URL: it re-reads the bundle's {@code file:} location) and {@code refresh ID}. The file
 * ends on fcm.shared with its marker, the history has no FAILED or ROLLED_BACK swap and the load
 * saw no error.
 *
 * <p>The shared FCM's own contention trigger is turned off (deploy/swap.fcm.shared.cfg,
 * {@code self.swap=false}), or two load threads would move the file to fcm.distributed by themselves.
 */
public class UpgradeDemoIT {
    private static final String FCM = "swap.api.fcm.FileCacheManager";
    private static final long MARKER_AT = 2 * 1024 * 1024; // beyond the first MiB, which fcm:load writes to

    @Before
    public void needsTheFileCache() throws Exception {
        assertTrue("swap.core in the distribution must provide the swap.api.fcm.FileCache service", Console.distributionHasFileCache());
    }

    @Test
    public void updateThenRefreshTheSharedFcmUnderLoad() throws Exception {
        Path work = Console.scratch("upgrade");
        Files.write(work.resolve("data.bin"), new byte[3 * 1024 * 1024]);
        Files.createDirectories(work.resolve("deploy"));
        Files.write(work.resolve("deploy/swap.fcm.shared.cfg"), "self.swap=false\n".getBytes(StandardCharsets.UTF_8));
        try (Console c = Console.start(work)) {
            String impls = "";
            for (int i = 0; i < 60 && !impls.contains("self.swap=false"); i++) {
                Thread.sleep(500);
                impls = c.run("swap:impls " + FCM);
            }
            assertTrue("FileInstall applied deploy/swap.fcm.shared.cfg:\n" + impls, impls.contains("self.swap=false"));

            String opened = c.run("fcm:open data.bin");
            Matcher m = Pattern.compile("(?m)^entry (\\d+): .*data\\.bin \\(fcm\\.shared [^,]+, 3145728 bytes\\)$").matcher(opened);
            assertTrue(opened, m.find());
            String id = m.group(1);
            c.run("fcm:write " + id + " " + MARKER_AT + " upgrade-marker");
            assertEquals("upgrade-marker", c.run("fcm:read " + id + " " + MARKER_AT + " 14"));

            String load = c.run("fcm:load " + id + " 2 20");
            assertTrue(load, load.startsWith("load on entry " + id + ": running, 2 thread(s) for 20 s"));

            String lb = c.run("lb -s swap.fcm.shared");
            Matcher l = Pattern.compile("(?m)^ *(\\d+)\\|Active.*\\|swap\\.fcm\\.shared ").matcher(lb);
            assertTrue(lb, l.find());
            String bundle = l.group(1);
            String before = info(c, id, "revision");

            String updated = c.run("update " + bundle);
            assertEquals("update without a URL re-reads the bundle's file: location", "", updated);
            String afterUpdate = waitUntilActive(c, id);
            assertFalse("on the new revision: " + before + " / " + afterUpdate, afterUpdate.equals(before));

            // Gogo's plain 'refresh' throws a NullPointerException (its own: see the README); name the bundle.
            assertEquals("", c.run("refresh " + bundle));
            waitUntilActive(c, id);
            Thread.sleep(1000);

            String list = c.run("swap:list");
            String row = ShellCommandsIT.row(list, id);
            assertTrue(list, row.matches(Pattern.quote(id + "|" + FCM + "|fcm.shared|1.0.0|swap.fcm.shared|ACTIVE|") + ".*"));
            String history = c.run("swap:history");
            assertFalse(history, history.contains("FAILED"));
            assertFalse(history, history.contains("ROLLED_BACK"));
            assertTrue(history, history.contains("in-place upgrade: bundle swap.fcm.shared (" + bundle + ")"));
            String stats = c.run("swap:stats " + id);
            Matcher s = Pattern.compile("(?m)^load +(running|ended), 2 thread\\(s\\) for 20 s, (\\d+) reads, (\\d+) writes, (\\d+) errors").matcher(stats);
            assertTrue(stats, s.find());
            assertEquals(stats, "0", s.group(4));
            assertTrue(stats, Long.parseLong(s.group(3)) > 0);
            assertEquals("upgrade-marker", c.run("fcm:read " + id + " " + MARKER_AT + " 14"));
            String info = c.run("swap:info " + id);
            assertTrue(info, info.matches("(?s).*\\nrevision +bundle " + bundle + " 0\\.1\\.0\\.SNAPSHOT.*|(?s).*\\nrevision +bundle " + bundle + " .*"));
            assertFalse(info, info.contains("stale"));
            c.run("fcm:close " + id);
            assertEquals("exit status; output:\n" + c.transcript(), 0, c.exit());
        }
    }

    /** The value of one line of swap:info. */
    private static String info(Console c, String id, String key) throws Exception {
        String info = c.run("swap:info " + id);
        Matcher m = Pattern.compile("(?m)^" + key + " +(.*)$").matcher(info);
        assertTrue(info, m.find());
        return m.group(1).trim();
    }

    /** Waits until the entry is ACTIVE again (it is UPGRADING while its bundle restarts); returns its revision. */
    private static String waitUntilActive(Console c, String id) throws Exception {
        String row = "";
        for (int i = 0; i < 300; i++) {
            row = ShellCommandsIT.row(c.run("swap:list"), id);
            if (row.contains("|ACTIVE|")) {
                return info(c, id, "revision");
            }
            Thread.sleep(100);
        }
        fail("entry " + id + " not ACTIVE again: " + row);
        return null;
    }
}
