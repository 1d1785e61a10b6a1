package swap.fcm.testkit;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import swap.api.Entry;
import swap.api.StateFormat;
import swap.api.StatefulComponent;
import swap.api.SwapException;
import swap.api.SwapOutcome;
import swap.api.SwapResult;
import swap.api.TransferContext;
import swap.api.fcm.FcmFormats;
import swap.api.fcm.FcmFormats.Page;
import swap.api.fcm.FcmFormats.PageSet;
import swap.api.fcm.FcmStats;
import swap.api.fcm.FileCacheManager;
import swap.kernel.Engine;
import swap.kernel.StandaloneSource;
import swap.core.fcm.FileCacheService;

/**
 * The file-cache contract, tested the same way on every FCM implementation: on real files,
 * through the engine and the file-cache service outside OSGi. An implementation's test extends it,
 * registers its implementations ({@link #register}) and adds its own tests.
 */
public abstract class FcmContractTest {

    protected static final int PAGE = 64;
    protected static final int BUDGET = 4;

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    protected Engine engine;
    protected FileCacheService cache;

    /** Registers the implementation under test ({@link #implementation()}) and any others its tests swap to. */
    protected abstract void register(StandaloneSource source);

    /** @return the name new files open with */
    protected abstract String implementation();

    /** @return the name of a second registration of the same implementation ({@link #register} adds it) */
    protected String otherImplementation() {
        return implementation() + ".other";
    }

    /**
     * @return the implementations {@link #manySwapsUnderConcurrentWritersLoseNothing} swaps the
     *         file to in turn, under load (all registered by {@link #register}; by default the
     *         other registration, the implementation itself and {@code fcm.broken}, whose import fails)
     */
    protected String[] swapTargets() {
        return new String[] {otherImplementation(), implementation(), "fcm.broken"};
    }

    /** @return the implementation's own by-reference format, which {@code fcm.broken} lists first */
    protected abstract StateFormat<?> byReferenceFormat();

    @Before
    public void setUp() {
        StandaloneSource source = new StandaloneSource();
        register(source);
        source.add(FileCacheManager.class, "fcm.broken", "1.0.0", () -> new BrokenImport(byReferenceFormat()));
        engine = new Engine(source);
        cache = new FileCacheService(engine, PAGE, BUDGET, implementation());
    }

    @After
    public void tearDown() {
        cache.closeAll();
        engine.shutdown();
    }

    protected static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /**
     * Starts {@code threads}, lets them run for {@code millis}, clears {@code running}, joins them
     * and rethrows the first error one of them left in {@code failed}.
     */
    protected static void race(List<Thread> threads, java.util.concurrent.atomic.AtomicBoolean running,
            java.util.concurrent.atomic.AtomicReference<Throwable> failed, long millis) throws InterruptedException {
        threads.forEach(Thread::start);
        Thread.sleep(millis);
        running.set(false);
        for (Thread t : threads) {
            t.join();
        }
        if (failed.get() != null) {
            throw new AssertionError(failed.get());
        }
    }

    protected static byte[] readAll(FileCacheManager f) throws IOException {
        byte[] b = new byte[(int) f.size()];
        int done = 0;
        while (done < b.length) {
            int r = f.read(done, b, done, b.length - done);
            assertTrue("read returned " + r, r > 0);
            done += r;
        }
        return b;
    }

    @Test
    public void writesAcrossPagesReadBackAndReachTheDiskOnFlush() throws Exception {
        Path p = tmp.newFile().toPath();
        Entry<FileCacheManager> e = cache.open(p);
        FileCacheManager f = e.handle();
        assertEquals(PAGE, f.pageSize());
        assertEquals(p.toAbsolutePath(), f.path());
        byte[] data = bytes(3 * PAGE + 10, 1);
        f.write(5, data, 0, data.length);
        assertEquals(5 + data.length, f.size());
        byte[] back = new byte[data.length];
        assertEquals(data.length, f.read(5, back, 0, back.length));
        assertArrayEquals(data, back);
        assertEquals(0, Files.size(p)); // not flushed yet, nothing evicted (4 pages, budget 4)
        f.flush();
        byte[] expected = new byte[5 + data.length];
        System.arraycopy(data, 0, expected, 5, data.length);
        assertArrayEquals(expected, Files.readAllBytes(p));
        assertEquals(0, f.stats().dirtyPages);
        cache.close(e.id());
    }

