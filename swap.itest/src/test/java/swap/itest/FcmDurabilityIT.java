package swap.itest;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Dictionary;
import java.util.EnumMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.PrototypeServiceFactory;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import swap.api.Entry;
import swap.api.StateFormat;
import swap.api.StatefulComponent;
import swap.api.SwapConstants;
import swap.api.SwapManager;
import swap.api.SwapOutcome;
import swap.api.SwapResult;
import swap.api.TransferContext;
import swap.api.fcm.FcmFormats;
import swap.api.fcm.FcmStats;
import swap.api.fcm.FileCache;
import swap.api.fcm.FileCacheManager;

/**
 * Durability (issue 4): several threads read and write random ranges of a few files while the
 * files' FCMs are swapped back and forth between the shared and the distributed implementation
 * and (issue 28) the FCMs by access pattern and the small-file FCM (files open on it: PID
 * {@code swap.fcm}, {@code small.file.bytes} 1 MiB), each swap to another of the six at random,
 * rejuvenated (shared to shared by reference), and made to roll back (a test FCM whose import
 * throws; swaps with a 1 ms quiescence timeout while an interposer delays some calls). After
 * close, every file on disk must be byte-identical to the reference model the test kept.
 *
 * <p>Each thread owns one region of each file (regions are not page-aligned, so threads share the
 * pages at their borders) and checks every read of its region against the model exactly. The
 * budget is configured through Config Admin to 8 pages per file, far below the file size, so pages
 * are evicted and written back all the time.
 *
 * <p>Duration: system property {@value #DURATION}, seconds (default 4), e.g.
 * {@code mvn verify -pl swap.itest -Dit.test=FcmDurabilityIT -Dswap.fcm.durability.seconds=300}.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class FcmDurabilityIT extends PlatformTestSupport {

    static final String DURATION = "swap.fcm.durability.seconds";
    static final int FILES = 3;
    static final int THREADS = 4;
    static final int PAGE = 4096;
    static final int BUDGET = 8;
    static final int REGION = 10 * PAGE + 1000;
    /** Issue 28: the FCMs by access pattern and the small-file FCM (swap.fcm.pattern), swapped to as well. */
    static final String[] PATTERN_AND_SMALL = {"fcm.clock", "fcm.scan", "fcm.readahead", "fcm.small"};
    /** Every implementation the swapper moves files to. */
    static final String[] TARGETS = {FcmIT.SHARED, FcmIT.DISTRIBUTED, "fcm.clock", "fcm.scan", "fcm.readahead", "fcm.small"};
    static final long SMALL_FILE_BYTES = 1 << 20;
    /**
     * The most pages an FCM may hold: the budget, but the distributed FCM gives each of its
     * partitions (by default twice the processors, rounded up to a power of two) at least one.
     */
    static final int MAX_CACHED = Math.max(BUDGET, Integer.highestOneBit(Math.max(2, 2 * Runtime.getRuntime().availableProcessors()) * 2 - 1));

    private SwapManager manager;
    private FileCache cache;
    private Path dir;
    private ServiceRegistration<?> broken;
    private Configuration config;

    @Before
    public void setUp() throws Exception {
        autonomicSwaps(false);
        FcmIT.wayBack(context, false);
        manager = (SwapManager) awaitService(SwapManager.class.getName(), 10_000);
        cache = (FileCache) awaitService(FileCache.class.getName(), 10_000);
        FcmIT.awaitImplementations(manager, "fcm.shared", "fcm.distributed");
        FcmIT.awaitImplementations(manager, PATTERN_AND_SMALL);
        dir = Files.createTempDirectory("fcm-durability");

        // A test-only implementation whose import always fails: every swap to it rolls back.
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(SwapConstants.IMPL_NAME, "fcm.broken");
        props.put(SwapConstants.IMPL_VERSION, "1.0.0");
        props.put(FileCacheManager.CONCURRENCY, "broken");
        broken = context.registerService(FileCacheManager.class.getName(), new PrototypeServiceFactory<Object>() {
            @Override
            public Object getService(Bundle bundle, ServiceRegistration<Object> registration) {
                return new BrokenImport();
            }

            @Override
            public void ungetService(Bundle bundle, ServiceRegistration<Object> registration, Object service) {
            }
        }, props);
        FcmIT.awaitImplementations(manager, "fcm.broken");

        // A small budget through Config Admin (PID swap.fcm), so that pages are evicted all the time.
        ServiceReference<ConfigurationAdmin> ref = context.getServiceReference(ConfigurationAdmin.class);
        config = context.getService(ref).getConfiguration("swap.fcm", "?");
        Dictionary<String, Object> c = new Hashtable<>();
        c.put("page.size", PAGE);
        c.put("budget.pages", BUDGET);
        c.put("initial.target", FcmIT.SHARED);
        // Issue 28: new files open on fcm.small (every file here stays below 1 MiB, so it never asks to grow).
        c.put("small.file.bytes", SMALL_FILE_BYTES);
        config.update(c);
        awaitBudget();
    }

    /** Config Admin delivers the configuration asynchronously: wait until a new file gets the budget. */
    private void awaitBudget() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        byte[] page = new byte[PAGE];
        while (true) {
            Path probe = Files.createTempFile(dir, "probe", "");
            Entry<FileCacheManager> e = cache.open(probe, FcmIT.SHARED, false);
            for (int i = 0; i < 2 * BUDGET; i++) {
                e.handle().write((long) i * PAGE, page, 0, PAGE);
            }
            long cached = e.handle().stats().cachedPages;
            cache.close(e.id());
            if (cached == BUDGET) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the file cache did not take the configured budget of " + BUDGET + " pages in 10 s (cached " + cached + ")");
            }
            Thread.sleep(50);
        }
    }

    @After
    public void tearDown() throws Exception {
        autonomicSwaps(true);
        FcmIT.wayBack(context, true);
        broken.unregister();
        config.delete();
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    public void filesStayByteIdenticalToTheModelWhileTheirFcmsAreSwappedAndRolledBack() throws Exception {
        long seconds = Long.getLong(DURATION, 4);
        List<Entry<FileCacheManager>> entries = new ArrayList<>();
        byte[][] model = new byte[FILES][THREADS * REGION];
        Path[] paths = new Path[FILES];
        for (int i = 0; i < FILES; i++) {
            paths[i] = dir.resolve("file-" + i);
            entries.add(cache.create(paths[i]));
        }
        // Delay one call in 20 on file 0 by about a millisecond: quiescence takes longer there, and
        // the 1 ms swaps on it time out.
        manager.interpose(entries.get(0).id(), "delay", call -> {
            if (ThreadLocalRandom.current().nextInt(20) == 0) {
                Thread.sleep(1);
            }
            return call.proceed();
        });

        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        AtomicLong reads = new AtomicLong();
        AtomicLong writes = new AtomicLong();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int id = t;
            Thread th = new Thread(() -> {
                try {
                    work(id, entries, model, end, reads, writes);
                } catch (Throwable ex) {
                    errors.add(ex);
                }
            }, "fcm-worker-" + t);
            workers.add(th);
            th.start();
        }

        // The swapper: back and forth, by reference, into a failing import, with a 1 ms timeout.
        Map<SwapOutcome, Integer> outcomes = new EnumMap<>(SwapOutcome.class);
        int[] kinds = new int[4];
        int brokenRolledBack = 0;
        int completedToShared = 0;
        int completedToDistributed = 0;
        List<String> unexpected = new ArrayList<>();
        Map<String, Integer> completedTo = new java.util.TreeMap<>();
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        while (System.nanoTime() < end && errors.isEmpty()) {
            Entry<FileCacheManager> e = entries.get(rnd.nextInt(FILES));
            String current = e.describe().implementation;
            String other;
            do {
                other = TARGETS[rnd.nextInt(TARGETS.length)];
            } while (other.equals(current) || other.equals(FcmIT.SHARED) && "fcm.shared".equals(current)
                    || other.equals(FcmIT.DISTRIBUTED) && "fcm.distributed".equals(current));
            int kind = rnd.nextInt(kinds.length);
            kinds[kind]++;
            SwapResult r;
            switch (kind) {
                case 0:
                    r = manager.swap(e.id(), other, "durability").toCompletableFuture().get(30, TimeUnit.SECONDS);
                    break;
                case 1:
                    r = manager.swap(e.id(), "fcm.broken", "durability: failing import").toCompletableFuture().get(30, TimeUnit.SECONDS);
                    if (r.outcome == SwapOutcome.ROLLED_BACK) {
                        brokenRolledBack++;
                    } else {
                        unexpected.add("a swap to fcm.broken ended " + r);
                    }
                    break;
                case 2:
                    r = manager.swap(e.id(), other, "durability: 1 ms", 1).toCompletableFuture().get(30, TimeUnit.SECONDS);
                    break;
                default:
                    r = manager.rejuvenate(e.id(), true, "durability: rejuvenate").toCompletableFuture().get(30, TimeUnit.SECONDS);
                    break;
            }
            outcomes.merge(r.outcome, 1, Integer::sum);
            if (r.outcome == SwapOutcome.FAILED || r.outcome == SwapOutcome.REFUSED) {
                unexpected.add(r.toString());
            }
            if (r.outcome == SwapOutcome.COMPLETED && r.to != null) {
                completedTo.merge(r.to.substring(0, r.to.indexOf(' ')), 1, Integer::sum);
                if (r.to.startsWith("fcm.shared ")) {
                    completedToShared++;
                } else if (r.to.startsWith("fcm.distributed ")) {
                    completedToDistributed++;
                }
            }
            Thread.sleep(rnd.nextInt(3));
        }
        for (Thread th : workers) {
            th.join(TimeUnit.SECONDS.toMillis(60));
            assertTrue(th.getName() + " is stuck", !th.isAlive());
        }
        System.out.println("FcmDurabilityIT: " + seconds + " s, " + reads + " reads, " + writes + " writes, swaps " + outcomes
                + " (plain/broken/1ms/rejuvenate " + java.util.Arrays.toString(kinds) + "), completed to shared " + completedToShared
                + ", to distributed " + completedToDistributed + ", broken rolled back " + brokenRolledBack + ", completed to " + completedTo);
        if (!errors.isEmpty()) {
            AssertionError a = new AssertionError("a worker failed: " + errors.peek());
            errors.forEach(a::addSuppressed);
            throw a;
        }
        assertTrue(unexpected.toString(), unexpected.isEmpty());
        assertTrue("no swap to the shared FCM completed: " + outcomes, completedToShared > 0);
        assertTrue("no swap to the distributed FCM completed: " + outcomes, completedToDistributed > 0);
        assertTrue("no swap rolled back: " + outcomes, brokenRolledBack > 0);
        for (String impl : PATTERN_AND_SMALL) {
            assertTrue("no swap to " + impl + " completed: " + completedTo, completedTo.getOrDefault(impl, 0) > 0);
        }

        for (int i = 0; i < FILES; i++) {
            FileCacheManager f = entries.get(i).handle();
            assertEquals(model[i].length, f.size());
            byte[] all = new byte[model[i].length];
            int done = 0;
            while (done < all.length) {
                done += f.read(done, all, done, all.length - done);
            }
            assertArrayEquals("file " + i + " through its FCM", model[i], all);
            cache.close(entries.get(i).id());
            assertArrayEquals("file " + i + " on disk", model[i], Files.readAllBytes(paths[i]));
        }
    }

    private static void work(int id, List<Entry<FileCacheManager>> entries, byte[][] model, long end, AtomicLong reads, AtomicLong writes)
            throws IOException {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        int base = id * REGION;
        for (int i = 0; i < FILES; i++) { // fill the region once: the file ends up exactly THREADS * REGION long
            byte[] b = new byte[REGION];
            rnd.nextBytes(b);
            entries.get(i).handle().write(base, b, 0, REGION);
            System.arraycopy(b, 0, model[i], base, REGION);
        }
        byte[] buf = new byte[2 * PAGE + 1];
        while (System.nanoTime() < end) {
            int file = rnd.nextInt(FILES);
            FileCacheManager f = entries.get(file).handle();
            int off = rnd.nextInt(REGION);
            int len = 1 + rnd.nextInt(Math.min(buf.length, REGION - off));
            int op = rnd.nextInt(100);
            if (op < 55) {
                rnd.nextBytes(buf);
                f.write(base + off, buf, 0, len);
                System.arraycopy(buf, 0, model[file], base + off, len);
                writes.incrementAndGet();
            } else if (op < 97) {
                int n = f.read(base + off, buf, 0, len);
                if (n != len) {
                    throw new AssertionError("read of " + len + " bytes at " + (base + off) + " in file " + file + " returned " + n);
                }
                for (int k = 0; k < len; k++) {
                    if (buf[k] != model[file][base + off + k]) {
                        throw new AssertionError("file " + file + " byte " + (base + off + k) + " reads " + buf[k]
                                + ", the model says " + model[file][base + off + k] + " (" + entries.get(file).describe().implementation + ")");
                    }
                }
                reads.incrementAndGet();
            } else if (op < 99) {
                f.flush();
            } else {
                String before = entries.get(file).describe().implementation;
                FcmStats s = f.stats();
                boolean small = "fcm.small".equals(before) || "fcm.small".equals(entries.get(file).describe().implementation);
                if (s.cachedPages > MAX_CACHED && !small) { // fcm.small holds the whole file by design
                    throw new AssertionError("file " + file + " caches " + s.cachedPages + " pages, budget " + BUDGET
                            + " (" + entries.get(file).describe().implementation + ")");
                }
            }
        }
    }

    /** A test-only FCM whose import always fails. */
    public static final class BrokenImport implements FileCacheManager, StatefulComponent {
        @Override
        public List<StateFormat<?>> exportFormats() {
            return List.of(FcmFormats.PAGES);
        }

        @Override
        public List<StateFormat<?>> importFormats() {
            return List.of(FcmFormats.PAGES);
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
