package swap.disttest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.Before;
import org.junit.Test;

/**
 * Crashes in the middle of upgrades, through the real distribution (docs/trust-and-journal.md,
 * "After a crash"). For each fault point, the platform is started on a kept storage
 * ({@code -Dswap.storage=DIR}) with {@code -Dswap.fault=POINT}; the upgrade is typed at the console;
 * when the console prints {@code swap.fault: reached POINT} the process is killed with SIGKILL (as
 * {@code kill -9}: no shutdown, no flush); the platform is started again on the same storage without
 * the fault, and the test checks what the page documents for that point:
 *
 * <ul>
 * <li>side by side ({@code swap:upgrade}), crash after the framework installed the new bundle but
 * before its id was journaled (the last record is {@code STARTED}): the bundle at the upgrade's
 * location is uninstalled, one swap.example.simple is left, the old version; {@code ROLLED_BACK}
 * "undone after a crash at step STARTED";</li>
 * <li>side by side, crash after the install (journaled {@code INSTALLED}, not yet started): the new bundle is uninstalled
 * again, one swap.example.simple is left, the old version; the journal shows the upgrade's
 * {@code STARTED} and {@code INSTALLED} (initiator shell) and {@code ROLLED_BACK} "undone after a
 * crash at step INSTALLED" (initiator platform (restart));</li>
 * <li>side by side, crash after the entries moved, and crash right before the old bundle is
 * uninstalled: the upgrade is finished, one swap.example.simple is left, the new version; the
 * journal shows {@code STARTED}, {@code INSTALLED}, {@code MOVED} and {@code COMPLETED} "finished
 * after a crash at step MOVED";</li>
 * <li>in place ({@code update}), crash while the file's entry is parked: the FCM bundle is there once
 * and active; the journal shows the park (shell) and its {@code LOST} record (platform (restart));
 * the file, opened again, runs the implementation it last ran, its restore record says it was
 * parked, reopened from the file on disk, and what was lost: the write not yet written back is gone,
 * what was written back is intact.</li>
 * </ul>
 *
 * In every case the counter entry (no stable key: it lives in memory only) is gone after the
 * restart, and the file opened before the crash comes back with its bytes.
 */
public class UpgradeCrashIT {
    private static final String COUNTER = "swap.example.counter.Counter";
    private static final String SIMPLE = "swap.example.simple";
    private static final int ON_DISK_AT = 8192;
    private static final String ON_DISK = "on-disk-marker";

    @Before
    public void needsTheFileCache() throws Exception {
        assertTrue("swap.core in the distribution must provide the swap.api.fcm.FileCache service", Console.distributionHasFileCache());
    }

    @Test
    public void sideBySideCrashBeforeTheInstallIsJournaledIsUndoneAtTheNextStart() throws Exception {
        // the journal's last record is STARTED: the bundle the upgrade installed is found by its location
        sideBySide("upgrade.installing", List.of("STARTED"), "ROLLED_BACK", "undone after a crash at step STARTED", false, false);
    }

    @Test
    public void sideBySideCrashAfterInstallIsUndoneAtTheNextStart() throws Exception {
        sideBySide("upgrade.installed", List.of("STARTED", "INSTALLED"), "ROLLED_BACK", "undone after a crash at step INSTALLED", false, true);
    }

    @Test
    public void sideBySideCrashAfterTheMoveIsFinishedAtTheNextStart() throws Exception {
        sideBySide("upgrade.moved", List.of("STARTED", "INSTALLED", "MOVED"), "COMPLETED", "finished after a crash at step MOVED", true, false);
    }

    @Test
    public void sideBySideCrashBeforeTheOldBundleIsRemovedIsFinishedAtTheNextStart() throws Exception {
        sideBySide("upgrade.before-uninstall-old", List.of("STARTED", "INSTALLED", "MOVED"), "COMPLETED", "finished after a crash at step MOVED", true, false);
    }

