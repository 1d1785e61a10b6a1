package swap.fcm.distributed.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
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
 * The way back: a distributed FCM that one thread alone has used for a while asks for its own
 * replacement by a {@code (concurrency=shared)} implementation, with the same discipline as the
 * shared FCM's way there. (The shared FCM is another bundle; a distributed FCM without a trigger,
 * registered with {@code concurrency=shared}, stands in for it here. The round trip with both real
 * FCMs is in swap.itest's FcmIT.)
 */
public class WayBackTest {

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    private StandaloneSource source;
    private Engine engine;
    private FileCacheService cache;
    private final List<DistributedFcm> made = new CopyOnWriteArrayList<>();

    private void start(boolean withTarget) {
        source = new StandaloneSource();
        engine = new Engine(source);
        source.add(FileCacheManager.class, DistributedFcm.NAME, "1.0.0", () -> {
            DistributedFcm f = new DistributedFcm(4, engine);
            made.add(f);
            return f;
        }, FileCacheManager.CONCURRENCY, "distributed");
        if (withTarget) {
            addTarget();
        }
        cache = new FileCacheService(engine, 4096, 64, DistributedFcm.NAME);
    }

    private void addTarget() {
        source.add(FileCacheManager.class, "stand-in.shared", "1.0.0", () -> new DistributedFcm(4), FileCacheManager.CONCURRENCY, "shared");
    }

    @After
    public void tearDown() {
        cache.closeAll();
        engine.shutdown();
    }

    private static void load(FileCacheManager f, int threads, long millis) throws InterruptedException {
        FcmLoad.run(f, threads, millis, 4);
    }

    private Entry<FileCacheManager> open(String name) throws Exception {
        Path p = tmp.newFile(name).toPath();
        Files.write(p, new byte[8 * 4096]);
        return cache.open(p);
    }

    @Test
    public void aDistributedFcmThatOneThreadUsesAloneAsksForASharedOne() throws Exception {
        start(true);
        Entry<FileCacheManager> e = open("alone");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!"stand-in.shared".equals(e.describe().implementation) && System.nanoTime() < deadline) {
            load(e.handle(), 1, 1000); // one thread for a while (a new thread per load counts as a change)
        }
        assertEquals("stand-in.shared", e.describe().implementation);
        assertEquals(1, e.describe().swaps);
        assertTrue(e.describe().lastSwap.reason, e.describe().lastSwap.reason.startsWith("fcm.distributed: one thread alone for 250 ms"));
    }

    @Test
    public void manyThreadsNeverTriggerIt() throws Exception {
        start(true);
        Entry<FileCacheManager> e = open("many");
        load(e.handle(), 4, 1500);
        assertEquals(DistributedFcm.NAME, e.describe().implementation);
        assertEquals(0, e.describe().swaps);
    }

    /** As the way there (issue 12, point 6): no target, no storm: a few looks in 10 s, no request, no failed swap. */
    @Test
    public void withNoTargetItBacksOffInsteadOfStormingAndAsksOnceOneRegisters() throws Exception {
        start(false);
        Entry<FileCacheManager> e = open("no-target");
        load(e.handle(), 1, 10_000);
        DistributedFcm fcm = made.get(0);
        assertTrue("attempts in 10 s: " + fcm.trigger().attempts(), fcm.trigger().attempts() >= 1 && fcm.trigger().attempts() <= 5);
        assertEquals(0, fcm.trigger().requests());
        assertEquals(0, e.describe().swaps);
        assertEquals(0, e.describe().failures);
        assertTrue(engine.history(100).isEmpty());
        addTarget();
        fcm.bindTarget(null);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!"stand-in.shared".equals(e.describe().implementation) && System.nanoTime() < deadline) {
            load(e.handle(), 1, 1000); // one thread for a while (a new thread per load counts as a change)
        }
        assertEquals("stand-in.shared", e.describe().implementation);
        assertEquals(1, fcm.trigger().requests());
    }
}
