package swap.bench;

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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import swap.api.SwapOutcome;
import swap.api.SwapResult;
import swap.kernel.Engine;
import swap.kernel.StandaloneSource;

/**
 * Swapping an idle entry with small state (a counter carried in a canonical format) back and
 * forth between two implementations, with {@code idleThreads} parked platform threads in the JVM
 * and {@code hotThreads} platform threads calling <em>another</em> entry of the same implementation
 * class in a tight loop (a look-alike: its frames name the same classes as the swapped entry's);
 * sample mode gives p50 and p99 of one complete swap.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(2)
@Threads(1)
public class SwapLatencyBenchmark {

    /** Parked platform threads in the JVM besides the swapping one: what the stack check visits. */
    @Param({"20", "200", "2000"})
    public int idleThreads;

    /** Platform threads calling a look-alike entry (same interface, same implementation class) as fast as they can. */
    @Param({"0", "2", "8"})
    public int hotThreads;

    private Engine engine;
    private IdleThreads idle;
    private HotThreads hot;
    private long id;
    private int i;
    private static final String[] TARGETS = {"b", "a"};

    @Setup
    public void setUp() {
        StandaloneSource source = new StandaloneSource();
        source.add(Cache.class, "a", "1.0.0", Caches.Counting::new);
        source.add(Cache.class, "b", "1.0.0", Caches.Counting::new);
        engine = new Engine(source);
        var e = engine.create(Cache.class, "a");
        e.handle().get(1);
        id = e.id();
        idle = new IdleThreads(idleThreads);
        Cache lookAlike = engine.create(Cache.class, "a").handle();
        hot = new HotThreads(hotThreads, "hot", lookAlike);
    }

    @TearDown
    public void tearDown() throws InterruptedException {
        hot.close();
        idle.close();
        engine.shutdown();
    }

    @Benchmark
    public SwapResult swapIdle() {
        SwapResult r = engine.swap(id, TARGETS[i++ & 1], null).toCompletableFuture().join();
        if (r.outcome != SwapOutcome.COMPLETED) {
            throw new IllegalStateException(r.toString());
        }
        return r;
    }
}
