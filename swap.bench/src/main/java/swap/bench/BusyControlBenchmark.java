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
import org.openjdk.jmh.infra.Blackhole;

import swap.kernel.Engine;
import swap.kernel.StandaloneSource;

/**
 * The control for {@link SwapLatencyBenchmark}'s tail: the same JVM, the same {@code hotThreads}
 * calling a look-alike entry, the same idle threads, but the measured operation is no swap, only
 * {@code tokens} of {@link Blackhole#consumeCPU} (calibrated to take about as long as one idle swap).
 * With more runnable threads than cores, the measuring thread is preempted now and then whatever it
 * runs, and the operations it was in the middle of take a scheduler's time slice longer: this shows
 * how often, on this machine, without the engine in the measured path.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(2)
@Threads(1)
public class BusyControlBenchmark {

    @Param({"20"})
    public int idleThreads;

    @Param({"0", "8"})
    public int hotThreads;

    /** Work per operation, in {@link Blackhole#consumeCPU} tokens. */
    @Param({"4000"})
    public long tokens;

    private Engine engine;
    private IdleThreads idle;
    private HotThreads hot;

    @Setup
    public void setUp() {
        StandaloneSource source = new StandaloneSource();
        source.add(Cache.class, "a", "1.0.0", Caches.Counting::new);
        engine = new Engine(source);
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
    public void busy() {
        Blackhole.consumeCPU(tokens);
    }
}
