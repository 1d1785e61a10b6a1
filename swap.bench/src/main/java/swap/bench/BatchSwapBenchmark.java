package swap.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import swap.api.Batch;
import swap.api.BatchResult;
import swap.api.SwapOutcome;
import swap.api.SwapResult;
import swap.kernel.Engine;
import swap.kernel.StandaloneSource;

/**
 * Upgrading many entries at once, the figure compared with Erlang/OTP (ANCHORS.md: 10,000
 * gen_server processes in 193 ms). {@code entries} entries with small state (a counter carried in a
 * canonical format, so every entry really exports and imports), {@code idleThreads} parked
 * platform threads in the JVM besides; each operation swaps every entry to the other
 * implementation, either as one {@link Batch} ({@link #batch}) or as one request per entry, all
 * issued at once and awaited ({@link #oneByOne}). Single-shot time: one operation is one upgrade
 * of every entry.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 10)
@Fork(1)
public class BatchSwapBenchmark {

    @Param({"1000", "10000"})
    public int entries;

    @Param({"20", "200"})
    public int idleThreads;

    private Engine engine;
    private IdleThreads idle;
    private final List<Long> ids = new ArrayList<>();
    private int round;
    private static final String[] TARGETS = {"b", "a"};

    @Setup
    public void setUp() {
        StandaloneSource source = new StandaloneSource();
        source.add(Cache.class, "a", "1.0.0", Caches.Counting::new);
        source.add(Cache.class, "b", "1.0.0", Caches.Counting::new);
        engine = new Engine(source);
        engine.configure(60_000, 16);
        for (int i = 0; i < entries; i++) {
            var e = engine.create(Cache.class, "a");
            e.handle().get(i);
            ids.add(e.id());
        }
        idle = new IdleThreads(idleThreads);
    }

    @TearDown
    public void tearDown() {
        idle.close();
        engine.shutdown();
    }

    @Benchmark
    public BatchResult batch() {
        BatchResult r = engine.swap(Batch.of(ids).to(TARGETS[round++ & 1])).toCompletableFuture().join();
        if (r.outcome != SwapOutcome.COMPLETED) {
            throw new IllegalStateException(r.toString());
        }
        return r;
    }

    @Benchmark
    public int oneByOne() {
        String target = TARGETS[round++ & 1];
        List<CompletableFuture<SwapResult>> all = new ArrayList<>(ids.size());
        for (long id : ids) {
            all.add(engine.swap(id, target, null).toCompletableFuture());
        }
        int done = 0;
        for (CompletableFuture<SwapResult> f : all) {
            SwapResult r = f.join();
            if (r.outcome != SwapOutcome.COMPLETED) {
                throw new IllegalStateException(r.toString());
            }
            done++;
        }
        return done;
    }
}
