package swap.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
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

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import swap.api.SwapConstants;
import swap.api.fcm.FcmStats;
import swap.api.fcm.FileCacheManager;
import swap.core.fcm.FileCacheService;
import swap.fcm.pattern.internal.ClockFcm;
import swap.fcm.pattern.internal.ReadAheadFcm;
import swap.fcm.pattern.internal.ScanResistantFcm;
import swap.fcm.shared.internal.SharedFcm;
import swap.kernel.Engine;
import swap.kernel.StandaloneSource;
import swap.monitor.internal.AccessPatternMonitor;
import swap.monitor.internal.AccessPatternPolicy;

/**
 * Issue 28's phased trace on one file four times the cache budget, one thread, one 4 KiB page
 * read per operation, in a cycle of four phases: a random hot set (half the budget), the hot set
 * with a full sequential scan (one scan read after each hot read), a pure sequential stream over
 * the file, the random hot set again. Throughput per operation, and per phase the operations and
 * the pages read from the file (demand misses plus pages read ahead) and the demand misses alone
 * (reads that waited for the file), as auxiliary counters.
 *
 * <p>{@code impl}: the static FCMs ({@code fcm.clock}, {@code fcm.scan}, {@code fcm.readahead},
 * {@code fcm.shared}); {@code auto} (starts on {@code fcm.clock}, the access-pattern monitor on the
 * file, the access-pattern policy evaluated by the benchmark thread every 128 reads with 3 stable
 * evaluations and a 200 ms minimum interval); {@code caffeine} (a Caffeine W-TinyLFU cache of
 * pages of the same budget, loading misses from the same channel, not an FCM).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(3)
@Threads(1)
public class FcmPatternBenchmark {

    static final int PAGE = 4096;
    static final int BUDGET = 1024;
    static final int FILE_PAGES = 4 * BUDGET;
    static final int HOT = BUDGET / 2;
    /** Operations per phase: random hot set, hot set + scan, sequential, random hot set again. */
    static final int[] PHASE_OPS = {4 * BUDGET, 2 * FILE_PAGES, FILE_PAGES, 4 * BUDGET};
    static final int POLICY_EVERY = 128;

    @Param({"fcm.clock", "fcm.scan", "fcm.readahead", "fcm.shared", "auto", "caffeine"})
    public String impl;

    Path root;
    Path file;
    Engine engine;
    FileCacheService cache;
    FileCacheManager fcm;
    AccessPatternPolicy policy;
    FileChannel channel;
    Cache<Long, byte[]> pages;
    long caffeineMisses;
    final byte[] buffer = new byte[PAGE];
    final SplittableRandom random = new SplittableRandom(7);
    int phase;
    int step;
    long scanPage;
    long lastFileReads;
    long lastMisses;
    long reads;

    /** Per phase: operations and pages read from the file (events: totals per iteration). */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Counters {
        public long opsHot, opsMixed, opsSequential;
        public long fileReadsHot, fileReadsMixed, fileReadsSequential;
        /** Demand misses: reads that waited for the file (pages read ahead not counted). */
        public long missesHot, missesMixed, missesSequential;

        @Setup(Level.Iteration)
        public void clear() {
            opsHot = opsMixed = opsSequential = 0;
            fileReadsHot = fileReadsMixed = fileReadsSequential = 0;
            missesHot = missesMixed = missesSequential = 0;
        }
    }

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        root = Files.createTempDirectory(FcmWorkloadBenchmark.baseDir(""), "fcm-pattern");
        file = root.resolve("big");
        byte[] b = new byte[FILE_PAGES * PAGE];
        new SplittableRandom(1).nextBytes(b);
        Files.write(file, b);
        if (impl.equals("caffeine")) {
            channel = FileChannel.open(file, StandardOpenOption.READ);
            pages = Caffeine.newBuilder().maximumSize(BUDGET).executor(Runnable::run).build();
            return;
        }
        StandaloneSource source = new StandaloneSource();
        source.add(FileCacheManager.class, ClockFcm.NAME, "1.0.0", ClockFcm::new, FileCacheManager.PATTERN, "random");
        source.add(FileCacheManager.class, ScanResistantFcm.NAME, "1.0.0", ScanResistantFcm::new, FileCacheManager.PATTERN, "mixed");
        source.add(FileCacheManager.class, ReadAheadFcm.NAME, "1.0.0", ReadAheadFcm::new, FileCacheManager.PATTERN, "sequential");
        source.add(FileCacheManager.class, SharedFcm.NAME, "1.0.0", SharedFcm::new, FileCacheManager.CONCURRENCY, "shared");
        source.addInterposer(AccessPatternMonitor.NAME, () -> new AccessPatternMonitor(POLICY_EVERY, PAGE, BUDGET));
        engine = new Engine(source);
        boolean auto = impl.equals("auto");
        cache = new FileCacheService(engine, PAGE, BUDGET, auto ? ClockFcm.NAME : impl);
        fcm = cache.open(file, "(" + SwapConstants.IMPL_NAME + "=" + (auto ? ClockFcm.NAME : impl) + ")", false).handle();
        if (auto) {
            policy = new AccessPatternPolicy(FileCacheManager.class.getName(), 3, 200, System::nanoTime);
            policy.evaluate(engine); // puts the monitor on
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        if (cache != null) {
            cache.closeAll();
            engine.shutdown();
        }
        if (channel != null) {
            channel.close();
        }
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    long misses() {
        return pages != null ? caffeineMisses : fcm.stats().misses;
    }

    long fileReads() {
        if (pages != null) {
            return caffeineMisses;
        }
        FcmStats s = fcm.stats();
        return s.misses + s.readAhead;
    }

    /** The next page of the trace (advances it). */
    long nextPage() {
        long page;
        switch (phase) {
            case 1:
                page = step % 2 == 0 ? random.nextInt(HOT) : HOT + (scanPage++ % (FILE_PAGES - HOT));
                break;
            case 2:
                page = scanPage++ % FILE_PAGES;
                break;
            default:
                page = random.nextInt(HOT);
        }
        if (++step == PHASE_OPS[phase]) {
            step = 0;
            phase = (phase + 1) % PHASE_OPS.length;
            scanPage = phase == 2 ? 0 : scanPage;
        }
        return page;
    }

    byte[] readCaffeine(long page) {
        return pages.get(page, p -> {
            caffeineMisses++;
            byte[] b = new byte[PAGE];
            try {
                channel.read(ByteBuffer.wrap(b), p * PAGE);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return b;
        });
    }

    @Benchmark
    public int phased(Counters c) throws IOException {
        int ph = phase;
        long page = nextPage();
        reads++;
        int r;
        if (pages != null) {
            byte[] b = readCaffeine(page);
            System.arraycopy(b, 0, buffer, 0, PAGE);
            r = PAGE;
        } else {
            r = fcm.read(page * PAGE, buffer, 0, PAGE);
            if (policy != null && reads % POLICY_EVERY == 0) {
                policy.evaluate(engine);
            }
        }
        if (step == 0 || (reads & 255) == 0 || pages != null) { // phase boundary, or every 256 reads: the file reads since
            long f = fileReads();
            long d = f - lastFileReads;
            lastFileReads = f;
            long m = misses();
            long dm = m - lastMisses;
            lastMisses = m;
            if (ph == 1) {
                c.fileReadsMixed += d;
                c.missesMixed += dm;
            } else if (ph == 2) {
                c.fileReadsSequential += d;
                c.missesSequential += dm;
            } else {
                c.fileReadsHot += d;
                c.missesHot += dm;
            }
        }
        if (ph == 1) {
            c.opsMixed++;
        } else if (ph == 2) {
            c.opsSequential++;
        } else {
            c.opsHot++;
        }
        return r + buffer[0];
    }
}
