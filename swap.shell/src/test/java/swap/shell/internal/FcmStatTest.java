package swap.shell.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;

import swap.api.Entry;
import swap.api.SwapOutcome;
import swap.api.fcm.FcmStats;
import swap.api.fcm.FileCacheManager;
import swap.core.fcm.FileCacheService;
import swap.fcm.pattern.internal.ClockFcm;
import swap.fcm.pattern.internal.ReadAheadFcm;
import swap.kernel.Engine;
import swap.kernel.StandaloneSource;
import swap.monitor.internal.AccessPatternMonitor;

/**
 * {@code fcm:stat} over a standalone engine with swap.core's file cache, the real CLOCK and
 * read-ahead FCMs and the real access-pattern monitor (no OSGi, no Gogo): the counters of every
 * open file, and of one named by entry id or path, are the FCM's own ({@link FileCacheManager#stats()}),
 * under the names {@code swap:stats ID} gives them; bad input is refused with one line.
 */
public class FcmStatTest {

    static final int PAGE = 4096;
    static final int BUDGET = 64;
    static final int WINDOW = 16;

    private Engine engine;
    private FileCacheService cache;
    private Shell shell;
    private Path dir;
    private long counter;

    @Before
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("fcm-stat");
        StandaloneSource source = new StandaloneSource();
        source.add(FileCacheManager.class, ClockFcm.NAME, "1.0.0", ClockFcm::new, FileCacheManager.PATTERN, "random");
        source.add(FileCacheManager.class, ReadAheadFcm.NAME, "1.0.0", ReadAheadFcm::new, FileCacheManager.PATTERN, "sequential");
        source.add(ShellTest.Counter.class, "plain", "1.0.0", ShellTest.Plain::new);
        source.addInterposer(AccessPatternMonitor.NAME, () -> new AccessPatternMonitor(WINDOW, PAGE, BUDGET));
        engine = new Engine(source);
        cache = new FileCacheService(engine, PAGE, BUDGET, ClockFcm.NAME);
        shell = new Shell(engine, cache, null);
        counter = engine.create(ShellTest.Counter.class, "plain").id();
    }

    @After
    public void tearDown() throws IOException {
        cache.closeAll();
        engine.shutdown();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** A file of {@code pages} pages on disk, page {@code i} filled with byte {@code i}. */
    private Path file(String name, int pages) throws IOException {
        byte[] b = new byte[pages * PAGE];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (i / PAGE);
        }
        return Files.write(dir.resolve(name), b);
    }

    private static void readPages(FileCacheManager f, int from, int to) throws IOException {
        byte[] buf = new byte[PAGE];
        for (int p = from; p < to; p++) {
            assertEquals(PAGE, f.read((long) p * PAGE, buf, 0, PAGE));
            assertEquals((byte) p, buf[0]);
        }
    }

    private static String row(String table, long id) {
        for (String l : table.split("\n")) {
            if (l.matches(" *" + id + "\\|.*")) {
                return l;
            }
        }
        throw new AssertionError("no row for entry " + id + " in\n" + table);
    }

    /** A table without its padding (column widths depend on the rows shown). */
    private static String norm(String table) {
        return table.replaceAll(" *\\| *", "|").replaceAll("(?m)^ +", "");
    }

    /** The cells of a table row, trimmed. */
    private static String[] cells(String row) {
        String[] c = row.split("\\|", -1);
        for (int i = 0; i < c.length; i++) {
            c[i] = c[i].trim();
        }
        return c;
    }

    private static void assertRefused(Runnable command, String message) {
        try {
            command.run();
            fail("not refused: " + message);
        } catch (ShellException e) {
            assertEquals(message, e.toString());
            assertFalse(e.toString(), e.toString().contains("\n"));
            assertFalse(e.toString(), e.toString().contains("Exception"));
        }
    }

    @Test
    public void noOpenFilesSaysHowToOpenOne() {
        String t = Render.fileStats(shell.fileStats());
        assertEquals("ID|Path|Implementation|hits|misses|read-ahead|read-ahead-wasted|Pattern\nno open files: fcm:open PATH opens one", t);
    }

    /**
     * Every open file's counters are its FCM's, with exact figures for CLOCK (one look-up per
     * page-aligned page read); the read-ahead FCM's read-ahead column is not zero on a sequential
     * read; swap:stats shows the same counters under the same names; a closed file is gone.
     */
    @Test
    public void everyOpenFileWithItsImplementationAndCounters() throws IOException {
        Path a = file("a.dat", 8);
        Path b = file("b.dat", 48);
        long ida = shell.open(a, false).id;
        Entry<FileCacheManager> eb = cache.open(b, ReadAheadFcm.NAME, false);
        long idb = eb.id();
        FileCacheManager fa = cache.entry(ida).handle();
        readPages(fa, 0, 8); // 8 misses
        readPages(fa, 0, 1); // 1 hit
        readPages(eb.handle(), 0, 48); // a stream: pages read ahead

        String t = Render.fileStats(shell.fileStats());
        String[] header = cells(t.split("\n")[0]);
        assertEquals(List.of("ID", "Path", "Implementation", "hits", "misses", "read-ahead", "read-ahead-wasted", "Pattern"), List.of(header));
        assertEquals(List.of(String.valueOf(ida), a.toAbsolutePath().normalize().toString(), ClockFcm.NAME, "1", "8", "0", "0", "-"),
                List.of(cells(row(t, ida))));
        FcmStats sb = eb.handle().stats();
        assertTrue("the read-ahead FCM read ahead on a sequential read: " + sb, sb.readAhead > 0);
        assertEquals(List.of(String.valueOf(idb), b.toAbsolutePath().normalize().toString(), ReadAheadFcm.NAME, String.valueOf(sb.hits),
                String.valueOf(sb.misses), String.valueOf(sb.readAhead), String.valueOf(sb.readAheadWasted), "-"), List.of(cells(row(t, idb))));
        assertEquals(48, sb.hits + sb.misses); // every page read once, each a hit or a miss
        assertFalse("no row for the counter entry, which is not a file: " + t, t.lines().anyMatch(l -> l.matches(" *" + counter + "\\|.*")));
        assertEquals(4, t.split("\n").length); // header, 2 files, the note on the Pattern column
        assertTrue(t, t.endsWith("\n(Pattern: the access-pattern monitor's class; swap:interpose ID access-pattern puts it on a file)"));

        String s = Render.stats(shell.stats(ida)); // the same counters, the same names
        assertTrue(s, s.contains("cache      hits=1 misses=8 evictions=0 cached=8 dirty=0 read-ahead=0 read-ahead-wasted=0 hit-ratio=0.111"));

        shell.close(ida);
        String after = Render.fileStats(shell.fileStats());
        assertEquals(3, after.split("\n").length);
        row(after, idb);
        assertFalse(after, after.lines().anyMatch(l -> l.matches(" *" + ida + "\\|.*")));
    }

    /** One file, named by entry id, by a path relative to the shell's directory, or absolute: the same row as in the list. */
    @Test
    public void oneFileByIdOrPath() throws IOException {
        Path a = file("a.dat", 4);
        file("b.dat", 4);
        long ida = shell.open(a, false).id;
        long idb = shell.open(dir.resolve("b.dat"), false).id;
        readPages(cache.entry(ida).handle(), 0, 4);
        readPages(cache.entry(ida).handle(), 2, 3);
        String all = Render.fileStats(shell.fileStats());
        String expected = "ID|Path|Implementation|hits|misses|read-ahead|read-ahead-wasted|Pattern\n" + row(all, ida)
                + "\n(Pattern: the access-pattern monitor's class; swap:interpose ID access-pattern puts it on a file)";
        assertEquals(norm(expected), norm(Render.fileStats(shell.fileStats(String.valueOf(ida), dir))));
        assertEquals(norm(expected), norm(Render.fileStats(shell.fileStats("a.dat", dir))));
        assertEquals(norm(expected), norm(Render.fileStats(shell.fileStats("./x/../a.dat", dir))));
        assertEquals(norm(expected), norm(Render.fileStats(shell.fileStats(a.toAbsolutePath().toString(), Path.of("/")))));
        assertEquals(List.of(String.valueOf(ida), a.toAbsolutePath().normalize().toString(), ClockFcm.NAME, "1", "4", "0", "0", "-"),
                List.of(cells(row(Render.fileStats(shell.fileStats(" " + ida + " ", dir)), ida))));
        assertEquals(1, shell.fileStats("b.dat", dir).size());
        assertEquals(idb, shell.fileStats("b.dat", dir).get(0).id);
    }

    /** With the access-pattern monitor on a file, its class is in the Pattern column; a swap shows the new FCM with the counters carried. */
    @Test
    public void patternColumnWhenTheMonitorIsOnAndCountersCarriedAcrossASwap() throws IOException {
        Path a = file("a.dat", 48);
        long ida = shell.open(a, false).id;
        shell.interpose(ida, AccessPatternMonitor.NAME);
        FileCacheManager fa = cache.entry(ida).handle();
        assertEquals("UNKNOWN", shell.fileStats(String.valueOf(ida), dir).get(0).pattern); // no read yet
        readPages(fa, 0, 48);
        String t = Render.fileStats(shell.fileStats());
        assertEquals(List.of(String.valueOf(ida), a.toAbsolutePath().normalize().toString(), ClockFcm.NAME, "0", "48", "0", "0", "SEQUENTIAL"),
                List.of(cells(row(t, ida))));
        assertFalse("no note when a file is monitored: " + t, t.contains("(Pattern:"));

        assertEquals(SwapOutcome.COMPLETED, shell.swap(ida, ReadAheadFcm.NAME, 0).outcome);
        Dtos.FileStat s = shell.fileStats(String.valueOf(ida), dir).get(0);
        assertEquals(ReadAheadFcm.NAME, s.implementation);
        assertEquals(0L, s.cache.get(FileStats.HITS));
        assertEquals(48L, s.cache.get(FileStats.MISSES)); // statistics move with the pages
        assertEquals("SEQUENTIAL", s.pattern); // the monitor stays on the entry across the swap

        shell.remove(ida, AccessPatternMonitor.NAME);
        assertNull(shell.fileStats(String.valueOf(ida), dir).get(0).pattern);
    }

    @Test
    public void badInputIsOneLineSayingWhatToType() throws IOException {
        long ida = shell.open(file("a.dat", 1), false).id;
        Path missing = dir.resolve("nope.dat");
        assertRefused(() -> shell.fileStats("nope.dat", dir),
                "fcm: no open file at " + missing + "; fcm:stat lists the open files (ID and PATH), fcm:open PATH opens one");
        assertRefused(() -> shell.fileStats("99", dir),
                "fcm: no entry with id 99 and no open file at " + dir.resolve("99") + "; fcm:stat lists the open files (ID and PATH), fcm:open PATH opens one");
        assertRefused(() -> shell.fileStats(String.valueOf(counter), dir),
                "fcm: entry " + counter + " is a " + ShellTest.Counter.class.getName() + ", not a file; swap:list shows the entries, fcm:open PATH opens a file");
        assertRefused(() -> shell.fileStats(" ", dir),
                "fcm: give an entry id or the path of an open file: fcm:stat ID or fcm:stat PATH (fcm:stat alone lists every open file)");
        assertRefused(() -> shell.fileStats("a\0b", dir), "fcm: not an entry id nor a path: a\0b; give the ID or PATH fcm:stat lists");
        assertRefused(() -> new Shell(null, null, null).fileStats(),
                "fcm: no swap manager: bundle swap.core is not active; lb shows it, start it with start ID");
        assertEquals("fcm: usage: fcm:stat [ID|PATH] (help fcm:stat explains)", Usage.wrong("fcm", "stat").toString());
        // a number that is no entry but names an open file is that file
        long id99 = shell.open(file("99", 1), false).id;
        assertEquals(id99, shell.fileStats("99", dir).get(0).id);
        // completion offers the files' ids only
        assertEquals(List.of(String.valueOf(ida), String.valueOf(id99)), shell.candidates(List.of("fcm:stat", ""), 1));
    }
}
