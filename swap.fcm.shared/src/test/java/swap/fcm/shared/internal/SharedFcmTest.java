package swap.fcm.shared.internal;

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

/** The shared FCM on real files, through the engine and the file-cache service outside OSGi. */
public class SharedFcmTest extends FcmContractTest {

    @Override
    protected void register(StandaloneSource source) {
        source.add(FileCacheManager.class, SharedFcm.NAME, "1.0.0", SharedFcm::new, FileCacheManager.CONCURRENCY, "shared");
        source.add(FileCacheManager.class, "fcm.shared.other", "1.0.0", SharedFcm::new, FileCacheManager.CONCURRENCY, "shared");
    }

    @Override
    protected String implementation() {
        return SharedFcm.NAME;
    }

    @Override
    protected boolean readsAreAtomicAcrossPages() {
        return true;
    }

    @Test
    public void anIoErrorLeavesTheCacheConsistentAndARetryWorks() throws Exception {
        Path p = tmp.newFile().toPath();
        FailingChannel ch = new FailingChannel(FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE));
        SharedFcm f = new SharedFcm();
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
    public void sharedToSharedHandsTheMapOverByReferenceWithDirtyPagesAndStatistics() throws Exception {
        Path p = tmp.newFile().toPath();
        Entry<FileCacheManager> e = cache.open(p);
        FileCacheManager f = e.handle();
        byte[] data = bytes(3 * PAGE, 7);
        f.write(0, data, 0, data.length);
        readAll(f);
        FcmStats s0 = f.stats();
        SwapResult r = engine.swap(e.id(), "fcm.shared.other", "test").toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals(r.toString(), SwapOutcome.COMPLETED, r.outcome);
        assertEquals(SharedFcm.MAP.name(), r.format);
        assertEquals("fcm.shared.other", e.describe().implementation);
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
        SharedFcm a = new SharedFcm();
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            a.importState(FcmFormats.PAGES, new PageSet(p, ch, 0, PAGE, BUDGET, List.of()), null);
            Object map = a.exportState(SharedFcm.MAP);
            SharedFcm b = new SharedFcm();
            b.importState(SharedFcm.MAP, map, null);
            assertSame(map, b.exportState(SharedFcm.MAP));
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
            SharedFcm a = new SharedFcm();
            a.importState(FcmFormats.PAGES, new PageSet(p, ch, size, PAGE, 8, parts), null);
            assertEquals(4, a.stats().cachedPages);
            assertEquals(3, a.stats().dirtyPages);
            assertEquals(size, a.size());

            // Export to the canonical form and import into a fresh one: same pages, same dirt.
            PageSet exported = (PageSet) a.exportState(FcmFormats.PAGES);
            assertEquals(1, exported.parts().size());
            assertEquals(4, exported.parts().get(0).size());
            SharedFcm b = new SharedFcm();
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
            SharedFcm f = new SharedFcm();
            f.importState(FcmFormats.PAGES, new PageSet(p, ch, model.length, PAGE, 2, List.of(pages)), null);
            assertEquals(2, f.stats().cachedPages);
            assertEquals(2, f.stats().dirtyPages);
            assertEquals(4, f.stats().evictions);
            assertArrayEquals(model, readAll(f));
            f.close();
            assertArrayEquals(model, Files.readAllBytes(p));
        }
    }

    @Override
    protected StateFormat<?> byReferenceFormat() {
        return SharedFcm.MAP;
    }
}
