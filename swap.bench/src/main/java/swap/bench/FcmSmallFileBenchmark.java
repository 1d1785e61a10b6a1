package swap.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.openjdk.jmh.annotations.AuxCounters;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import swap.api.Entry;
import swap.api.fcm.FileCacheManager;
import swap.core.fcm.FileCacheService;
import swap.fcm.pattern.internal.SmallFileFcm;
import swap.fcm.shared.internal.SharedFcm;
import swap.kernel.Engine;
import swap.kernel.StandaloneSource;

/**
 * Issue 28's many-small-files workload (PostMark's shape, as {@code FcmWorkloadBenchmark.postmark}):
 * a pool of 100 files; one operation creates a file (1-16 KiB in 4 KiB writes), reads a whole file
 * in 4 KiB reads, appends 1-4 KiB to a file and deletes one, each opened and closed (flushed)
 * through the file cache. {@code impl=paged}: every file on the shared FCM (small files off);
 * {@code impl=small}: files of at most {@code threshold} bytes open on {@code fcm.small}, which asks
 * to move to the shared FCM once an append takes the file past it (counted in {@code switches}).
 * Files under {@code /dev/shm} when it exists, so that the cache, not the device, is measured.
 *
 * <p>{@link #main} measures the heap per open file of 4 KiB read whole (the FCM, its entry and
 * handle, and the cached bytes): {@code java -XX:+UseSerialGC -Xmx2g -cp swap.bench/target/benchmarks.jar swap.bench.FcmSmallFileBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 6, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(3)
@Threads(1)
public class FcmSmallFileBenchmark {

    static final int PAGE = 4096;
    static final int BUDGET = 1024;
    static final int POOL = 100;

    @Param({"paged", "small"})
    public String impl;

    /** Small files: at most this many bytes (16 KiB: the largest created file, so that appends take about a third of the files past it). */
    @Param({"16384"})
    public long threshold;

    Path root;
    Engine engine;
    FileCacheService cache;
    final List<Path> files = new ArrayList<>();
    final SplittableRandom rnd = new SplittableRandom(1);
    final byte[] buf = new byte[PAGE];
    long next;

    /** Appends that took a file past the threshold and moved it (events per iteration). */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Counters {
        public long switches;

        @Setup(Level.Iteration)
        public void clear() {
            switches = 0;
        }
    }

    static FileCacheService cache(Engine engine, String impl, long threshold) {
        return impl.equals("small")
                ? new FileCacheService(engine, PAGE, BUDGET, SharedFcm.NAME, threshold, "(" + SmallFileFcm.SIZE + "=small)")
                : new FileCacheService(engine, PAGE, BUDGET, SharedFcm.NAME);
    }

    static Engine engine(long threshold) {
        StandaloneSource source = new StandaloneSource();
        Engine engine = new Engine(source);
        source.add(FileCacheManager.class, SharedFcm.NAME, "1.0.0", SharedFcm::new, FileCacheManager.CONCURRENCY, "shared");
        source.add(FileCacheManager.class, SmallFileFcm.NAME, "1.0.0", () -> new SmallFileFcm(engine, threshold, "(" + FileCacheManager.CONCURRENCY + "=shared)"),
                SmallFileFcm.SIZE, "small");
        return engine;
    }

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        root = Files.createTempDirectory(FcmWorkloadBenchmark.baseDir(""), "fcm-small");
        engine = engine(threshold);
        cache = cache(engine, impl, threshold);
        rnd.nextBytes(buf);
        for (int i = 0; i < POOL; i++) {
            files.add(create());
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        cache.closeAll();
        engine.shutdown();
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    Path create() throws IOException {
        Path p = root.resolve("f" + next++);
        Entry<FileCacheManager> e = cache.create(p);
        FileCacheManager f = e.handle();
        int size = 1024 + rnd.nextInt(15 * 1024 + 1);
        for (int pos = 0; pos < size; pos += PAGE) {
            f.write(pos, buf, 0, Math.min(PAGE, size - pos));
        }
        cache.close(e.id());
        return p;
    }

    @Benchmark
    public long postmark(Counters c) throws IOException {
        files.add(create());

        Entry<FileCacheManager> e = cache.open(files.get(rnd.nextInt(files.size())));
        long sum = 0;
        FileCacheManager f = e.handle();
        for (long pos = 0;;) {
            int r = f.read(pos, buf, 0, PAGE);
            if (r < 0) {
                break;
            }
            sum += buf[r - 1];
            pos += r;
        }
        cache.close(e.id());

        e = cache.open(files.get(rnd.nextInt(files.size())));
        f = e.handle();
        long size = f.size();
        f.write(size, buf, 0, 1024 + rnd.nextInt(3 * 1024 + 1));
        if (impl.equals("small") && size <= threshold && f.size() > threshold) {
            c.switches++; // opened on fcm.small, now past the threshold: it asked to move
        }
        cache.close(e.id());

        Files.delete(files.remove(rnd.nextInt(files.size())));
        return sum;
    }

    // ---------------------------------------------------------------- memory per open file

    static Object keep;

    public static void main(String[] args) throws Exception {
        int n = 2000;
        Path root = Files.createTempDirectory(FcmWorkloadBenchmark.baseDir(""), "fcm-small-memory");
        try {
            List<Path> paths = new ArrayList<>();
            byte[] b = new byte[PAGE];
            new SplittableRandom(2).nextBytes(b);
            for (int i = 0; i < n; i++) {
                paths.add(Files.write(root.resolve("f" + i), b));
            }
            for (int round = 1; round <= 3; round++) {
                for (String impl : new String[] {"paged", "small"}) {
                    Engine engine = engine(65_536);
                    FileCacheService cache = cache(engine, impl, 65_536);
                    cache.close(cache.open(paths.get(0)).id()); // classes loaded outside the measurement
                    List<Entry<FileCacheManager>> open = new ArrayList<>();
                    long before = FcmMemory.used();
                    for (Path p : paths) {
                        Entry<FileCacheManager> e = cache.open(p);
                        e.handle().read(0, b, 0, PAGE);
                        open.add(e);
                    }
                    long after = FcmMemory.used();
                    keep = open;
                    String on = open.get(1).describe().implementation;
                    cache.closeAll();
                    engine.shutdown();
                    keep = null;
                    System.out.printf("round %d: %-5s (%s) per open file of 4 KiB, read whole: %.0f bytes (FCM, entry, handle, open channel, the 4,096 data bytes)%n",
                            round, impl, on, (after - before) / (double) n);
                }
            }
        } finally {
            try (Stream<Path> s = Files.walk(root)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        System.out.println(ManagementFactory.getRuntimeMXBean().getVmVersion());
    }
}
