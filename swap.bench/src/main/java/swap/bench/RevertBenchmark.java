package swap.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import swap.api.SwapOptions;
import swap.api.SwapOutcome;
import swap.api.SwapResult;
import swap.kernel.Engine;
import swap.core.safe.SafeSwapConfig;
import swap.kernel.StandaloneSource;
import swap.monitor.internal.CallCounter;
import swap.monitor.internal.LatencyMonitor;

/**
 * Time from a bad swap to its automatic revert, under load: four threads call the entry without
 * pause while it is swapped, with a watch, to an implementation whose every tenth call throws. One
 * operation is the whole story: the swap, the watch reading the {@code calls} and {@code latency}
 * monitors every {@code checkMillis} until the error rate crosses the threshold (after at least
 * {@code minCalls} calls), and the swap back with the state. The baseline is 0 ms (thresholds
 * against a zero baseline; a real baseline would only add its own, configured, length before the
 * swap). Sample mode gives p50 and p99. Defaults otherwise: check every 20 ms, at least 100 calls,
 * error rate +5 points.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(1)
@Threads(1)
public class RevertBenchmark {

    /** Fails every tenth call. */
    static final class Failing extends Caches.Counting {
        private final AtomicLong calls = new AtomicLong();

        @Override
        public long get(long key) {
            if (calls.incrementAndGet() % 10 == 0) {
                throw new IllegalStateException("every tenth call fails");
            }
            return super.get(key);
        }
    }

    private Engine engine;
    private long id;
    private final List<Thread> load = new ArrayList<>();
    private volatile boolean stop;

    @Setup
    public void setUp() {
        StandaloneSource source = new StandaloneSource();
        source.add(Cache.class, "good", "1.0.0", Caches.Counting::new);
        source.add(Cache.class, "bad", "1.0.0", Failing::new);
        source.addInterposer("calls", CallCounter::new);
        source.addInterposer("latency", LatencyMonitor::new);
        engine = new Engine(source);
        SafeSwapConfig c = new SafeSwapConfig();
        c.baselineMillis = 0;
        swap.core.safe.SafeSwaps.on(engine).configure(c);
        var e = engine.create(Cache.class, "good");
        id = e.id();
        Cache handle = e.handle();
        for (int t = 0; t < 4; t++) {
            Thread th = new Thread(() -> {
                long k = 0;
                while (!stop) {
                    try {
                        handle.get(k++);
                    } catch (IllegalStateException expected) {
                        // the bad implementation's failures
                    }
                }
            }, "load-" + t);
            th.setDaemon(true);
            th.start();
            load.add(th);
        }
    }

    @TearDown
    public void tearDown() throws InterruptedException {
        stop = true;
        for (Thread t : load) {
            t.join();
        }
        engine.shutdown();
    }

    @Benchmark
    public SwapResult badSwapToRevert() {
        SwapResult r = engine.swap(id, "bad", "bench", SwapOptions.watch(60_000)).toCompletableFuture().join();
        if (r.outcome != SwapOutcome.REVERTED) {
            throw new IllegalStateException(r.toString());
        }
        return r;
    }
}
