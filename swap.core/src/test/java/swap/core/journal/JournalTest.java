package swap.core.journal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import swap.api.JournalRecordDTO;

/** The journal file: round trip, torn tails and corrupt lines skipped, rotation, group commit, memory of stable keys. */
public class JournalTest {

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    private static JournalRecordDTO rec(String kind, long entry, String reason) {
        return JournalService.record(kind, "shell", entry, "a 1.0.0", "b 1.0.0", "pages", "COMPLETED", reason);
    }

    @Test
    public void roundTripKeepsEveryFieldIncludingTabsNewlinesAndDashes() throws Exception {
        Path dir = tmp.newFolder().toPath();
        try (Journal j = new Journal(dir, Journal.Sync.RECORD, 1 << 20, 2)) {
            JournalRecordDTO r = JournalService.record("swap", "bundle x [7]", 3, "-", null, "f\tg", "ROLLED_BACK", "line1\nline2 \\ back");
            r.key = "file:/tmp/a b";
            j.append(r);
            List<JournalRecordDTO> all = j.readAll();
            assertEquals(1, all.size());
            JournalRecordDTO back = all.get(0);
            assertEquals(1, back.seq);
            assertEquals("swap", back.kind);
            assertEquals("bundle x [7]", back.initiator);
            assertEquals(3, back.entryId);
            assertEquals("file:/tmp/a b", back.key);
            assertEquals("-", back.from);
            assertNull(back.to);
            assertEquals("f\tg", back.format);
            assertEquals("ROLLED_BACK", back.outcome);
            assertEquals("line1\nline2 \\ back", back.reason);
            assertEquals(r.timeMillis, back.timeMillis);
            assertEquals(0, j.skipped());
        }
    }

    @Test
    public void aTornTailIsSkippedAndTheNextRecordsStillCount() throws Exception {
        Path dir = tmp.newFolder().toPath();
        try (Journal j = new Journal(dir, Journal.Sync.RECORD, 1 << 20, 2)) {
            for (int i = 1; i <= 3; i++) {
                j.append(rec("swap", i, "r" + i));
            }
        }
        // a crash cut the fourth record short: half its bytes, no newline
        byte[] whole = Journal.encode(rec("swap", 4, "the torn one"));
        Files.write(dir.resolve(Journal.FILE), java.util.Arrays.copyOf(whole, whole.length / 2), StandardOpenOption.APPEND);
        try (Journal j = new Journal(dir, Journal.Sync.RECORD, 1 << 20, 2)) {
            assertEquals(3, j.readAll().size());
            assertEquals(1, j.skipped());
            j.append(rec("swap", 5, "after the crash"));
            List<JournalRecordDTO> all = j.readAll();
            assertEquals(4, all.size());
            assertEquals("after the crash", all.get(3).reason);
            assertEquals("seq continues after the last whole record", 4, all.get(3).seq);
            assertEquals(1, j.skipped());
        }
    }

    @Test
    public void aCorruptLineInTheMiddleIsSkipped() throws Exception {
        Path dir = tmp.newFolder().toPath();
        try (Journal j = new Journal(dir, Journal.Sync.NONE, 1 << 20, 2)) {
            for (int i = 1; i <= 3; i++) {
                j.append(rec("swap", i, "reason " + i));
            }
        }
        Path f = dir.resolve(Journal.FILE);
        String text = new String(Files.readAllBytes(f), StandardCharsets.UTF_8).replace("reason 2", "reason X");
        Files.write(f, text.getBytes(StandardCharsets.UTF_8));
        try (Journal j = new Journal(dir, Journal.Sync.NONE, 1 << 20, 2)) {
            List<JournalRecordDTO> all = j.readAll();
            assertEquals(2, all.size());
            assertEquals("reason 1", all.get(0).reason);
            assertEquals("reason 3", all.get(1).reason);
            assertEquals(1, j.skipped());
        }
    }