    /**
     * A side-by-side upgrade of swap.example.simple (0.1.0.SNAPSHOT) to swap.example.simple2's jar
     * (1.1.0), killed at {@code point}.
     *
     * @param steps   the upgrade's records before the crash, oldest first
     * @param outcome the outcome the next start journals
     * @param why     what its reason starts with
     * @param newKept whether the new version is the one left (else the old one)
     * @param thirdStart whether to start a third time and check that nothing more is recovered
     */
    private void sideBySide(String point, List<String> steps, String outcome, String why, boolean newKept, boolean thirdStart) throws Exception {
        long t0 = System.nanoTime();
        Path work = Console.scratch("crash-" + point);
        String keep = "-Dswap.storage=" + work.resolve("storage");
        dataFile(work);
        String oldVersion;
        long simple;
        try (Console c = Console.start(work, keep, "-Dswap.fault=" + point)) {
            c.installAndStart(Console.bundle("example.api"));
            simple = c.installAndStart(Console.bundle("example.simple"));
            oldVersion = versions(c.run("lb -s"), SIMPLE).get(0);
            createCounter(c, 3);
            String file = open(c, "fcm.shared");
            assertEquals(ON_DISK, c.run("fcm:read " + file + " " + ON_DISK_AT + " " + ON_DISK.length()));

            c.typeAndAwait("swap:upgrade " + simple + " " + Console.bundle("example.simple2"), "swap.fault: reached " + point);
            c.kill();
        }
        long crashed = System.nanoTime();

        try (Console c = Console.start(work, keep)) {
            List<String> versions = versions(c.run("lb -s"), SIMPLE);
            assertEquals("no bundle left over from the interrupted upgrade: one " + SIMPLE + ", " + versions, 1, versions.size());
            if (newKept) {
                assertEquals("finished: the new version is left", "1.1.0", versions.get(0));
            } else {
                assertEquals("undone: the old version is left", oldVersion, versions.get(0));
            }

            String journal = c.run("swap:journal 40");
            List<String[]> upgrade = upgradeRecords(journal);
            assertEquals("the upgrade's records: " + journal, steps.size() + 1, upgrade.size());
            String key = upgrade.get(0)[KEY];
            assertTrue(journal, key.matches("upgrade:\\d+"));
            for (int i = 0; i < steps.size(); i++) {
                String[] r = upgrade.get(i);
                assertEquals(journal, key, r[KEY]);
                assertEquals("step " + i + ":\n" + journal, steps.get(i), r[OUTCOME]);
                assertEquals("the intent is the shell's:\n" + journal, "shell", r[INITIATOR]);
            }
            assertTrue(journal, upgrade.get(0)[REASON].contains("side-by-side upgrade of bundle " + SIMPLE + " " + oldVersion + " (" + simple + ")"));
            String[] last = upgrade.get(steps.size());
            assertEquals(journal, key, last[KEY]);
            assertEquals("the outcome:\n" + journal, outcome, last[OUTCOME]);
            assertEquals(journal, "platform (restart)", last[INITIATOR]);
            assertTrue("the outcome says what the recovery did:\n" + journal, last[REASON].startsWith(why));
            assertTrue(journal, last[REASON].contains(newKept ? "uninstalled the old bundle " + SIMPLE + " " + oldVersion + " (" + simple + ")"
                    : "uninstalled the new bundle " + SIMPLE + " 1.1.0 ("));

            String list = c.run("swap:list");
            assertFalse("the counter (no stable key) lived in memory only: gone after the restart\n" + list, list.contains(COUNTER));
            String file = open(c, "fcm.shared");
            assertEquals("the file's bytes are intact", ON_DISK, c.run("fcm:read " + file + " " + ON_DISK_AT + " " + ON_DISK.length()));
            c.run("fcm:close " + file);
            assertEquals("exit status; output:\n" + c.transcript(), 0, c.exit());
        }
        if (thirdStart) {
            // the outcome closed the upgrade: another start recovers nothing more
            try (Console c = Console.start(work, keep)) {
                String journal = c.run("swap:journal 60");
                assertEquals("the recovery ran once:\n" + journal, steps.size() + 1, upgradeRecords(journal).size());
                assertEquals(1, versions(c.run("lb -s"), SIMPLE).size());
                assertEquals(0, c.exit());
            }
        }
        System.out.printf("UpgradeCrashIT %s: crash %.1f s, restart and checks %.1f s%n", point, (crashed - t0) / 1e9, (System.nanoTime() - crashed) / 1e9);
    }

