package swap.fcm.pattern.internal;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import swap.api.Entry;
import swap.api.SwapOutcome;
import swap.api.fcm.FcmStats;
import swap.api.fcm.FileCacheManager;
import swap.core.fcm.FileCacheService;
import swap.kernel.Engine;
import swap.kernel.StandaloneSource;

/**
 * What each FCM of this bundle is for, counted in misses (reads from the file) on one thread:
 * deterministic traces, no timing.
 */
public class PatternBehaviourTest {

    static final int PAGE = 64;
    static final int BUDGET = 64;
    static final int PAGES = 1000;

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    private Engine engine;
    private FileCacheService cache;
    private Path file;
    private byte[] content;

    @Before
    public void setUp() throws Exception {
        StandaloneSource source = new StandaloneSource();
        PatternContract.registerAll(source);
        engine = new Engine(source);
        cache = new FileCacheService(engine, PAGE, BUDGET, ClockFcm.NAME);
        file = tmp.newFile().toPath();
        content = new byte[PAGES * PAGE];
        new Random(1).nextBytes(content);
        Files.write(file, content);
    }

    @After
    public void tearDown() {
        cache.closeAll();
        engine.shutdown();
    }

    private Entry<FileCacheManager> open(String impl) throws Exception {
        return cache.open(file, "(" + swap.api.SwapConstants.IMPL_NAME + "=" + impl + ")", false);
    }

    private void readPage(FileCacheManager f, long page) throws Exception {
        byte[] b = new byte[PAGE];
        assertEquals(PAGE, f.read(page * PAGE, b, 0, PAGE));
        byte[] want = java.util.Arrays.copyOfRange(content, (int) page * PAGE, (int) (page + 1) * PAGE);
        assertArrayEquals("page " + page, want, b);
    }

    static final int HOT = 40;

    /** A hot set of {@value #HOT} pages, then a scan of the rest with a hot read after every scan read. */
    private FcmStats hotSetAndScan(String impl) throws Exception {
        FileCacheManager f = open(impl).handle();
        Random r = new Random(2);
        for (int i = 0; i < 500; i++) {
            readPage(f, r.nextInt(HOT));
        }
        for (int p = HOT; p < PAGES; p++) {
            readPage(f, p);
            readPage(f, r.nextInt(HOT));
        }
        return f.stats();
    }

    @Test
    public void theScanResistantFcmKeepsTheHotSetThroughAScanAndClockDoesNot() throws Exception {
        FcmStats clock = hotSetAndScan(ClockFcm.NAME);
        cache.closeAll();
        FcmStats scan = hotSetAndScan(ScanResistantFcm.NAME);
        // The scan's pages are misses for both; the hot set's once each at the start.
        assertEquals("fcm.scan: " + scan, PAGES, scan.misses);
        assertTrue("clock " + clock + " vs scan " + scan, clock.misses > scan.misses + 100);
    }

    @Test
    public void readAheadTurnsASequentialStreamsMissesIntoHitsAndWastesNothing() throws Exception {
        FileCacheManager clock = open(ClockFcm.NAME).handle();
        for (int p = 0; p < PAGES; p++) {
            readPage(clock, p);
        }
        assertEquals(PAGES, clock.stats().misses);
        cache.closeAll();
        FileCacheManager ra = open(ReadAheadFcm.NAME).handle();
        for (int p = 0; p < PAGES; p++) {
            readPage(ra, p);
        }
        FcmStats s = ra.stats();
        assertEquals("every page read from the file once: " + s, PAGES, s.misses + s.readAhead);
        assertTrue("one miss per window of 16 pages at most: " + s, s.misses <= 2 + PAGES / 16);
        assertEquals(0, s.readAheadWasted);
    }

    @Test
    public void readAheadThatNoReadUsesIsCountedAsWaste() throws Exception {
        FileCacheManager ra = open(ReadAheadFcm.NAME).handle();
        readPage(ra, 0);
        readPage(ra, 1); // a stream: reads 4 pages ahead
        assertEquals(4, ra.stats().readAhead);
        Random r = new Random(3);
        for (int i = 0; i < 200; i++) {
            readPage(ra, 100 + 3 * r.nextInt(200)); // never continues a stream; evicts everything
        }
        FcmStats s = ra.stats();
        assertEquals(s.toString(), 4, s.readAhead);
        assertEquals(s.toString(), 4, s.readAheadWasted);
    }

    @Test
    public void dropBehindKeepsAStreamFromEvictingTheHotSet() throws Exception {
        FileCacheManager ra = open(ReadAheadFcm.NAME).handle();
        for (int round = 0; round < 2; round++) { // a hot set of 8 pages (read again: in use), none continuing another
            for (int p = 0; p < 16; p += 2) {
                readPage(ra, p);
            }
        }
        for (int p = 100; p < PAGES; p++) {
            readPage(ra, p);
        }
        long before = ra.stats().misses;
        for (int p = 0; p < 16; p += 2) {
            readPage(ra, p);
        }
        assertEquals("the hot set is still cached: " + ra.stats(), before, ra.stats().misses);
    }