    @Test
    public void rotatesAtTheSizeAndKeepsTheNewestFiles() throws Exception {
        Path dir = tmp.newFolder().toPath();
        int n = 200;
        try (Journal j = new Journal(dir, Journal.Sync.NONE, 2048, 2)) {
            for (int i = 1; i <= n; i++) {
                j.append(rec("swap", i, "r" + i));
            }
            assertTrue(Files.exists(dir.resolve("journal.1.log")));
            assertTrue(Files.exists(dir.resolve("journal.2.log")));
            assertFalse("only 2 rotated files are kept", Files.exists(dir.resolve("journal.3.log")));
            for (Path p : List.of(dir.resolve(Journal.FILE), dir.resolve("journal.1.log"))) {
                assertTrue(p + " is at most the rotation size", Files.size(p) <= 2048);
            }
            List<JournalRecordDTO> last = j.last(5, -1);
            assertEquals(n, last.get(0).seq);
            assertEquals("newest first", n - 4, last.get(4).seq);
            List<JournalRecordDTO> all = j.readAll();
            for (int i = 1; i < all.size(); i++) {
                assertEquals("oldest first, no gap across files", all.get(i - 1).seq + 1, all.get(i).seq);
            }
            assertEquals(List.of((long) n), entries(j.last(10, n)));
        }
    }

    private static List<Long> entries(List<JournalRecordDTO> l) {
        List<Long> ids = new ArrayList<>();
        for (JournalRecordDTO r : l) {
            ids.add(r.entryId);
        }
        return ids;
    }

