package swap.fcm.shared.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.After;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import swap.api.Entry;
import swap.api.fcm.FileCacheManager;
import swap.kernel.Engine;
import swap.kernel.StandaloneSource;
import swap.core.fcm.FileCacheService;
import swap.fcm.testkit.FcmLoad;

/**
 * The object trigger: a shared FCM that sees contention asks for its own replacement by a
 * {@code (concurrency=distributed)} implementation; one used by a single thread does not.
 * (The distributed FCM is another bundle; a shared FCM registered with that characteristic
 * stands in for it here.)
 */
public class SelfSwapTest {

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    private Engine engine;
    private FileCacheService cache;

    private StandaloneSource source;
    private final List<SharedFcm> made = new java.util.concurrent.CopyOnWriteArrayList<>();

    private void start(boolean selfSwap) {
        start(selfSwap, true);
    }

    private void start(boolean selfSwap, boolean withTarget) {
        source = new StandaloneSource();
        engine = new Engine(source);
        source.add(FileCacheManager.class, SharedFcm.NAME, "1.0.0", () -> {
            SharedFcm f = selfSwap ? new SharedFcm(engine) : new SharedFcm();
            made.add(f);
            return f;
        }, FileCacheManager.CONCURRENCY, "shared");
        if (withTarget) {
            addTarget();
        }
        cache = new FileCacheService(engine, 4096, 64, SharedFcm.NAME);
    }

    private void addTarget() {
        source.add(FileCacheManager.class, "stand-in.distributed", "1.0.0", SharedFcm::new, FileCacheManager.CONCURRENCY, "distributed");
    }

    @After
    public void tearDown() {
        cache.closeAll();
        engine.shutdown();
    }

    private static void load(FileCacheManager f, int threads, long millis) throws InterruptedException {
        FcmLoad.run(f, threads, millis, 2);
    }

    @Test
    public void aContendedSharedFcmAsksForADistributedOne() throws Exception {
        start(true);
        Path p = tmp.newFile("contended").toPath();
        Files.write(p, new byte[8192]);
        Entry<FileCacheManager> e = cache.open(p);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!"stand-in.distributed".equals(e.describe().implementation) && System.nanoTime() < deadline) {
            load(e.handle(), 4, 200);
        }
        assertEquals("stand-in.distributed", e.describe().implementation);
        assertTrue(e.describe().lastSwap.reason, e.describe().lastSwap.reason.startsWith("fcm.shared: the calling thread changed 64 times"));
    }

    @Test
    public void aWorkloadAlternatingBetweenOneAndManyThreadsSwapsAtMostOnce() throws Exception {
        start(true);
        Path p = tmp.newFile("alternating").toPath();
        Files.write(p, new byte[8192]);
        Entry<FileCacheManager> e = cache.open(p);
        for (int i = 0; i < 4; i++) {
            load(e.handle(), 4, 150);
            load(e.handle(), 1, 150);
        }
        // The object trigger only moves a file to distributed, once: it cannot flap.
        assertTrue("swaps: " + e.describe().swaps, e.describe().swaps <= 1);
        assertEquals(0, e.describe().failures);
    }

    @Test
    public void oneThreadNeverTriggersIt() throws Exception {
        start(true);
        Path p = tmp.newFile("alone").toPath();
        Files.write(p, new byte[8192]);
        Entry<FileCacheManager> e = cache.open(p);
        load(e.handle(), 1, 500);
        assertEquals(SharedFcm.NAME, e.describe().implementation);
        assertEquals(0, e.describe().swaps);
    }

    /**
     * Issue 12, point 6: with no distributed implementation registered, a contended shared FCM
     * neither storms nor fails swaps: over 10 s of a 4-thread load it looks for a target a few
     * times (back-off 1, 2, 4, 8 s: at most 5 looks) and sends no request. Once one registers (DS
     * calls bindTarget; here the test does, as DS would), the back-off ends and it asks at once.
     */
    @Test
    public void withNoTargetItBacksOffInsteadOfStormingAndAsksOnceOneRegisters() throws Exception {
        start(true, false);
        Path p = tmp.newFile("no-target").toPath();
        Files.write(p, new byte[8192]);
        Entry<FileCacheManager> e = cache.open(p);
        load(e.handle(), 4, 10_000);
        SharedFcm fcm = made.get(0);
        assertTrue("attempts in 10 s: " + fcm.trigger().attempts(), fcm.trigger().attempts() >= 1 && fcm.trigger().attempts() <= 5);
        assertEquals("requests with no target", 0, fcm.trigger().requests());
        assertEquals(0, e.describe().swaps);
        assertEquals(0, e.describe().failures);
        assertTrue(engine.history(100).isEmpty());
        addTarget();
        fcm.bindTarget(null);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!"stand-in.distributed".equals(e.describe().implementation) && System.nanoTime() < deadline) {
            load(e.handle(), 4, 200);
        }
        assertEquals("stand-in.distributed", e.describe().implementation);
        assertEquals(1, fcm.trigger().requests());
        assertEquals(1, e.describe().swaps);
    }
}