    @Test
    public void readsOfAnExistingFileMissThenHitAndStopAtTheEnd() throws Exception {
        Path p = tmp.newFile().toPath();
        byte[] data = bytes(2 * PAGE + 7, 2);
        Files.write(p, data);
        FileCacheManager f = cache.open(p).handle();
        assertArrayEquals(data, readAll(f));
        FcmStats s = f.stats();
        assertEquals(3, s.misses);
        assertEquals(3, s.cachedPages);
        readAll(f);
        assertEquals(3, f.stats().hits);
        byte[] b = new byte[100];
        assertEquals(-1, f.read(data.length, b, 0, 10));
        assertEquals(-1, f.read(data.length + 1000, b, 0, 10));
        assertEquals(3, f.read(data.length - 3, b, 0, 100));
        assertEquals(0, f.read(0, b, 0, 0));
    }

    @Test
    public void aMissingFileIsReportedAndCreateMakesIt() throws Exception {
        Path p = tmp.getRoot().toPath().resolve("missing");
        try {
            cache.open(p);
            fail();
        } catch (NoSuchFileException expected) {
            // fine
        }
        assertTrue(cache.openEntries().isEmpty());
        Entry<FileCacheManager> e = cache.create(p);
        assertTrue(Files.exists(p));
        assertEquals(0, e.handle().size());
        try {
            cache.open(p);
            fail("a second open of the same file");
        } catch (IOException expected) {
            assertTrue(expected.getMessage(), expected.getMessage().contains("already open"));
        }
    }

    /** @return whether a read spanning pages is atomic with respect to writes (the shared FCM: yes; the distributed one: per page only) */
    protected boolean readsAreAtomicAcrossPages() {
        return false;
    }

