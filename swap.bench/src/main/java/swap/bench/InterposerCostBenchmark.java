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
import org.openjdk.jmh.annotations.Warmup;

import swap.api.Interposer;
import swap.api.Invocation;
import swap.kernel.Engine;
import swap.kernel.StandaloneSource;
import swap.monitor.internal.CallCounter;

/**
 * What an interposer costs per call: the bare handle, the handle with a no-op interposer
 * ({@code call -> call.proceed()}), and the handle with swap.monitor's counting monitor
 * ({@link CallCounter}: two LongAdders, a try/catch around {@code proceed()}), each on an entry of
 * its own set up only for that benchmark (so no benchmark pollutes another's type profiles).
 * Entries are built standalone (Engine + StandaloneSource), as in {@link CallOverheadBenchmark}.
 * Goal (issue 22): no-op interposer at most +5 ns over the bare handle.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(3)
public class InterposerCostBenchmark {

    @Param({"trivial", "map"})
    public String body;

    private Engine engine;

    @State(Scope.Thread)
    public static class Keys {
        long key;

        long next() {
            return key++;
        }
    }

    @Setup
    public void setUp() {
        StandaloneSource source = new StandaloneSource();
        source.add(Cache.class, "trivial", "1.0.0", Caches.Trivial::new);
        source.add(Cache.class, "map", "1.0.0", Caches.SmallMap::new);
        engine = new Engine(source);
    }

    @TearDown
    public void tearDown() {
        engine.shutdown();
    }

    /** A handle on an entry with {@code interposer} on it ({@code null}: none). */
    static Cache handle(InterposerCostBenchmark b, Interposer interposer) {
        var e = b.engine.create(Cache.class, b.body);
        if (interposer != null) {
            b.engine.interpose(e.id(), "measured", interposer);
        }
        return e.handle();
    }

    /** Passes every call on, and does nothing else. */
    static final class NoOp implements Interposer {
        @Override
        public Object invoke(Invocation call) throws Throwable {
            return call.proceed();
        }
    }

    @State(Scope.Benchmark)
    public static class Bare {
        Cache handle;

        @Setup
        public void setUp(InterposerCostBenchmark b) {
            handle = handle(b, null);
        }
    }

    @State(Scope.Benchmark)
    public static class WithNoOp {
        Cache handle;

        @Setup
        public void setUp(InterposerCostBenchmark b) {
            handle = handle(b, new NoOp());
        }
    }

    @State(Scope.Benchmark)
    public static class WithCounter {
        Cache handle;
        CallCounter counter;

        @Setup
        public void setUp(InterposerCostBenchmark b) {
            counter = new CallCounter();
            handle = handle(b, counter);
        }

        @TearDown
        public void check() {
            if ((Long) counter.statistics().get("calls") == 0) {
                throw new IllegalStateException("the counting monitor saw no call: the benchmark did not measure it");
            }
        }
    }

    @Benchmark
    public long handle(Bare s, Keys k) {
        return s.handle.get(k.next());
    }

    @Benchmark
    public long handleNoOpInterposer(WithNoOp s, Keys k) {
        return s.handle.get(k.next());
    }

    @Benchmark
    public long handleCountingMonitor(WithCounter s, Keys k) {
        return s.handle.get(k.next());
    }
}
