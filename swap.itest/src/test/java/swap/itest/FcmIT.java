package swap.itest;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;

import swap.api.Entry;
import swap.api.ImplementationDTO;
import swap.api.SwapManager;
import swap.api.SwapOutcome;
import swap.api.SwapResult;
import swap.api.fcm.FcmStats;
import swap.api.fcm.FileCache;
import swap.api.fcm.FileCacheManager;

/**
 * Both FCM bundles and the file-cache service in a real Felix framework: files open with the
 * configured initial implementation, state (dirty pages included) moves shared -> distributed ->
 * shared in the canonical format and shared -> shared by reference, errors are clear, and stopping
 * an FCM bundle moves its open files to the other implementation with nothing lost.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class FcmIT extends PlatformTestSupport {

    static final String SHARED = "(concurrency=shared)";
    static final String DISTRIBUTED = "(concurrency=distributed)";

    private SwapManager manager;
    private FileCache files;
    private Path dir;

    @Before
    public void setUp() throws Exception {
        autonomicSwaps(false);
        wayBack(context, false);
        manager = (SwapManager) awaitService(SwapManager.class.getName(), 10_000);
        files = (FileCache) awaitService(FileCache.class.getName(), 10_000);
        awaitImplementations(manager, "fcm.shared", "fcm.distributed");
        dir = Files.createTempDirectory("fcm-it");
    }

    @After
    public void tearDown() throws Exception {
        autonomicSwaps(true);
        wayBack(context, true);
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** Turns the distributed FCM's object trigger (the way back) on or off (PID swap.fcm.distributed, self.swap) and waits until it has. */
    static void wayBack(org.osgi.framework.BundleContext context, boolean on) throws Exception {
        org.osgi.framework.ServiceReference<org.osgi.service.cm.ConfigurationAdmin> ref = context.getServiceReference(org.osgi.service.cm.ConfigurationAdmin.class);
        org.osgi.service.cm.ConfigurationAdmin ca = context.getService(ref);
        try {
            org.osgi.service.cm.Configuration c = ca.getConfiguration("swap.fcm.distributed", "?");
            java.util.Dictionary<String, Object> d = c.getProperties() == null ? new java.util.Hashtable<>() : c.getProperties();
            d.put("self.swap", String.valueOf(on));
            c.update(d);
        } finally {
            context.ungetService(ref);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String filter = "(&(swap.impl.name=fcm.distributed)(self.swap=" + on + "))";
        while (context.getServiceReferences(FileCacheManager.class.getName(), filter) == null) {
            if (System.nanoTime() > deadline) {
                fail("the distributed FCM did not take self.swap=" + on + " within 10 s");
            }
            Thread.sleep(20);
        }
    }

    /** {@code threads} new threads reading and writing {@code f} for {@code millis}. */
    static void load(FileCacheManager f, int threads, long millis) throws InterruptedException {
        java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.List<Thread> l = new java.util.ArrayList<>();
        java.util.concurrent.atomic.AtomicReference<Throwable> failed = new java.util.concurrent.atomic.AtomicReference<>();
        for (int t = 0; t < threads; t++) {
            int seed = t;
            Thread th = new Thread(() -> {
                Random rnd = new Random(seed);
                byte[] b = new byte[4096];
                try {
                    while (running.get()) {
                        f.read(rnd.nextInt(60_000), b, 0, b.length);
                        f.write(rnd.nextInt(60_000), b, 0, 100);
                    }
                } catch (Throwable ex) {
                    failed.set(ex);
                }
            });
            l.add(th);
            th.start();
        }
        Thread.sleep(millis);
        running.set(false);
        for (Thread th : l) {
            th.join();
        }
        if (failed.get() != null) {
            throw new AssertionError("a load thread failed", failed.get());
        }
    }

    /** Loads {@code f} with {@code threads} threads, {@code millis} at a time, until its implementation is {@code name} (at most 20 s). */
    static void loadUntil(Entry<FileCacheManager> e, int threads, long millis, String name) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!name.equals(e.describe().implementation) && System.nanoTime() < deadline) {
            load(e.handle(), threads, millis);
        }
        assertEquals("after 20 s of a " + threads + "-thread load", name, e.describe().implementation);
    }

    /**
     * The object trigger both ways, with both real FCMs: many threads move a file to the
     * distributed FCM, one thread alone brings it back, and a load alternating between one and
     * four threads every 150 ms (shorter than the way back's quiet time) does not flap.
     */
    @Test
    public void theObjectTriggerFollowsTheLoadBothWaysWithoutFlapping() throws Exception {
        autonomicSwaps(true);
        wayBack(context, true);
        Path p = dir.resolve("both-ways");
        Files.write(p, new byte[64 * 1024]);
        Entry<FileCacheManager> e = files.open(p);
        assertEquals("fcm.shared", e.describe().implementation);
        loadUntil(e, 4, 500, "fcm.distributed");
        assertEquals(1, e.describe().swaps);
        for (int i = 0; i < 10; i++) {
            load(e.handle(), 1, 150);
            load(e.handle(), 4, 150);
        }
        assertEquals("no flapping under a load alternating every 150 ms", 1, e.describe().swaps);
        assertEquals("fcm.distributed", e.describe().implementation);
        loadUntil(e, 1, 1000, "fcm.shared");
        assertEquals(2, e.describe().swaps);
        assertEquals(0, e.describe().failures);
        assertTrue(e.describe().lastSwap.reason, e.describe().lastSwap.reason.startsWith("fcm.distributed: one thread alone"));
        files.close(e.id());
    }

    /**
     * Issue 12, point 6, in the framework: with swap.fcm.distributed stopped, a shared FCM under a
     * 2-thread load sends no request at all (it finds no target and backs off: no failed swap, no
     * warning); once the bundle is started again, DS tells the shared FCM, which asks at once.
     */
    @Test
    public void withTheDistributedBundleStoppedTheSharedFcmDoesNotStormAndAsksWhenItComesBack() throws Exception {
        autonomicSwaps(true);
        Path p = dir.resolve("no-storm");
        Files.write(p, new byte[64 * 1024]);
        Entry<FileCacheManager> e = files.open(p);
        Bundle distributed = installedBundle("swap.fcm.distributed");
        int failedBefore = failed(manager);
        distributed.stop();
        try {
            load(e.handle(), 2, 5000);
            assertEquals("fcm.shared", e.describe().implementation);
            assertEquals(0, e.describe().swaps);
            assertEquals(0, e.describe().failures);
            assertEquals("failed swaps recorded while no target existed", failedBefore, failed(manager));
        } finally {
            distributed.start();
        }
        awaitImplementations(manager, "fcm.distributed");
        loadUntil(e, 2, 500, "fcm.distributed");
        assertEquals(1, e.describe().swaps);
        files.close(e.id());
    }

    private static int failed(SwapManager m) {
        int n = 0;
        for (SwapResult r : m.history(100_000)) {
            if (r.outcome == SwapOutcome.FAILED) {
                n++;
            }
        }
        return n;
    }

    static void awaitImplementations(SwapManager manager, String... names) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            int found = 0;
            for (String n : names) {
                for (ImplementationDTO d : manager.implementations(FileCacheManager.class.getName())) {
                    if (d.name.equals(n)) {
                        found++;
                        break;
                    }
                }
            }
            if (found == names.length) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("FCM implementations " + String.join(", ", names) + " did not all appear in 10 s: "
                        + manager.implementations(FileCacheManager.class.getName()));
            }
            Thread.sleep(20);
        }
    }

    private static byte[] readAll(FileCacheManager f) throws IOException {
        byte[] b = new byte[(int) f.size()];
        int done = 0;
        while (done < b.length) {
            done += f.read(done, b, done, b.length - done);
        }
        return b;
    }

    private SwapResult swap(long id, String target) throws Exception {
        return manager.swap(id, target, "test").toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    public void stateWithDirtyPagesRoundTripsSharedDistributedShared() throws Exception {
        Path p = dir.resolve("round-trip");
        Entry<FileCacheManager> e = files.create(p);
        assertEquals("fcm.shared", e.describe().implementation);
        FileCacheManager f = e.handle();
        byte[] data = new byte[40 * 4096 + 123];
        new Random(1).nextBytes(data);
        f.write(0, data, 0, data.length);
        assertEquals(41, f.stats().dirtyPages);

        SwapResult r = swap(e.id(), DISTRIBUTED);
        assertEquals(r.toString(), SwapOutcome.COMPLETED, r.outcome);
        assertEquals("fcm.pages.v1", r.format);
        assertEquals("fcm.distributed", e.describe().implementation);
        assertEquals(41, f.stats().dirtyPages);
        assertEquals(0, Files.size(p));
        assertArrayEquals(data, readAll(f));
        byte[] more = new byte[5000];
        new Random(2).nextBytes(more);
        f.write(100_000, more, 0, more.length);
        System.arraycopy(more, 0, data, 100_000, more.length);

        r = swap(e.id(), SHARED);
        assertEquals(r.toString(), SwapOutcome.COMPLETED, r.outcome);
        assertEquals("fcm.pages.v1", r.format);
        assertArrayEquals(data, readAll(f));

        r = manager.rejuvenate(e.id(), true, "by reference").toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertEquals(r.toString(), SwapOutcome.COMPLETED, r.outcome);
        assertEquals("fcm.shared.map.v1", r.format);
        FcmStats s = f.stats();
        assertEquals(41, s.dirtyPages);

        files.close(e.id());
        assertArrayEquals(data, Files.readAllBytes(p));
        assertTrue(manager.entry(e.id()).isEmpty());
    }

    @Test
    public void errorsAreClear() throws Exception {
        try {
            files.open(dir.resolve("missing"));
            fail();
        } catch (NoSuchFileException expected) {
            // fine
        }
        Path p = dir.resolve("small");
        Files.write(p, new byte[] {1, 2, 3});
        Entry<FileCacheManager> e = files.open(p, DISTRIBUTED, false);
        assertEquals("fcm.distributed", e.describe().implementation);
        FileCacheManager f = e.handle();
        byte[] b = new byte[10];
        assertEquals(3, f.read(0, b, 0, 10));
        assertEquals(-1, f.read(3, b, 0, 10));
        f.close();
        try {
            f.size();
            fail();
        } catch (ClosedChannelException expected) {
            // fine
        }
        files.close(e.id());
    }

    @Test
    public void stoppingTheSharedBundleMovesItsOpenFilesWithTheirDirtyPages() throws Exception {
        Path p = dir.resolve("evacuated");
        Entry<FileCacheManager> e = files.create(p);
        byte[] data = new byte[3 * 4096];
        new Random(3).nextBytes(data);
        e.handle().write(0, data, 0, data.length);
        Bundle shared = installedBundle("swap.fcm.shared");
        shared.stop();
        try {
            assertEquals("fcm.distributed", e.describe().implementation);
            assertEquals(3, e.handle().stats().dirtyPages);
            assertArrayEquals(data, readAll(e.handle()));
        } finally {
            shared.start();
        }
        awaitImplementations(manager, "fcm.shared");
        files.close(e.id());
        assertArrayEquals(data, Files.readAllBytes(p));
    }
}