    /**
     * Issue 15: reads copy the bytes after releasing the lock and check the page's stamp. Under
     * writers of whole pages, and a third thread whose misses evict the written pages (dirty, so
     * written back) all the time, no read ever returns a torn page (nor, where reads are atomic,
     * two pages from different writes).
     */
    @Test
    public void readsNeverSeeATornPageUnderConcurrentWritesAndEvictions() throws Exception {
        Path p = tmp.newFile().toPath();
        Files.write(p, new byte[8 * PAGE]);
        FileCacheManager f = cache.open(p).handle();
        java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.concurrent.atomic.AtomicReference<Throwable> failed = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicLong reads = new java.util.concurrent.atomic.AtomicLong();
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < 2; w++) {
            int seed = w;
            threads.add(new Thread(() -> { // pages 0-3, one value, one write (within a write group: atomic)
                byte[] b = new byte[BUDGET * PAGE];
                for (int v = seed; running.get(); v += 2) {
                    Arrays.fill(b, (byte) v);
                    try {
                        f.write(0, b, 0, b.length);
                    } catch (Throwable e) {
                        failed.compareAndSet(null, e);
                    }
                }
            }));
        }
        threads.add(new Thread(() -> { // misses on pages 4-7 evict pages 0-3
            Random rnd = new Random(7);
            byte[] b = new byte[PAGE];
            while (running.get()) {
                try {
                    f.read((long) (BUDGET + rnd.nextInt(4)) * PAGE, b, 0, PAGE);
                } catch (Throwable e) {
                    failed.compareAndSet(null, e);
                }
            }
        }));
        for (int r = 0; r < 2; r++) {
            int seed = 10 + r;
            threads.add(new Thread(() -> {
                Random rnd = new Random(seed);
                byte[] b = new byte[PAGE];
                while (running.get()) {
                    try {
                        int pos = rnd.nextInt((BUDGET - 1) * PAGE);
                        int n = f.read(pos, b, 0, PAGE);
                        if (n != PAGE) {
                            throw new AssertionError("read " + n + " bytes at " + pos);
                        }
                        int split = PAGE - pos % PAGE;
                        for (int i = 1; i < n; i++) {
                            boolean sameRun = i != split || readsAreAtomicAcrossPages();
                            if (sameRun && b[i] != b[i - 1]) {
                                throw new AssertionError("torn read at " + pos + ": byte " + i + " is " + b[i] + ", byte " + (i - 1) + " is " + b[i - 1]
                                        + " (page boundary at " + split + ")");
                            }
                        }
                        reads.incrementAndGet();
                    } catch (Throwable e) {
                        failed.compareAndSet(null, e);
                    }
                }
            }));
        }
        race(threads, running, failed, 1500);
        assertTrue("reads: " + reads.get(), reads.get() > 100);
        assertTrue("evictions: " + f.stats().evictions, f.stats().evictions > 100);
    }

    /**
     * A read that reaches the end of a growing file sees the size and the bytes of one moment: a
     * writer appends 40 bytes of value v at 20 bytes before the end (overwriting the last 20, so
     * that the last 40 bytes of the file always hold one value) while readers read to the end. A
     * read that took the size before an append and the bytes after it would end with 20 bytes of
     * the new value after 20 of the old one. (Reads of cached pages take no lock: this checks that
     * they check the size again.) Checked where reads are atomic: a distributed FCM's read under its
     * locks goes page by page with the size taken before the first, as {@code pread} does, so it
     * may end where the file ended when it began, with the bytes written since.
     */
    @Test
    public void aReadToTheEndOfAGrowingFileSeesOneAppendOrTheNext() throws Exception {
        Path p = tmp.newFile().toPath();
        FileCacheManager f = cache.open(p).handle();
        f.write(0, new byte[40], 0, 40);
        java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.concurrent.atomic.AtomicReference<Throwable> failed = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicLong checked = new java.util.concurrent.atomic.AtomicLong();
        List<Thread> threads = new ArrayList<>();
        threads.add(new Thread(() -> {
            byte[] b = new byte[40];
            try {
                for (int v = 1; running.get() && f.size() < 4_000_000; v++) {
                    Arrays.fill(b, (byte) v);
                    f.write(f.size() - 20, b, 0, 40);
                }
            } catch (Throwable e) {
                failed.compareAndSet(null, e);
            }
        }));
        for (int r = 0; r < 2; r++) {
            int seed = 20 + r;
            threads.add(new Thread(() -> {
                Random rnd = new Random(seed);
                byte[] b = new byte[PAGE];
                while (running.get()) {
                    try {
                        long pos = Math.max(0, f.size() - 1 - rnd.nextInt(60));
                        int n = f.read(pos, b, 0, PAGE);
                        if (n >= 40 && n < PAGE) { // reached the end: its last 40 bytes are one append's
                            for (int i = n - 39; i < n && readsAreAtomicAcrossPages(); i++) {
                                if (b[i] != b[i - 1]) {
                                    throw new AssertionError("read of " + n + " bytes at " + pos + " to the end: byte " + i + " is " + b[i]
                                            + ", byte " + (i - 1) + " is " + b[i - 1]);
                                }
                            }
                            checked.incrementAndGet();
                        }
                    } catch (Throwable e) {
                        failed.compareAndSet(null, e);
                    }
                }
            }));
        }
        race(threads, running, failed, 1500);
        assertTrue("reads to the end checked: " + checked.get(), checked.get() > 100);
    }

    @Test
    public void evictionWritesDirtyPagesBackAndKeepsTheBudget() throws Exception {
        Path p = tmp.newFile().toPath();
        FileCacheManager f = cache.open(p).handle();
        byte[] data = bytes(10 * PAGE, 3);
        for (int i = 0; i < 10; i++) {
            f.write((long) i * PAGE, data, i * PAGE, PAGE);
        }
        FcmStats s = f.stats();
        assertEquals(BUDGET, s.cachedPages);
        assertEquals(6, s.evictions);
        assertEquals(BUDGET, s.dirtyPages);
        // The evicted (eldest) pages are on disk already.
        byte[] disk = Files.readAllBytes(p);
        assertEquals(6 * PAGE, disk.length);
        assertArrayEquals(Arrays.copyOf(data, 6 * PAGE), disk);
        assertArrayEquals(data, readAll(f));
        f.flush();
        assertArrayEquals(data, Files.readAllBytes(p));
    }

    /** An entry of the implementation under test bound to {@code channel} (e.g. a {@link FailingChannel}), budget {@link #BUDGET}. */
    protected Entry<FileCacheManager> openOn(Path p, FileChannel channel, FcmStats carried) throws IOException {
        return engine.create(FileCacheManager.class, implementation(), FcmFormats.PAGES,
                new PageSet(p, channel, channel.size(), PAGE, BUDGET, List.of(), carried));
    }

    @Test
    public void aMultiPageWriteThatFailsPartWayOnAWriteBackChangesNothingAndReportsTheError() throws Exception {
        Path p = tmp.newFile().toPath();
        FailingChannel ch = new FailingChannel(FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE));
        FileCacheManager f = openOn(p, ch, null).handle();
        byte[] data = bytes(BUDGET * PAGE, 11);
        for (int i = 0; i < BUDGET; i++) {
            f.write((long) i * PAGE, data, i * PAGE, PAGE); // every page cached and dirty: the cache is full
        }
        ch.failWrites = true;
        // Spans the last cached page and a new one, whose room needs an eviction: its write-back fails.
        byte[] more = bytes(PAGE, 12);
        long at = (long) (BUDGET - 1) * PAGE + 10;
        try {
            f.write(at, more, 0, PAGE);
            fail("the write-back of the evicted page was made to fail");
        } catch (IOException expected) {
            assertTrue(expected.getMessage(), expected.getMessage().startsWith("injected"));
        }
        assertEquals("the size is unchanged", BUDGET * PAGE, f.size());
        assertArrayEquals("no byte of the failed write reached the cache", data, readAll(f));
        assertEquals(BUDGET, f.stats().cachedPages);
        ch.failWrites = false;
        f.write(at, more, 0, PAGE); // a retry works
        f.flush();
        byte[] expected = Arrays.copyOf(data, (int) at + PAGE);
        System.arraycopy(more, 0, expected, (int) at, PAGE);
        assertArrayEquals(expected, Files.readAllBytes(p));
        f.close();
    }

    @Test
    public void aMultiPageWriteThatFailsPartWayOnARead() throws Exception {
        Path p = tmp.newFile().toPath();
        byte[] data = bytes(BUDGET * PAGE, 13);
        Files.write(p, data);
        FailingChannel ch = new FailingChannel(FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE));
        FileCacheManager f = openOn(p, ch, null).handle();
        f.read(PAGE, new byte[PAGE], 0, PAGE); // page 1 cached, page 2 not
        ch.failReads = true;
        byte[] more = bytes(PAGE, 14);
        try {
            f.write(PAGE + 10, more, 0, PAGE); // ends within page 2, which must be read first: fails
            fail("the read of page 2 was made to fail");
        } catch (IOException expected) {
            assertTrue(expected.getMessage(), expected.getMessage().startsWith("injected"));
        }
        ch.failReads = false;
        assertArrayEquals("no byte of the failed write reached the cache", data, readAll(f));
        assertEquals(0, f.stats().dirtyPages);
        f.close();
        assertArrayEquals(data, Files.readAllBytes(p));
    }

    @Test
    public void statisticsCarriedInTheCanonicalStateSurviveTheImport() throws Exception {
        Path p = tmp.newFile().toPath();
        FcmStats carried = new FcmStats();
        carried.hits = 5;
        carried.misses = 3;
        carried.evictions = 2;
        FileCacheManager f = openOn(p, FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE), carried).handle();
        FcmStats s = f.stats();
        assertEquals(5, s.hits);
        assertEquals(3, s.misses);
        assertEquals(2, s.evictions);
        f.write(0, new byte[1], 0, 1);
        assertEquals(4, f.stats().misses);
        f.close();
    }

    @Test
    public void truncateDropsPagesAndAGapReadsAsZeros() throws Exception {
        Path p = tmp.newFile().toPath();
        FileCacheManager f = cache.open(p).handle();
        byte[] data = bytes(5 * PAGE, 4);
        f.write(0, data, 0, data.length);
        f.truncate(PAGE + 10);
        assertEquals(PAGE + 10, f.size());
        assertEquals(-1, f.read(PAGE + 10, new byte[1], 0, 1));
        f.truncate(10_000); // larger: nothing
        assertEquals(PAGE + 10, f.size());
        byte[] tail = bytes(5, 5);
        f.write(3 * PAGE, tail, 0, tail.length);
        byte[] expected = new byte[3 * PAGE + 5];
        System.arraycopy(data, 0, expected, 0, PAGE + 10);
        System.arraycopy(tail, 0, expected, 3 * PAGE, 5);
        assertArrayEquals(expected, readAll(f));
        f.flush();
        assertArrayEquals(expected, Files.readAllBytes(p));
        f.truncate(0);
        assertEquals(0, f.size());
        assertEquals(0, f.stats().cachedPages);
        assertEquals(0, Files.size(p));
    }

    @Test
    public void aClosedFcmThrowsClosedChannelExceptionAndCloseReleasesTheEntry() throws Exception {
        Path p = tmp.newFile().toPath();
        Entry<FileCacheManager> e = cache.open(p);
        FileCacheManager f = e.handle();
        f.write(0, new byte[] {1, 2, 3}, 0, 3);
        f.close();
        for (ThrowingCall c : List.<ThrowingCall>of(() -> f.read(0, new byte[1], 0, 1), () -> f.write(0, new byte[1], 0, 1),
                f::size, () -> f.truncate(0), f::flush, f::close)) {
            try {
                c.run();
                fail();
            } catch (ClosedChannelException expected) {
                // fine
            }
        }
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(p));
        cache.close(e.id()); // closed through the handle: only releases the entry
        assertTrue(engine.entry(e.id()).isEmpty());
        try {
            cache.close(e.id());
            fail();
        } catch (SwapException expected) {
            // fine
        }
        // The file can be opened again.
        Entry<FileCacheManager> again = cache.open(p);
        assertEquals(3, again.handle().size());
        cache.close(again.id());
    }

    interface ThrowingCall {
        void run() throws Exception;
    }

    @Test
    public void aFailingImportRollsBackAndTheOldFcmKeepsItsDirtyPages() throws Exception {
        Path p = tmp.newFile().toPath();
        Entry<FileCacheManager> e = cache.open(p);
        FileCacheManager f = e.handle();
        byte[] data = bytes(2 * PAGE + 3, 12);
        f.write(0, data, 0, data.length);
        SwapResult r = engine.swap(e.id(), "fcm.broken", "test").toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals(r.toString(), SwapOutcome.ROLLED_BACK, r.outcome);
        assertEquals(implementation(), e.describe().implementation);
        assertEquals(3, f.stats().dirtyPages);
        assertArrayEquals(data, readAll(f));
        cache.close(e.id());
        assertArrayEquals(data, Files.readAllBytes(p));
    }

    @Test
    public void manySwapsUnderConcurrentWritersLoseNothing() throws Exception {
        Path p = tmp.newFile().toPath();
        Entry<FileCacheManager> e = cache.open(p);
        FileCacheManager f = e.handle();
        int threads = 3;
        int region = 5 * PAGE + 17; // regions share pages at their borders
        byte[] model = new byte[threads * region];
        List<Thread> writers = new ArrayList<>();
        List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread th = new Thread(() -> {
                Random rnd = new Random(id);
                try {
                    byte[] all = new byte[region];
                    rnd.nextBytes(all);
                    f.write((long) id * region, all, 0, region);
                    System.arraycopy(all, 0, model, id * region, region);
                    for (int i = 0; i < 3000; i++) {
                        int off = rnd.nextInt(region);
                        int len = 1 + rnd.nextInt(region - off);
                        byte[] b = new byte[len];
                        rnd.nextBytes(b);
                        f.write((long) id * region + off, b, 0, len);
                        System.arraycopy(b, 0, model, id * region + off, len);
                    }
                } catch (Throwable ex) {
                    errors.add(ex);
                }
            });
            writers.add(th);
            th.start();
        }
        String[] targets = swapTargets();
        int i = 0;
        while (writers.stream().anyMatch(Thread::isAlive)) {
            SwapResult r = engine.swap(e.id(), targets[i++ % targets.length], "churn").toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertTrue(r.toString(), r.outcome != SwapOutcome.FAILED);
        }
        for (Thread th : writers) {
            th.join();
        }
        assertTrue(errors.toString(), errors.isEmpty());
        cache.close(e.id());
        byte[] disk = Files.readAllBytes(p);
        assertEquals(model.length, disk.length);
        assertArrayEquals(model, disk);
    }

    /**
     * A test-only FCM whose import always fails: swaps to it roll back. It lists the
     * implementation's own by-reference format first among its imports, so that negotiation picks
     * the format the implementation prefers.
     */
    public static final class BrokenImport implements FileCacheManager, StatefulComponent {
        private final StateFormat<?> preferred;

        public BrokenImport(StateFormat<?> preferred) {
            this.preferred = preferred;
        }

        @Override
        public List<StateFormat<?>> exportFormats() {
            return List.of(FcmFormats.PAGES);
        }

        @Override
        public List<StateFormat<?>> importFormats() {
            return List.of(preferred, FcmFormats.PAGES);
        }

        @Override
        public Object exportState(StateFormat<?> format) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void importState(StateFormat<?> format, Object state, TransferContext context) throws IOException {
            throw new IOException("injected import failure");
        }

        @Override
        public Path path() {
            throw new UnsupportedOperationException();
        }

        @Override
        public int pageSize() {
            throw new UnsupportedOperationException();
        }

        @Override
        public int read(long position, byte[] buffer, int offset, int length) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void write(long position, byte[] buffer, int offset, int length) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long size() {
            throw new UnsupportedOperationException();
        }

        @Override
        public void truncate(long size) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void flush() {
            throw new UnsupportedOperationException();
        }

        @Override
        public void close() {
            throw new UnsupportedOperationException();
        }

        @Override
        public FcmStats stats() {
            throw new UnsupportedOperationException();
        }
    }
}