    @Test
    public void inPlaceCrashWhileParkedReopensTheFileFromDiskAndSaysWhatWasLost() throws Exception {
        long t0 = System.nanoTime();
        String point = "update.parked";
        Path work = Console.scratch("crash-" + point);
        String keep = "-Dswap.storage=" + work.resolve("storage");
        dataFile(work);
        String parkedEntry;
        long fcmBundle;
        try (Console c = Console.start(work, keep, "-Dswap.fault=" + point)) {
            c.installAndStart(Console.bundle("example.api"));
            c.installAndStart(Console.bundle("example.simple"));
            createCounter(c, 2);
            String file = open(c, "fcm.shared");
            String s = c.run("swap:swap " + file + " fcm.distributed");
            assertTrue(s, s.contains("COMPLETED"));
            c.run("fcm:write " + file + " 16384 written-back");
            c.run("fcm:close " + file); // flushes: written back
            parkedEntry = open(c, "fcm.distributed"); // back on the implementation it last ran
            c.run("fcm:write " + parkedEntry + " 24576 not-written-back"); // cached only
            assertEquals("not-written-back", c.run("fcm:read " + parkedEntry + " 24576 16"));
            fcmBundle = bundleId(c.run("lb -s"), "swap.fcm.distributed");

            c.typeAndAwait("update " + fcmBundle, "swap.fault: reached " + point);
            c.kill();
        }
        long crashed = System.nanoTime();

        try (Console c = Console.start(work, keep)) {
            String lb = c.run("lb -s");
            assertEquals("one swap.fcm.distributed, the same bundle:\n" + lb, fcmBundle, bundleId(lb, "swap.fcm.distributed"));
            assertTrue(lb, Pattern.compile("(?m)^ *" + fcmBundle + "\\|Active").matcher(lb).find());

            String journal = c.run("swap:journal 40");
            String[] park = null;
            String[] lost = null;
            for (String[] r : records(journal)) {
                if (r[KIND].equals("park") && r[ENTRY].equals(parkedEntry)) {
                    if (r[OUTCOME].equals("COMPLETED")) {
                        park = r;
                    } else if (r[OUTCOME].equals("LOST")) {
                        lost = r;
                    }
                }
            }
            assertTrue("the park (intent) is journaled, by the shell that typed update:\n" + journal, park != null && park[INITIATOR].equals("shell"));
            assertTrue(journal, park[REASON].contains("is being updated or refreshed"));
            assertTrue("the restart journals that the park ended with the process:\n" + journal, lost != null && lost[INITIATOR].equals("platform (restart)"));
            assertTrue(journal, lost[REASON].contains("for the in-place upgrade of bundle swap.fcm.distributed ") && lost[REASON].contains("(" + fcmBundle + ")")
                    && lost[REASON].contains("the state it kept only in memory (fcm.pages.v1) is gone"));

            String reopened = open(c, "fcm.distributed");
            String restore = c.run("swap:journal --entry " + reopened);
            Matcher note = Pattern.compile("\\|restore *\\|[^\\n]*\\|COMPLETED *\\|(was parked when the platform stopped [^\\n]*)").matcher(restore);
            assertTrue(restore, note.find());
            String n = note.group(1);
            assertTrue(n, n.startsWith("was parked when the platform stopped (entry " + parkedEntry + ", in-place upgrade of bundle swap.fcm.distributed "));
            assertTrue(n, n.contains(" (" + fcmBundle + "), journal record " + park[SEQ] + "): reopened on fcm.distributed, the implementation it last ran, from the file on disk"));
            assertTrue(n, n.contains("; lost: the state the park kept only in memory (fcm.pages.v1), i.e. every write not yet written back to the file; what was written back is intact"));

            assertEquals(ON_DISK, c.run("fcm:read " + reopened + " " + ON_DISK_AT + " " + ON_DISK.length()));
            assertEquals("written back before the crash: intact", "written-back", c.run("fcm:read " + reopened + " 16384 12"));
            assertEquals("cached only when the process died: lost, as the note says", "(16 zero bytes at 24576)", c.run("fcm:read " + reopened + " 24576 16"));
            String list = c.run("swap:list");
            assertFalse("the counter (no stable key) lived in memory only: gone after the restart\n" + list, list.contains(COUNTER));
            c.run("fcm:close " + reopened);
            assertEquals("exit status; output:\n" + c.transcript(), 0, c.exit());
        }
        System.out.printf("UpgradeCrashIT %s: crash %.1f s, restart and checks %.1f s%n", point, (crashed - t0) / 1e9, (System.nanoTime() - crashed) / 1e9);
    }

