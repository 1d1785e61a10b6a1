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
}
