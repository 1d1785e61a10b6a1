package swap.bench;

import java.util.concurrent.TimeUnit;

import org.HdrHistogram.Histogram;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

import swap.api.SwapOutcome;
import swap.api.SwapResult;
import swap.kernel.Engine;
import swap.kernel.StandaloneSource;

/**
 * Swapping an entry while {@code callers} threads (1, 4 or 32) call it as fast as they can. JMH's sample mode gives
 * the time to complete a swap (p50, p99); the longest time any caller was held by the mediator in
 * each swap is recorded in an HdrHistogram over the measurement iterations and printed at the end
 * of each fork as a {@code caller-wait} line with p50, p99 and max.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(2)
@Threads(1)
public class SwapUnderLoadBenchmark {

    /** Caller threads on the swapped entry. */
    @org.openjdk.jmh.annotations.Param({"1", "4", "32"})
    public int callers;

    private Engine engine;
    private long id;
    private int i;
    private HotThreads threads;
    private final Histogram callerWait = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
    private long rolledBack;
    private static final String[] TARGETS = {"b", "a"};

    @Setup(Level.Trial)
    public void setUp() {
        StandaloneSource source = new StandaloneSource();
        source.add(Cache.class, "a", "1.0.0", Caches.Counting::new);
        source.add(Cache.class, "b", "1.0.0", Caches.Counting::new);
        engine = new Engine(source);
        var e = engine.create(Cache.class, "a");
        id = e.id();
        Cache h = e.handle();
        threads = new HotThreads(callers, "caller", h);
    }

    private boolean measuring;

    @Setup(Level.Iteration)
    public void iteration(IterationParams params) {
        measuring = params.getType() == IterationType.MEASUREMENT;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
        System.out.printf("%ncaller-wait over the measurement iterations (longest hold per swap, us): p50 %.1f p99 %.1f max %.1f over %d swaps, %d rolled back%n",
                callerWait.getValueAtPercentile(50) / 1e3, callerWait.getValueAtPercentile(99) / 1e3, callerWait.getMaxValue() / 1e3,
                callerWait.getTotalCount(), rolledBack);
        threads.close();
        engine.shutdown();
    }

    @Benchmark
    public SwapResult swapUnderLoad() {
        SwapResult r = engine.swap(id, TARGETS[i++ & 1], null).toCompletableFuture().join();
        if (!measuring) {
            return r;
        }
        if (r.outcome == SwapOutcome.COMPLETED) {
            callerWait.recordValue(Math.min(r.longestWaitNanos, callerWait.getHighestTrackableValue()));
        } else {
            rolledBack++;
        }
        return r;
    }
}
