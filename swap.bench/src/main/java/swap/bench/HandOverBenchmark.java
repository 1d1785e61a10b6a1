package swap.bench;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;

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

import swap.api.TransferContext;
import swap.api.fcm.FcmFormats;
import swap.api.fcm.FcmFormats.PageSet;
import swap.fcm.distributed.internal.DistributedFcm;
import swap.fcm.shared.internal.SharedFcm;

/**
 * Hand-over at scale: the state transfer of one FCM with {@code pages} cached pages, measured on
 * the formats themselves (export from the old instance, import into a fresh one; no quiescence,
 * which {@code SwapLatencyBenchmark} measures apart).
 *
 * <ul>
 * <li>{@code byReference}: a shared FCM hands its map to another shared FCM ({@code fcm.shared.map.v1}):
 * one reference, whatever the size.</li>
 * <li>{@code canonical}: a shared FCM exports {@code fcm.pages.v1} (one part: a list of every page,
 * the arrays handed over, not copied) and a distributed FCM (4 partitions) imports it with
 * {@code importers} threads (1: on the calling thread; 2: two tasks on a 2-thread pool, each
 * importing the pages of its own partitions).</li>
 * </ul>
 *
 * <p>Pages of 64 bytes, so that 1 M pages fit a few hundred MiB (the per-page cost is the map's, not
 * the bytes': the arrays move by reference); all pages dirty. The fork runs with a 6 GiB heap, 4 GiB
 * of it young, and collects before every iteration, so that a single shot measures the transfer,
 * not a collection of the previous shot's garbage (a shot of 1 M pages allocates about 150 MiB).
 */
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"-XX:+UseParallelGC", "-Xms6g", "-Xmx6g", "-Xmn4g"})
@Warmup(iterations = 5)
@Measurement(iterations = 10)
public class HandOverBenchmark {

    static final int PAGE = 64;

    @Param({"1000", "100000", "1000000"})
    public int pages;

    @Param({"1", "2"})
    public int importers;

    Path file;
    FileChannel channel;
    SharedFcm source;
    ForkJoinPool pool;
    TransferContext context;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        file = Files.createTempFile(FcmWorkloadBenchmark.baseDir(""), "handover", ".bin");
        channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        source = new SharedFcm();
        source.importState(FcmFormats.PAGES, new PageSet(file, channel, 0, PAGE, pages, List.of()), null);
        byte[] b = new byte[PAGE];
        for (int i = 0; i < pages; i++) {
            b[0] = (byte) i;
            source.write((long) i * PAGE, b, 0, PAGE); // a whole page past the end: no read, dirty
        }
        if (source.stats().cachedPages != pages) {
            throw new IllegalStateException("cached " + source.stats().cachedPages + " of " + pages);
        }
        pool = new ForkJoinPool(importers);
        ForkJoinPool p = pool;
        int n = importers;
        context = new TransferContext() {
            @Override
            public Executor executor() {
                return p;
            }

            @Override
            public int parallelism() {
                return n;
            }

            @Override
            public long entryId() {
                return 0;
            }
        };
    }

    /** Every iteration starts with an empty young generation. */
    @Setup(Level.Iteration)
    public void collect() {
        System.gc();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        pool.shutdownNow();
        channel.close();
        Files.deleteIfExists(file);
    }

    /** The whole map by reference: export and import are one reference each. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    @Warmup(iterations = 3, time = 1)
    @Measurement(iterations = 5, time = 1)
    public SharedFcm byReference() throws IOException {
        SharedFcm to = new SharedFcm();
        to.importState(SharedFcm.MAP, source.exportState(SharedFcm.MAP), context);
        return to;
    }

    /** Every page through the canonical list, into a distributed FCM of 4 partitions. */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public DistributedFcm canonical() throws IOException {
        DistributedFcm to = new DistributedFcm(4);
        to.importState(FcmFormats.PAGES, source.exportState(FcmFormats.PAGES), context);
        return to;
    }
}
