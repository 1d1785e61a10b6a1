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

import swap.core.Engine;
import swap.core.StandaloneSource;

/**
 * The cost of one call through an entry's handle against the same call made directly through the
 * interface. Run with {@code -t 1} and {@code -t 2}; both bodies of ANCHORS.md.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
public class CallOverheadBenchmark {

    @Param({"trivial", "map"})
    public String body;

    private Engine engine;
    private Cache direct;
    private Cache handle;

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
        direct = body.equals("trivial") ? new Caches.Trivial() : new Caches.SmallMap();
        handle = engine.create(Cache.class, body).handle();
    }

    @TearDown
    public void tearDown() {
        engine.shutdown();
    }

    @Benchmark
    public long direct(Keys k) {
        return direct.get(k.next());
    }

    @Benchmark
    public long handle(Keys k) {
        return handle.get(k.next());
    }

    /**
     * An entry that had an interposer, removed again (set up only for {@link #handleInterposerRemoved},
     * so it does not touch the other methods' type profiles).
     */
    @State(Scope.Benchmark)
    public static class Removed {
        Cache handle;

        @Setup
        public void setUp(CallOverheadBenchmark b) {
            var e = b.engine.create(Cache.class, b.body);
            b.engine.interpose(e.id(), "counting", call -> call.proceed());
            for (int i = 0; i < 20_000; i++) {
                e.handle().get(i);
            }
            b.engine.removeInterposer(e.id(), "counting");
            handle = e.handle();
        }
    }

    @Benchmark
    public long handleInterposerRemoved(Removed r, Keys k) {
        return r.handle.get(k.next());
    }
}