    @Test
    public void groupCommitKeepsEveryRecordOfConcurrentAppenders() throws Exception {
        Path dir = tmp.newFolder().toPath();
        int threads = 8;
        int each = 200;
        try (Journal j = new Journal(dir, Journal.Sync.GROUP, 1 << 20, 2)) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                long id = t;
                fs.add(pool.submit(() -> {
                    for (int i = 0; i < each; i++) {
                        j.append(rec("swap", id, "t" + id + " i" + i));
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
            pool.shutdown();
            List<JournalRecordDTO> all = j.readAll();
            assertEquals(threads * each, all.size());
            Set<Long> seqs = new HashSet<>();
            Set<String> reasons = new HashSet<>();
            for (JournalRecordDTO r : all) {
                seqs.add(r.seq);
                reasons.add(r.reason);
            }
            assertEquals(threads * each, seqs.size());
            assertEquals(threads * each, reasons.size());
            assertEquals(0, j.skipped());
        }
    }

    @Test
    public void theLastImplementationOfAKeySurvivesReopeningAndRotation() throws Exception {
        Path dir = tmp.newFolder().toPath();
        JournalService s = new JournalService(dir, Journal.Sync.RECORD, 4096, 1);
        s.opened("file:/data/a.bin", 1, "fcm.shared 1.0.0", null);
        s.append(JournalService.record("swap", "shell", 1, "fcm.shared 1.0.0", "fcm.distributed 1.0.0", "pages", "COMPLETED", "operator"));
        s.append(JournalService.record("swap", "shell", 1, "fcm.distributed 1.0.0", "fcm.shared 1.0.0", null, "ROLLED_BACK", "timed out"));
        assertEquals("a rolled-back swap does not count", "fcm.distributed", s.lastImplementation("file:/data/a.bin"));
        s.append(JournalService.record("swap", JournalService.SHUTDOWN, 1, "fcm.distributed 1.0.0", "fcm.shared 1.0.0", "pages", "COMPLETED", "going away"));
        assertEquals("a move made by the framework stopping does not count", "fcm.distributed", s.lastImplementation("file:/data/a.bin"));
        s.deactivate();

        s = new JournalService(dir, Journal.Sync.RECORD, 4096, 1);
        assertEquals("fcm.distributed", s.lastImplementation("file:/data/a.bin"));
        for (int i = 0; i < 200; i++) { // many rotations: the first open is long gone, the checkpoints keep the key
            s.append(JournalService.record("interpose", "shell", 9, null, "calls", null, "COMPLETED", "interposer calls " + i));
        }
        s.deactivate();
        s = new JournalService(dir, Journal.Sync.RECORD, 4096, 1);
        assertEquals("fcm.distributed", s.lastImplementation("file:/data/a.bin"));
        assertNull(s.lastImplementation("file:/data/other.bin"));
        s.deactivate();
    }

    @Test
    public void theBundleColumnsRoundTripAndOlderLinesStillRead() throws Exception {
        Path dir = tmp.newFolder().toPath();
        try (Journal j = new Journal(dir, Journal.Sync.RECORD, 1 << 20, 2)) {
            JournalRecordDTO r = JournalService.record("upgrade", "shell", -1, "b 1.0.0 (4)", "file:/x.jar", null, "STARTED", "why");
            r.key = "upgrade:7";
            r.bundleId = 4;
            r.bundle = "b 1.0.0";
            r.location = "file:/x.jar";
            j.append(r);
            j.append(rec("swap", 1, "no bundle"));
        }
        // a line of the 12-column format (before the bundle columns)
        String old = "7\t1764633600000\tswap\tshell\t2\t-\ta 1.0.0\tb 1.0.0\tpages\tCOMPLETED\told\tb";
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(old.getBytes(StandardCharsets.UTF_8));
        Files.write(dir.resolve(Journal.FILE), (String.format("%08x\t", crc.getValue()) + old + "\n").getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
        try (Journal j = new Journal(dir, Journal.Sync.RECORD, 1 << 20, 2)) {
            List<JournalRecordDTO> all = j.readAll();
            assertEquals(3, all.size());
            JournalRecordDTO u = all.get(0);
            assertEquals("upgrade:7", u.key);
            assertEquals(4, u.bundleId);
            assertEquals("b 1.0.0", u.bundle);
            assertEquals(-1, u.newBundleId);
            assertEquals("file:/x.jar", u.location);
            assertEquals(-1, all.get(1).bundleId);
            assertNull(all.get(1).bundle);
            JournalRecordDTO o = all.get(2);
            assertEquals("b", o.implementation);
            assertEquals(-1, o.bundleId);
            assertEquals(-1, o.newBundleId);
            assertNull(o.location);
            assertEquals(0, j.skipped());
        }
    }

    private static JournalRecordDTO step(String key, String step, long newBundle) {
        JournalRecordDTO r = JournalService.record(null, "shell", -1, "b 1.0.0 (4)", "b 1.1.0 (9)", null, step, "step " + step);
        r.key = key;
        r.bundleId = 4;
        r.bundle = "b 1.0.0";
        r.newBundleId = newBundle;
        r.location = "file:/b-1.1.0.jar";
        return r;
    }

    @Test
    public void anUpgradeWithoutOutcomeIsInterruptedAtTheNextStartUntilItsOutcomeIsJournaled() throws Exception {
        Path dir = tmp.newFolder().toPath();
        JournalService s = new JournalService(dir, Journal.Sync.RECORD, 1 << 20, 2);
        String done = s.newUpgradeKey();
        String open = s.newUpgradeKey();
        assertFalse(done.equals(open));
        assertTrue(done, done.matches("upgrade:\\d+"));
        s.upgrade(step(done, "STARTED", -1));
        s.upgrade(step(done, "INSTALLED", 9));
        s.upgrade(step(done, "COMPLETED", 9));
        s.upgrade(step(open, "STARTED", -1));
        s.upgrade(step(open, "INSTALLED", 9));
        assertTrue("nothing was interrupted when this journal was read", s.interruptedUpgrades().isEmpty());
        s.deactivate();

        s = new JournalService(dir, Journal.Sync.RECORD, 1 << 20, 2); // the crash: INSTALLED is the last record of one upgrade
        List<JournalRecordDTO> l = s.interruptedUpgrades();
        assertEquals(1, l.size());
        JournalRecordDTO last = l.get(0);
        assertEquals(open, last.key);
        assertEquals("upgrade", last.kind);
        assertEquals("INSTALLED", last.outcome);
        assertEquals(9, last.newBundleId);
        assertEquals(4, last.bundleId);
        assertEquals("b 1.0.0", last.bundle);
        assertEquals("file:/b-1.1.0.jar", last.location);
        String next = s.newUpgradeKey();
        assertFalse("keys are unique across restarts", next.equals(done) || next.equals(open));
        JournalRecordDTO out = step(open, "ROLLED_BACK", 9);
        out.initiator = JournalService.RESTART;
        s.upgrade(out);
        assertTrue("its outcome closes it", s.interruptedUpgrades().isEmpty());
        s.deactivate();

        s = new JournalService(dir, Journal.Sync.RECORD, 1 << 20, 2);
        assertTrue("never recovered twice", s.interruptedUpgrades().isEmpty());
        assertEquals(JournalService.RESTART, s.records(1, -1).get(0).initiator);
        s.deactivate();
    }

    @Test
    public void anEntryParkedWhenThePlatformStoppedIsJournaledLostOnceAndRestoredWithANote() throws Exception {
        Path dir = tmp.newFolder().toPath();
        String key = "file:/data/a.bin";
        JournalService s = new JournalService(dir, Journal.Sync.RECORD, 1 << 20, 2);
        s.opened(key, 1, "fcm.shared 1.0.0", null);
        s.append(JournalService.record("swap", "shell", 1, "fcm.shared 1.0.0", "fcm.distributed 1.0.0", "fcm.pages.v1", "COMPLETED", "operator"));
        JournalRecordDTO park = JournalService.record("park", "shell", 1, "fcm.distributed 1.0.0", "fcm.distributed 1.0.0 (parked)", "fcm.pages.v1", "COMPLETED",
                "bundle swap.fcm.distributed (5) is being updated or refreshed");
        park.bundleId = 5;
        park.bundle = "swap.fcm.distributed 1.0.0";
        s.append(park);
        assertNull("parked now, not interrupted", s.interruptedPark(key));
        s.deactivate();

        s = new JournalService(dir, Journal.Sync.RECORD, 1 << 20, 2); // the crash
        JournalRecordDTO lost = s.records(1, -1).get(0);
        assertEquals("park", lost.kind);
        assertEquals(JournalService.LOST, lost.outcome);
        assertEquals(JournalService.RESTART, lost.initiator);
        assertEquals(key, lost.key);
        assertEquals(5, lost.bundleId);
        assertTrue(lost.reason, lost.reason.contains("for the in-place upgrade of bundle swap.fcm.distributed 1.0.0 (5)")
                && lost.reason.contains("the state it kept only in memory (fcm.pages.v1) is gone"));
        JournalRecordDTO p = s.interruptedPark(key);
        assertEquals(park.seq, p.seq);
        assertEquals("a park is no implementation that ran", "fcm.distributed", s.lastImplementation(key));
        long records = s.records(100, -1).size();
        s.deactivate();

        s = new JournalService(dir, Journal.Sync.RECORD, 1 << 20, 2); // another start, not yet opened: no second LOST record
        assertEquals(records, s.records(100, -1).size());
        assertEquals(park.seq, s.interruptedPark(key).seq);
        Restore r = Restore.decide(s, manager("fcm.distributed", "fcm.shared"), Object.class, key, "(concurrency=shared)");
        assertEquals("fcm.distributed", r.target);
        assertEquals("was parked when the platform stopped (entry 1, in-place upgrade of bundle swap.fcm.distributed 1.0.0 (5), journal record " + park.seq
                + "): reopened on fcm.distributed, the implementation it last ran, from the file on disk; lost: the state the park kept only in memory"
                + " (fcm.pages.v1), i.e. every write not yet written back to the file; what was written back is intact", r.note);
        Restore gone = Restore.decide(s, manager("fcm.shared"), Object.class, key, "(concurrency=shared)");
        assertEquals("(concurrency=shared)", gone.target);
        assertTrue(gone.note, gone.note.contains("; it last ran fcm.distributed, which is not installed: reopened on the default (concurrency=shared) from the file on disk; lost:"));
        s.opened(key, 1, "fcm.distributed 1.0.0", r.note);
        assertNull("opened again: the park is over", s.interruptedPark(key));
        assertEquals("restore", s.records(1, -1).get(0).kind);
        s.deactivate();

        s = new JournalService(dir, Journal.Sync.RECORD, 1 << 20, 2);
        assertNull(s.interruptedPark(key));
        assertEquals("back on fcm.distributed, the implementation it last ran", Restore.decide(s, manager("fcm.distributed"), Object.class, key, "x").note);
        s.deactivate();
    }

    @Test
    public void aParkThatEndsBeforeTheStopIsNotLost() throws Exception {
        Path dir = tmp.newFolder().toPath();
        String key = "file:/data/b.bin";
        JournalService s = new JournalService(dir, Journal.Sync.RECORD, 1 << 20, 2);
        s.opened(key, 3, "fcm.shared 1.0.0", null);
        s.append(JournalService.record("park", "shell", 3, "fcm.shared 1.0.0", "fcm.shared 1.0.0 (parked)", "fcm.pages.v1", "COMPLETED", "update"));
        s.append(JournalService.record("swap", "shell", 3, "fcm.shared 1.0.0 (parked)", "fcm.shared 1.0.0", "fcm.pages.v1", "COMPLETED", "resumed"));
        s.opened("file:/data/c.bin", 4, "fcm.shared 1.0.0", null);
        s.append(JournalService.record("park", "shell", 4, "fcm.shared 1.0.0", "fcm.shared 1.0.0 (parked)", "empty", "COMPLETED", "update"));
        s.append(JournalService.record("release", "shell", 4, "fcm.shared 1.0.0 (parked)", null, null, "COMPLETED", "entry released"));
        long n = s.records(100, -1).size();
        s.deactivate();
        s = new JournalService(dir, Journal.Sync.RECORD, 1 << 20, 2);
        assertEquals("resumed and released parks are over: nothing journaled at start", n, s.records(100, -1).size());
        assertNull(s.interruptedPark(key));
        assertNull(s.interruptedPark("file:/data/c.bin"));
        s.deactivate();
    }

    @Test
    public void openUpgradesAndInterruptedParksSurviveRotation() throws Exception {
        Path dir = tmp.newFolder().toPath();
        String key = "file:/data/a.bin";
        JournalService s = new JournalService(dir, Journal.Sync.RECORD, 4096, 1);
        s.opened(key, 1, "fcm.shared 1.0.0", null);
        JournalRecordDTO park = JournalService.record("park", "shell", 1, "fcm.shared 1.0.0", null, "empty", "COMPLETED", "update");
        park.bundleId = 5;
        park.bundle = "swap.fcm.shared 1.0.0";
        s.append(park);
        String u = s.newUpgradeKey();
        s.upgrade(step(u, "STARTED", -1));
        s.upgrade(step(u, "MOVED", 9));
        s.deactivate();
        s = new JournalService(dir, Journal.Sync.RECORD, 4096, 1); // crash: LOST journaled, the upgrade is open
        for (int i = 0; i < 200; i++) { // many rotations: the original records are long gone
            s.append(JournalService.record("interpose", "shell", 9, null, "calls", null, "COMPLETED", "interposer calls " + i));
        }
        long lostRecords = s.records(1000, -1).stream().filter(r -> JournalService.LOST.equals(r.outcome)).count();
        s.deactivate();
        s = new JournalService(dir, Journal.Sync.RECORD, 4096, 1);
        assertEquals("no second LOST record after the rotation", lostRecords, s.records(1000, -1).stream().filter(r -> JournalService.LOST.equals(r.outcome)).count());
        assertEquals(5, s.interruptedPark(key).bundleId);
        assertEquals("fcm.shared", s.lastImplementation(key));
        assertTrue(Restore.decide(s, manager("fcm.shared"), Object.class, key, "x").note.endsWith("; nothing kept only in memory was lost (its parked state was empty)"));
        List<JournalRecordDTO> open = s.interruptedUpgrades();
        assertEquals(1, open.size());
        assertEquals(u, open.get(0).key);
        assertEquals("MOVED", open.get(0).outcome);
        assertEquals(9, open.get(0).newBundleId);
        s.deactivate();
    }

    /** A swap manager that lists one implementation of each name. */
    private static swap.api.SwapManager manager(String... names) {
        return (swap.api.SwapManager) java.lang.reflect.Proxy.newProxyInstance(JournalTest.class.getClassLoader(), new Class<?>[] {swap.api.SwapManager.class},
                (proxy, m, args) -> {
                    if (!m.getName().equals("implementations")) {
                        throw new UnsupportedOperationException(m.getName());
                    }
                    List<swap.api.ImplementationDTO> l = new ArrayList<>();
                    for (String n : names) {
                        swap.api.ImplementationDTO d = new swap.api.ImplementationDTO();
                        d.name = n;
                        l.add(d);
                    }
                    return l;
                });
    }
}
