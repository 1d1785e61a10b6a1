package swap.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import swap.api.Entry;
import swap.api.fcm.FileCacheManager;
import swap.api.Policy;
import swap.kernel.Engine;
import swap.monitor.internal.ConcurrencyPolicy;
import swap.monitor.internal.ContentionSensor;
import swap.monitor.internal.Policies;
import swap.kernel.StandaloneSource;
import swap.core.fcm.FileCacheService;
import swap.fcm.distributed.internal.DistributedFcm;
import swap.fcm.shared.internal.SharedFcm;

/**
 * K42's file-cache workloads on the FCMs, outside OSGi (engine, file-cache service and FCMs on a
 * plain class path; every call goes through the entry's handle, as in the framework).
 *
 * <ul>
 * <li>{@code postmark} (PostMark's shape): each benchmark thread keeps its own pool of small files
 * and runs transactions; one operation = create a file (1-16 KiB written in 4 KiB writes), read a
 * whole file, append 1-4 KiB to a file, delete a file, each file opened and closed (flushed) by the
 * file cache. Run with {@code -t 1} for PostMark itself; more threads run independent PostMarks.</li>
 * <li>{@code sdet} (SDET's shape): every thread works on one shared set of 4 open files of 256 KiB;
 * one operation = a 4 KiB read (70 %) or a 512 B - 4 KiB write (30 %) at a random offset.</li>
 * <li>{@code search} (the paper's Figure 1): threads scan one open 8 MiB file, all of it cached;
 * one operation = 16 sequential 4 KiB reads from the thread's own moving position.</li>
 * <li>{@code cached} (the FCM's own cost, no file system): threads read one open 4 MiB file, all
 * of it cached; one operation = one 4 KiB read at a random byte offset (so it mostly spans two
 * pages, as a record read from a database file would).</li>
 * <li>{@code phased} (K42's Figure 1 over time): one open 4 MiB file, all of it cached; one
 * invocation = a phase of {@link #PHASE_OPS} SDET operations (70 % 4 KiB reads, 30 % 0.5-4 KiB
 * writes at random offsets) on the benchmark thread alone, then a phase of as many operations
 * shared out over {@link #PHASE_THREADS} threads; invocation after invocation, 1, 4, 1, 4...
 * threads. Run it with {@code -t 1}; its score is operations per second over both phases.</li>
 * </ul>
 *
 * <p>Files live in a fresh temporary directory under {@code dir} (default {@code /dev/shm} when it
 * is writable, so that {@code flush}'s {@code force} measures the cache rather than the device;
 * else {@code java.io.tmpdir}), removed at the end of each trial. Page size 4 KiB, budget 4096
 * pages per file; the distributed FCM with {@code partitions} partitions per file (0: its default,
 * twice the processors rounded up to a power of two, 4 on 2 cores).
 *
 * <p>{@link FcmWorkloadTable} runs the whole matrix (impl x threads 1, 2, 4, 8) and prints the table.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class FcmWorkloadBenchmark {

    static final int PAGE = 4096;
    static final int BUDGET = 4096;
    static final int SDET_FILES = 4;
    static final int SDET_SIZE = 256 * 1024;
    static final int SEARCH_SIZE = 8 * 1024 * 1024;
    static final int SEARCH_CHUNK = 16;
    static final int POSTMARK_POOL = 100;
    /** Warm-up iterations of 1 s for {@code postmark} (the others: 2). */
    static final int POSTMARK_WARMUPS = 6;
    static final int CACHED_SIZE = 4 * 1024 * 1024;
    /**
     * Operations per phase of {@code phased}: each phase about 1.5-5 s on the 2-core machine, so
     * that a swap pays off (the way back waits for 250 ms of one thread alone; with 4 M operations
     * the one-thread phase lasted 0.4-0.6 s, mostly spent waiting for it).
     */
    static final int PHASE_OPS = 12_000_000;
    static final int PHASE_THREADS = 4;

    /**
     * The FCM implementation every file opens with. {@code auto}: every file starts shared, the
     * shared FCM asks for its own replacement when several threads use it and the distributed FCM
     * asks to become shared again when one thread alone has used it for a while (the object
     * trigger, the platform's default); {@code auto-policy}: every file starts shared and the concurrency policy
     * decides from contention sensors interposed on every file (100-ms windows, evaluated every window).
     */
    @Param({"shared", "distributed", "auto", "auto-policy"})
    public String impl;

    /** Where the temporary directory goes; empty: /dev/shm if writable, else java.io.tmpdir. */
    @Param({""})
    public String dir;

    /** Partitions per file of the distributed FCM; 0: its default. */
    @Param({"0"})
    public int partitions;

    Engine engine;
    FileCacheService cache;
    Path root;
    final List<FileCacheManager> sdet = new ArrayList<>();
    FileCacheManager search;
    FileCacheManager cached;
    FileCacheManager phased;
    java.util.concurrent.ExecutorService phasePool;
    final AtomicInteger threadIds = new AtomicInteger();

    static Path baseDir(String dir) {
        if (!dir.isEmpty()) {
            return Paths.get(dir);
        }
        Path shm = Paths.get("/dev/shm");
        return Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Paths.get(System.getProperty("java.io.tmpdir"));
    }

    static String target(String impl) {
        switch (impl) {
            case "shared":
            case "auto":
            case "auto-policy":
                return SharedFcm.NAME;
            case "distributed":
                return DistributedFcm.NAME;
            default:
                throw new IllegalArgumentException("impl must be shared, distributed, auto or auto-policy, was " + impl);
        }
    }

    /** An engine with both FCM implementations registered, as their bundles register them. */
    static Engine engine(int partitions) {
        return engine(partitions, "shared");
    }

    static Engine engine(int partitions, String impl) {
        StandaloneSource source = new StandaloneSource();
        Engine engine = new Engine(source);
        boolean selfSwapping = impl.equals("auto");
        source.add(FileCacheManager.class, SharedFcm.NAME, "1.0.0", () -> selfSwapping ? new SharedFcm(engine) : new SharedFcm(),
                FileCacheManager.CONCURRENCY, "shared");
        source.add(FileCacheManager.class, DistributedFcm.NAME, "1.0.0",
                () -> selfSwapping ? new DistributedFcm(partitions, engine) : partitions > 0 ? new DistributedFcm(partitions) : new DistributedFcm(),
                FileCacheManager.CONCURRENCY, "distributed");
        if (impl.equals("auto-policy")) {
            source.addInterposer("contention", () -> new ContentionSensor(POLICY_WINDOW_MILLIS));
            source.add(Policy.class, ConcurrencyPolicy.NAME, "1.0.0",
                    () -> new ConcurrencyPolicy(FileCacheManager.class.getName(), 2, 2, 5, 1000));
        }
        return engine;
    }

    static final long POLICY_WINDOW_MILLIS = 100;
    ScheduledExecutorService policyRunner;

    /** The workload running (the benchmark method's name): only its files are created and cached. */
    String workload = "";

    @Setup(Level.Trial)
    public void setUp(org.openjdk.jmh.infra.BenchmarkParams params) throws IOException {
        String b = params.getBenchmark();
        workload = b.substring(b.lastIndexOf('.') + 1);
        setUp();
    }

    /** Sets up every workload's files (outside JMH), or only {@link #workload}'s. */
    public void setUp() throws IOException {
        root = Files.createTempDirectory(baseDir(dir), "fcm-bench");
        engine = engine(partitions, impl);
        cache = new FileCacheService(engine, PAGE, BUDGET, target(impl));
        if (impl.equals("auto-policy")) {
            Policies policies = new Policies(engine, List.of(ConcurrencyPolicy.NAME), (p, d) -> { });
            policyRunner = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "policy");
                t.setDaemon(true);
                return t;
            });
            policyRunner.scheduleWithFixedDelay(policies::evaluateAll, POLICY_WINDOW_MILLIS, POLICY_WINDOW_MILLIS, TimeUnit.MILLISECONDS);
        }
        SplittableRandom rnd = new SplittableRandom(42);
        // Only the running workload's files: the others' pages (17 MiB in all) would sit in the heap
        // among its own and change where they land from fork to fork.
        for (int i = 0; i < SDET_FILES && uses("sdet"); i++) {
            Path p = root.resolve("sdet-" + i);
            Files.write(p, bytes(rnd, SDET_SIZE));
            FileCacheManager f = cache.open(p).handle();
            readAll(f, new byte[PAGE]);
            sdet.add(f);
        }
        search = uses("search") ? cachedFile("search", rnd, SEARCH_SIZE) : null;
        cached = uses("cached") ? cachedFile("cached", rnd, CACHED_SIZE) : null;
        phased = uses("phased") ? cachedFile("phased", rnd, CACHED_SIZE) : null;
        phasePool = Executors.newFixedThreadPool(PHASE_THREADS, r -> {
            Thread t = new Thread(r, "phase");
            t.setDaemon(true);
            return t;
        });
    }

    boolean uses(String w) {
        return workload.isEmpty() || workload.equals(w);
    }

    /** A file of {@code size} random bytes, opened and read whole, so that every page is cached. */
    private FileCacheManager cachedFile(String name, SplittableRandom rnd, int size) throws IOException {
        Path p = root.resolve(name);
        Files.write(p, bytes(rnd, size));
        FileCacheManager f = cache.open(p).handle();
        readAll(f, new byte[PAGE]);
        return f;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        if (policyRunner != null) {
            policyRunner.shutdownNow();
        }
        phasePool.shutdownNow();
        if (impl.startsWith("auto")) { // how often the files moved, for the README
            for (swap.api.EntryDTO d : engine.list()) {
                if (d.swaps > 0 || d.failures > 0) {
                    System.err.println("fcm-bench " + impl + ": entry " + d.id + " (" + d.implementation + ") swaps " + d.swaps + ", failures " + d.failures);
                }
            }
        }
        cache.closeAll();
        engine.shutdown();
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    static byte[] bytes(SplittableRandom rnd, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) rnd.nextInt();
        }
        return b;
    }

    static long readAll(FileCacheManager f, byte[] buf) throws IOException {
        long pos = 0;
        long sum = 0;
        int r;
        while ((r = f.read(pos, buf, 0, buf.length)) > 0) {
            pos += r;
            sum += buf[0];
        }
        return sum;
    }

    /** Per benchmark thread: its random numbers, its PostMark pool and its search position. */
    @State(Scope.Thread)
    public static class PerThread {
        SplittableRandom rnd;
        byte[] buf = new byte[PAGE];
        Path pool;
        List<Path> files = new ArrayList<>();
        long next;
        long searchPos;

        @Setup(Level.Trial)
        public void setUp(FcmWorkloadBenchmark b) throws IOException {
            int id = b.threadIds.getAndIncrement();
            rnd = new SplittableRandom(id * 7919L + 1);
            rnd.nextBytes(buf);
            pool = Files.createDirectories(b.root.resolve("postmark-" + id));
            for (int i = 0; i < POSTMARK_POOL && b.uses("postmark"); i++) {
                files.add(create(b));
            }
            // Threads start 257 pages apart: spread over the file, and on different partitions of a
            // distributed FCM (a multiple of 16 pages apart, they would scan in lockstep on one lock).
            searchPos = (long) id * 257 * PAGE % SEARCH_SIZE;
        }

        Path create(FcmWorkloadBenchmark b) throws IOException {
            Path p = pool.resolve("f" + next++);
            Entry<FileCacheManager> e = b.cache.create(p);
            FileCacheManager f = e.handle();
            int size = 1024 + rnd.nextInt(15 * 1024 + 1);
            for (int pos = 0; pos < size; pos += PAGE) {
                f.write(pos, buf, 0, Math.min(PAGE, size - pos));
            }
            b.cache.close(e.id());
            return p;
        }
    }

    /**
     * One PostMark transaction group: create, read, append, delete. Its throughput climbs for about
     * 6 s after the start (measured: 3.4 K to 9 K operations/s, iteration after iteration), hence
     * the longer warm-up.
     */
    @Benchmark
    @Warmup(iterations = POSTMARK_WARMUPS, time = 1)
    public long postmark(PerThread t) throws IOException {
        t.files.add(t.create(this));

        Path p = t.files.get(t.rnd.nextInt(t.files.size()));
        Entry<FileCacheManager> e = cache.open(p);
        long sum = readAll(e.handle(), t.buf);
        cache.close(e.id());

        p = t.files.get(t.rnd.nextInt(t.files.size()));
        e = cache.open(p);
        FileCacheManager f = e.handle();
        f.write(f.size(), t.buf, 0, 1024 + t.rnd.nextInt(3 * 1024 + 1));
        cache.close(e.id());

        Files.delete(t.files.remove(t.rnd.nextInt(t.files.size())));
        return sum;
    }

    /** One SDET-like operation on the shared set of files. */
    @Benchmark
    public int sdet(PerThread t) throws IOException {
        return sdetOp(sdet.get(t.rnd.nextInt(SDET_FILES)), t.rnd, t.buf, SDET_SIZE);
    }

    /** Scans 16 pages of the large file from the thread's position, as grep would. */
    @Benchmark
    public long search(PerThread t) throws IOException {
        long sum = 0;
        for (int i = 0; i < SEARCH_CHUNK; i++) {
            if (t.searchPos >= SEARCH_SIZE) {
                t.searchPos = 0;
            }
            int r = search.read(t.searchPos, t.buf, 0, PAGE);
            t.searchPos += r;
            sum += t.buf[r - 1];
        }
        return sum;
    }

    /** One random 4 KiB read of the cached file. */
    @Benchmark
    public int cached(PerThread t) throws IOException {
        return cached.read(t.rnd.nextInt(CACHED_SIZE - PAGE), t.buf, 0, PAGE);
    }

    /** One SDET operation on {@code f}. */
    static int sdetOp(FileCacheManager f, SplittableRandom rnd, byte[] buf, int size) throws IOException {
        if (rnd.nextInt(10) < 7) {
            return f.read(rnd.nextInt(size - PAGE), buf, 0, PAGE);
        }
        int len = 512 + rnd.nextInt(PAGE - 512 + 1);
        f.write(rnd.nextInt(size - len), buf, 0, len);
        return len;
    }

    /** A phase of {@link #PHASE_OPS} operations on one thread, then one of as many on {@link #PHASE_THREADS} threads. */
    @Benchmark
    @org.openjdk.jmh.annotations.OperationsPerInvocation(2 * PHASE_OPS)
    @Warmup(iterations = 1, time = 1)
    @Measurement(iterations = 3, time = 1)
    public long phased(PerThread t) throws Exception {
        return onePhase(t.rnd, t.buf) + manyPhase(t.rnd);
    }

    /** {@code phased}'s first phase: {@link #PHASE_OPS} SDET operations on the calling thread. */
    long onePhase(SplittableRandom rnd, byte[] buf) throws IOException {
        long sum = 0;
        for (int i = 0; i < PHASE_OPS; i++) {
            sum += sdetOp(phased, rnd, buf, CACHED_SIZE);
        }
        return sum;
    }

    /** {@code phased}'s second phase: as many operations shared out over {@link #PHASE_THREADS} threads (seeds from {@code rnd}). */
    long manyPhase(SplittableRandom rnd) throws Exception {
        List<java.util.concurrent.Future<Long>> l = new ArrayList<>();
        for (int k = 0; k < PHASE_THREADS; k++) {
            long seed = rnd.nextLong();
            l.add(phasePool.submit(() -> {
                SplittableRandom own = new SplittableRandom(seed);
                byte[] buf = new byte[PAGE];
                long s = 0;
                for (int i = 0; i < PHASE_OPS / PHASE_THREADS; i++) {
                    s += sdetOp(phased, own, buf, CACHED_SIZE);
                }
                return s;
            }));
        }
        long sum = 0;
        for (java.util.concurrent.Future<Long> f : l) {
            sum += f.get();
        }
        return sum;
    }
}
