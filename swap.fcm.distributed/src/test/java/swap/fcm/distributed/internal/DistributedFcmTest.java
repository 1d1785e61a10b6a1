package swap.fcm.distributed.internal;

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

import org.junit.Test;

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
import swap.fcm.testkit.FcmContractTest;
import swap.fcm.testkit.FailingChannel;
import swap.kernel.StandaloneSource;

/** The distributed FCM on real files, through the engine and the file-cache service outside OSGi. */
public class DistributedFcmTest extends FcmContractTest {

    @Override
    protected void register(StandaloneSource source) {
        source.add(FileCacheManager.class, DistributedFcm.NAME, "1.0.0", () -> new DistributedFcm(4), FileCacheManager.CONCURRENCY, "distributed");
        source.add(FileCacheManager.class, "fcm.distributed.other", "1.0.0", () -> new DistributedFcm(4), FileCacheManager.CONCURRENCY, "distributed");
    }

    @Override
    protected String implementation() {
        return DistributedFcm.NAME;
    }

    @Test
    public void anIoErrorLeavesTheCacheConsistentAndARetryWorks() throws Exception {
        Path p = tmp.newFile().toPath();
        FailingChannel ch = new FailingChannel(FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE));
        DistributedFcm f = new DistributedFcm(1);
        f.importState(FcmFormats.PAGES, new PageSet(p, ch, 0, PAGE, 2, List.of()), null);
        byte[] data = bytes(3 * PAGE, 6);
        f.write(0, data, 0, 2 * PAGE);
        ch.failWrites = true;
        try {
            f.write(2 * PAGE, data, 2 * PAGE, PAGE); // needs an eviction, whose write-back fails
            fail();
        } catch (IOException expected) {
            // fine
        }
        assertEquals(2, f.stats().cachedPages);
        assertEquals(2, f.stats().dirtyPages);
        try {
            f.flush();
            fail();
        } catch (IOException expected) {
            // fine
        }
        try {
            f.close();
            fail();
        } catch (IOException expected) {
            // still open
        }
        assertArrayEquals(Arrays.copyOf(data, 2 * PAGE), readAll(f));
        ch.failWrites = false;
        f.write(2 * PAGE, data, 2 * PAGE, PAGE);
        f.close();
        assertArrayEquals(data, Files.readAllBytes(p));
    }

    @Test
    public void distributedToDistributedHandsThePartitionsOverByReferenceWithDirtyPagesAndStatistics() throws Exception {
        Path p = tmp.newFile().toPath();
        Entry<FileCacheManager> e = cache.open(p);
        FileCacheManager f = e.handle();
        byte[] data = bytes(3 * PAGE, 7);
        f.write(0, data, 0, data.length);
        readAll(f);
        FcmStats s0 = f.stats();
        SwapResult r = engine.swap(e.id(), "fcm.distributed.other", "test").toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals(r.toString(), SwapOutcome.COMPLETED, r.outcome);
        assertEquals(DistributedFcm.PARTITIONED.name(), r.format);
        assertEquals("fcm.distributed.other", e.describe().implementation);
        FcmStats s1 = f.stats();
        assertEquals(s0.hits, s1.hits);
        assertEquals(3, s1.dirtyPages);
        assertArrayEquals(data, readAll(f));
        cache.close(e.id());
        assertArrayEquals(data, Files.readAllBytes(p));
    }

    @Test
    public void theMapItselfIsWhatIsHandedOver() throws Exception {
        Path p = tmp.newFile().toPath();
        DistributedFcm a = new DistributedFcm(1);
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            a.importState(FcmFormats.PAGES, new PageSet(p, ch, 0, PAGE, BUDGET, List.of()), null);
            Object map = a.exportState(DistributedFcm.PARTITIONED);
            DistributedFcm b = new DistributedFcm(1);
            b.importState(DistributedFcm.PARTITIONED, map, null);
            assertSame(map, b.exportState(DistributedFcm.PARTITIONED));
        }
    }

    @Test
    public void pagesRoundTripWithDirtyPagesAndSeveralPartsAsADistributedFcmExportsThem() throws Exception {
        Path p = tmp.newFile().toPath();
        byte[] onDisk = bytes(4 * PAGE, 8);
        Files.write(p, onDisk);
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            // What a distributed FCM with 2 partitions exports: even pages in one part, odd in the other.
            byte[] p0 = bytes(PAGE, 9);
            byte[] p3 = bytes(PAGE, 10);
            byte[] p5 = bytes(PAGE, 11);
            List<List<Page>> parts = List.of(
                    List.of(new Page(0, p0, true), new Page(2, Arrays.copyOfRange(onDisk, 2 * PAGE, 3 * PAGE), false)),
                    List.of(new Page(3, p3, true), new Page(5, p5, true)));
            long size = 6 * PAGE;
            DistributedFcm a = new DistributedFcm(3);
            a.importState(FcmFormats.PAGES, new PageSet(p, ch, size, PAGE, 9, parts), null);
            assertEquals(4, a.stats().cachedPages);
            assertEquals(3, a.stats().dirtyPages);
            assertEquals(size, a.size());

            // Export to the canonical form and import into a fresh one: same pages, same dirt.
            PageSet exported = (PageSet) a.exportState(FcmFormats.PAGES);
            // One part per partition: page n in partition n % 3.
            assertEquals(3, exported.parts().size());
            assertEquals(List.of(0L, 3L), exported.parts().get(0).stream().map(Page::number).sorted().collect(java.util.stream.Collectors.toList()));
            assertEquals(List.of(), exported.parts().get(1));
            assertEquals(List.of(2L, 5L), exported.parts().get(2).stream().map(Page::number).sorted().collect(java.util.stream.Collectors.toList()));
            DistributedFcm b = new DistributedFcm(2);
            b.importState(FcmFormats.PAGES, exported, null);
            assertEquals(3, b.stats().dirtyPages);
            assertEquals(3, a.stats().dirtyPages); // export left the exporter intact

            byte[] expected = new byte[(int) size];
            System.arraycopy(onDisk, 0, expected, 0, onDisk.length);
            System.arraycopy(p0, 0, expected, 0, PAGE);
            System.arraycopy(p3, 0, expected, 3 * PAGE, PAGE);
            System.arraycopy(p5, 0, expected, 5 * PAGE, PAGE);
            assertArrayEquals(expected, readAll(b));
            b.flush();
            assertArrayEquals(expected, Files.readAllBytes(p));
        }
    }

    @Test
    public void anImportLargerThanTheBudgetIsTrimmedWritingDirtyPagesBack() throws Exception {
        Path p = tmp.newFile().toPath();
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            byte[] model = bytes(6 * PAGE, 13);
            List<Page> pages = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                pages.add(new Page(i, Arrays.copyOfRange(model, i * PAGE, (i + 1) * PAGE), true));
            }
            DistributedFcm f = new DistributedFcm(2);
            f.importState(FcmFormats.PAGES, new PageSet(p, ch, model.length, PAGE, 2, List.of(pages)), null);
            assertEquals(2, f.stats().cachedPages);
            assertEquals(2, f.stats().dirtyPages);
            assertEquals(4, f.stats().evictions);
            assertArrayEquals(model, readAll(f));
            f.close();
            assertArrayEquals(model, Files.readAllBytes(p));
        }
    }


    /**
     * Issue 15: with a budget of at least two chunks per partition, pages are dealt out in chunks of
     * {@link DistributedState#CHUNK_PAGES}; a read within one chunk takes one monitor for two pages.
     * Random reads and writes (across chunks and partitions, some longer than a write group) on a
     * file three times the budget, checked against a model, then flushed and compared on disk.
     */
    @Test
    public void chunkedPartitionsReadAndWriteLikeAModelUnderEvictions() throws Exception {
        Path p = tmp.newFile().toPath();
        int budget = 3 * 2 * 2 * DistributedState.CHUNK_PAGES; // 3 partitions of 32 pages: 4 chunks each
        byte[] model = bytes(3 * budget * PAGE, 21);
        Files.write(p, model);
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            DistributedFcm f = new DistributedFcm(3);
            f.importState(FcmFormats.PAGES, new PageSet(p, ch, model.length, PAGE, budget, List.of()), null);
            DistributedState st = f.stateForTest();
            assertEquals(1, st.partitionsSpanned(0, DistributedState.CHUNK_PAGES - 1));
            assertEquals(2, st.partitionsSpanned(DistributedState.CHUNK_PAGES - 1, DistributedState.CHUNK_PAGES));
            assertEquals(st.index(0), st.index(DistributedState.CHUNK_PAGES - 1));
            assertEquals(1, st.index(DistributedState.CHUNK_PAGES));
            assertTrue(st.writeGroupPages() >= DistributedState.CHUNK_PAGES && st.writeGroupPages() < budget);
            Random rnd = new Random(5);
            for (int i = 0; i < 20_000; i++) {
                int len = rnd.nextInt(10) == 0 ? rnd.nextInt(budget * PAGE + 1) : rnd.nextInt(3 * PAGE);
                int pos = rnd.nextInt(model.length - len + 1);
                if (rnd.nextInt(3) == 0) {
                    byte[] b = bytes(len, i);
                    f.write(pos, b, 0, len);
                    System.arraycopy(b, 0, model, pos, len);
                } else {
                    byte[] b = new byte[len];
                    assertEquals(len, f.read(pos, b, 0, len));
                    assertArrayEquals("read of " + len + " at " + pos, Arrays.copyOfRange(model, pos, pos + len), b);
                }
            }
            assertTrue(f.stats().cachedPages <= budget);
            assertTrue(f.stats().evictions > 0);
            assertArrayEquals(model, readAll(f));
            f.close();
            assertArrayEquals(model, Files.readAllBytes(p));
        }
    }

    /** Issue 15: two-page reads within a chunk (one monitor, copies outside it) never tear a page, under whole-chunk writes and evictions. */
    @Test
    public void readsWithinAChunkAreNeverTorn() throws Exception {
        Path p = tmp.newFile().toPath();
        int k = DistributedState.CHUNK_PAGES;
        int budget = 2 * 2 * k; // 2 partitions of 2 chunks
        Files.write(p, new byte[4 * budget * PAGE]);
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            DistributedFcm f = new DistributedFcm(2);
            f.importState(FcmFormats.PAGES, new PageSet(p, ch, 4L * budget * PAGE, PAGE, budget, List.of()), null);
            java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
            java.util.concurrent.atomic.AtomicReference<Throwable> failed = new java.util.concurrent.atomic.AtomicReference<>();
            List<Thread> threads = new ArrayList<>();
            threads.add(new Thread(() -> { // chunk 0 (pages 0..k-1), one value per write
                byte[] b = new byte[k * PAGE];
                for (int v = 0; running.get(); v++) {
                    Arrays.fill(b, (byte) v);
                    try {
                        f.write(0, b, 0, b.length);
                    } catch (Throwable e) {
                        failed.compareAndSet(null, e);
                    }
                }
            }));
            threads.add(new Thread(() -> { // misses elsewhere evict chunk 0's pages
                Random rnd = new Random(3);
                byte[] b = new byte[PAGE];
                while (running.get()) {
                    try {
                        f.read((long) (2 * k + rnd.nextInt(3 * budget)) * PAGE, b, 0, PAGE);
                    } catch (Throwable e) {
                        failed.compareAndSet(null, e);
                    }
                }
            }));
            for (int r = 0; r < 2; r++) {
                int seed = r;
                threads.add(new Thread(() -> {
                    Random rnd = new Random(seed);
                    byte[] b = new byte[PAGE];
                    while (running.get()) {
                        try {
                            int pos = rnd.nextInt((k - 1) * PAGE);
                            assertEquals(PAGE, f.read(pos, b, 0, PAGE));
                            int split = PAGE - pos % PAGE; // atomic per page only, as every distributed read
                            for (int i = 1; i < PAGE; i++) {
                                if (i != split && b[i] != b[i - 1]) {
                                    throw new AssertionError("torn read at " + pos + ", byte " + i);
                                }
                            }
                        } catch (Throwable e) {
                            failed.compareAndSet(null, e);
                        }
                    }
                }));
            }
            race(threads, running, failed, 1500);
            assertTrue(f.stats().evictions > 100);
            f.close();
        }
    }

    @Test
    public void theDefaultPartitionCountIsTwiceTheProcessorsRoundedUpToAPowerOfTwo() {
        assertEquals(2, DistributedFcm.defaultPartitions(1));
        assertEquals(4, DistributedFcm.defaultPartitions(2));
        assertEquals(8, DistributedFcm.defaultPartitions(3));
        assertEquals(64, DistributedFcm.defaultPartitions(32));
    }

    @Test
    public void aLargeCanonicalStateIsImportedInParallelOnTheContextsExecutor() throws Exception {
        Path p = tmp.newFile().toPath();
        int pages = 1000;
        java.util.Set<String> workers = java.util.concurrent.ConcurrentHashMap.newKeySet();
        java.util.concurrent.atomic.AtomicInteger tasks = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        TransferContext ctx = new TransferContext() {
            @Override
            public java.util.concurrent.Executor executor() {
                return r -> pool.execute(() -> {
                    tasks.incrementAndGet();
                    workers.add(Thread.currentThread().getName());
                    r.run();
                });
            }

            @Override
            public int parallelism() {
                return 4;
            }

            @Override
            public long entryId() {
                return 0;
            }
        };
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            // One part, as a shared FCM exports it: cut into slices for the workers.
            List<Page> one = new ArrayList<>();
            byte[] model = new byte[pages * PAGE];
            for (int i = 0; i < pages; i++) {
                byte[] b = bytes(PAGE, 100 + i);
                System.arraycopy(b, 0, model, i * PAGE, PAGE);
                one.add(new Page(i, b, i % 3 != 0));
            }
            DistributedFcm f = new DistributedFcm(8);
            f.importState(FcmFormats.PAGES, new PageSet(p, ch, model.length, PAGE, 2 * pages, List.of(one)), ctx);
            assertTrue("tasks: " + tasks, tasks.get() >= 4);
            assertEquals(pages, f.stats().cachedPages);
            assertEquals(pages - (pages + 2) / 3, f.stats().dirtyPages);
            assertEquals(0, f.stats().misses);
            assertArrayEquals(model, readAll(f));
            assertEquals(0, f.stats().misses);

            // Its export, one part per partition, imported in parallel into a different partition count.
            PageSet exported = (PageSet) f.exportState(FcmFormats.PAGES);
            assertEquals(8, exported.parts().size());
            tasks.set(0);
            DistributedFcm g = new DistributedFcm(5);
            g.importState(FcmFormats.PAGES, exported, ctx);
            assertTrue("tasks: " + tasks, tasks.get() >= 8);
            assertEquals(f.stats().dirtyPages, g.stats().dirtyPages);
            assertArrayEquals(model, readAll(g));
            g.close();
            // Only the dirty pages were written; the clean ones (never on disk here) read back as zeros.
            byte[] disk = Files.readAllBytes(p);
            for (int i = 0; i < pages; i++) {
                byte[] expected = i % 3 != 0 ? Arrays.copyOfRange(model, i * PAGE, (i + 1) * PAGE) : new byte[PAGE];
                assertArrayEquals("page " + i, expected, Arrays.copyOfRange(disk, i * PAGE, (i + 1) * PAGE));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Override
    protected StateFormat<?> byReferenceFormat() {
        return DistributedFcm.PARTITIONED;
    }
}