    // ------------------------------------------------------------------ helpers

    /** A 64 KiB file of zeros with {@link #ON_DISK} at {@link #ON_DISK_AT}. */
    private static Path dataFile(Path work) throws Exception {
        byte[] bytes = new byte[64 * 1024];
        byte[] marker = ON_DISK.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(marker, 0, bytes, ON_DISK_AT, marker.length);
        return Files.write(work.resolve("data.bin"), bytes);
    }

    /** Creates a counter entry and increments it {@code n} times; @return its id */
    private static String createCounter(Console c, int n) throws Exception {
        String created = c.run("swap:create " + COUNTER + " counter.simple");
        Matcher m = Pattern.compile("(?m)^entry\\s+(\\d+)$").matcher(created);
        assertTrue(created, m.find());
        String id = m.group(1);
        for (int i = 1; i <= n; i++) {
            assertEquals(String.valueOf(i), c.run("swap:call " + id + " increment"));
        }
        return id;
    }

    /** {@code fcm:open data.bin}; checks it runs {@code implementation}; @return the entry id */
    private static String open(Console c, String implementation) throws Exception {
        String opened = c.run("fcm:open data.bin");
        Matcher m = Pattern.compile("(?m)^entry (\\d+): .*data\\.bin \\(" + Pattern.quote(implementation) + " ").matcher(opened);
        assertTrue("data.bin opened on " + implementation + ":\n" + opened, m.find());
        return m.group(1);
    }

    /** The versions of every installed bundle named {@code bsn}, from {@code lb -s}. */
    private static List<String> versions(String lb, String bsn) {
        List<String> l = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^ *\\d+\\|[^|]*\\|[^|]*\\|" + Pattern.quote(bsn) + " \\(([^)]+)\\)").matcher(lb);
        while (m.find()) {
            l.add(m.group(1));
        }
        return l;
    }

    /** The id of the one bundle named {@code bsn}, from {@code lb -s}. */
    private static long bundleId(String lb, String bsn) {
        Matcher m = Pattern.compile("(?m)^ *(\\d+)\\|[^|]*\\|[^|]*\\|" + Pattern.quote(bsn) + " \\(").matcher(lb);
        assertTrue(lb, m.find());
        long id = Long.parseLong(m.group(1));
        assertFalse("one " + bsn + ":\n" + lb, m.find());
        return id;
    }

    // columns of swap:journal: Seq|Time|Kind|Initiator|Entry|Key|From|To|Format|Outcome|Reason
    private static final int SEQ = 0, KIND = 2, INITIATOR = 3, ENTRY = 4, KEY = 5, OUTCOME = 9, REASON = 10;

    /** The rows of a {@code swap:journal} table, oldest first, each cell trimmed. */
    private static List<String[]> records(String journal) {
        List<String[]> l = new ArrayList<>();
        for (String line : journal.split("\n")) {
            String[] cells = line.split("\\|", 11);
            if (cells.length == 11 && cells[0].trim().matches("\\d+")) {
                for (int i = 0; i < cells.length; i++) {
                    cells[i] = cells[i].trim();
                }
                l.add(0, cells);
            }
        }
        return l;
    }

    /** The {@code upgrade} rows of a {@code swap:journal} table, oldest first. */
    private static List<String[]> upgradeRecords(String journal) {
        List<String[]> l = new ArrayList<>();
        for (String[] r : records(journal)) {
            if (r[KIND].equals("upgrade")) {
                l.add(r);
            }
        }
        return l;
    }
}