    /**
     * Issue 28's phased trace lost hot pages here: a stream that runs on from a hot set's pages
     * (read as hits before the stream was seen) drops behind only its own pages, and a hot page's
     * miss between two of its misses does not end it.
     */
    @Test
    public void aStreamRunningOnFromTheHotSetKeepsItAndSurvivesInterleavedMisses() throws Exception {
        FileCacheManager ra = open(ReadAheadFcm.NAME).handle();
        for (int p = 0; p < 32; p++) { // a hot set of 32 consecutive pages, read at random first
            readPage(ra, (p * 7) % 32);
        }
        Random r = new Random(4);
        for (int p = 32; p < PAGES; p++) { // a stream right after it, a hot read after every stream read
            readPage(ra, p);
            readPage(ra, r.nextInt(32));
        }
        FcmStats s = ra.stats();
        long before = s.misses;
        for (int p = 0; p < 32; p++) {
            readPage(ra, p);
        }
        assertEquals("the hot set is still cached: " + ra.stats(), before, ra.stats().misses);
        assertTrue("the stream read ahead all along (misses " + s.misses + ", read ahead " + s.readAhead + ")", s.misses < 32 + PAGES / 8);
    }

    /** File reads (misses plus pages read ahead) so far. */
    private static long fileReads(FileCacheManager f) {
        FcmStats s = f.stats();
        return s.misses + s.readAhead;
    }

    /**
     * A loop over more pages than the budget (issue 28's hot set + scan that wraps round): the
     * read-ahead FCM keeps the loop's first pages, as many as the budget holds beside the hot set
     * and a room for the read-ahead window, so every later pass finds them cached; drop-behind
     * alone (the pages a stream passed go first) reread every page at every pass. The hot set is
     * never evicted.
     */
    @Test
    public void aLoopLargerThanTheBudgetKeepsItsHeadAndTheHotSet() throws Exception {
        FileCacheManager ra = open(ReadAheadFcm.NAME).handle();
        for (int round = 0; round < 2; round++) { // a hot set of 16 pages, none continuing another, read again: in use
            for (int i = 0; i < 16; i++) {
                readPage(ra, (i * 7) % 16);
            }
        }
        assertEquals(16, fileReads(ra));
        long[] perPass = new long[4];
        for (int pass = 0; pass < perPass.length; pass++) {
            long before = fileReads(ra);
            for (int p = 100; p < 300; p++) { // 200 pages, a hot read after each
                readPage(ra, p);
                readPage(ra, p % 16);
            }
            perPass[pass] = fileReads(ra) - before;
        }
        // Budget 64 = hot set 16 + room 20 + head 28 (pages 100-127): the first pass reads its 200
        // pages and 2 ahead past its end (dropped when the next pass starts); each later one finds
        // 31 of its pages cached (the head and 3 more) and reads the 169 others, nothing past the
        // loop's end; the hot set is never read again.
        assertArrayEquals(java.util.Arrays.toString(perPass), new long[] {202, 169, 169, 169}, perPass);
        assertEquals(ra.stats().toString(), 16 + 202 + 3 * 169, fileReads(ra));
    }

    /**
     * The head is where the loop's passes start: a head taken at one page, then passes that start
     * further in (and read through the head's end) move it there; the passes after it find the
     * whole head cached.
     */
    @Test
    public void theKeptHeadMovesToWhereTheLoopsPassesStart() throws Exception {
        FileCacheManager ra = open(ReadAheadFcm.NAME).handle();
        for (int p = 100; p < 300; p++) { // the first stream: its head is pages 100-143 (no hot set: 64 - 20 = 44 pages)
            readPage(ra, p);
        }
        long[] perPass = new long[4];
        for (int pass = 0; pass < perPass.length; pass++) { // passes over 140-339, 40 pages into the head
            long before = fileReads(ra);
            for (int p = 140; p < 340; p++) {
                readPage(ra, p);
            }
            perPass[pass] = fileReads(ra) - before;
        }
        // Pass 1 finds the head's last pages from 140 on, moves the head to 140 (the pages before go
        // first, the stream grows it to 44 pages), reads the pages it does not find (the first
        // stream's read-ahead past its end went first at the pass's start) and some ahead past its
        // own end: 204 in all; every later pass finds 47 of its pages cached (the head and 3 more)
        // and reads the 153 others, nothing past the loop's end.
        assertArrayEquals(java.util.Arrays.toString(perPass), new long[] {204, 153, 153, 153}, perPass);
    }

    @Test
    public void pagesStatisticsAndDirtyBytesMoveAcrossEveryPairOfImplementations() throws Exception {
        Entry<FileCacheManager> e = open(ReadAheadFcm.NAME);
        FileCacheManager f = e.handle();
        for (int p = 0; p < 40; p++) {
            readPage(f, p);
        }
        byte[] w = new byte[3 * PAGE];
        new Random(4).nextBytes(w);
        f.write(10 * PAGE + 5, w, 0, w.length);
        System.arraycopy(w, 0, content, 10 * PAGE + 5, w.length);
        FcmStats before = f.stats();
        String[] order = {ScanResistantFcm.NAME, ClockFcm.NAME, ReadAheadFcm.NAME, ClockFcm.NAME, ScanResistantFcm.NAME, ReadAheadFcm.NAME};
        for (String to : order) {
            assertEquals(SwapOutcome.COMPLETED, engine.swap(e.id(), to, "test").toCompletableFuture().get(10, TimeUnit.SECONDS).outcome);
            FcmStats s = f.stats();
            assertEquals(to + " " + s, before.misses, s.misses);
            assertEquals(to + " " + s, before.readAhead, s.readAhead);
            assertEquals(to + " " + s, before.cachedPages, s.cachedPages);
            assertEquals(to + " " + s, 3 + 1, s.dirtyPages); // bytes 645..836: pages 10-13
        }
        for (int p = 0; p < 40; p++) {
            readPage(f, p);
        }
        cache.close(e.id());
        assertArrayEquals(content, Files.readAllBytes(file));
    }
}
