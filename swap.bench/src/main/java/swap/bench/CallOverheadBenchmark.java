package swap.bench;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import swap.kernel.Engine;
import swap.kernel.StandaloneSource;

/**
 * The cost of one call through an entry's handle against the same call made directly through the
 * interface. Run with {@code -t 1} and {@code -t 2}; both bodies of ANCHORS.md. On Java 21+,
 * {@code directVirtual} and {@code handleVirtual} measure the same from a virtual thread (the counted
 * path); on Java 17 exclude them ({@code -e Virtual}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(3)
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

    /** Calls per virtual-thread run in {@link #directVirtual} and {@link #handleVirtual}. */
    static final int VIRTUAL_CALLS = 100_000;

    /**
     * The same call made {@value #VIRTUAL_CALLS} times from one virtual thread (Java 21+; the thread's
     * start and join are spread over the calls): the direct baseline of {@link #handleVirtual}.
     */
    @Benchmark
    @OperationsPerInvocation(VIRTUAL_CALLS)
    public long directVirtual() throws Throwable {
        return Virtual.run(direct);
    }

    /** Calls through the handle from a virtual thread: the counted path ({@code VirtualCalls}). */
    @Benchmark
    @OperationsPerInvocation(VIRTUAL_CALLS)
    public long handleVirtual() throws Throwable {
        return Virtual.run(handle);
    }

    /** Starts a virtual thread through reflection (this module is compiled for Java 17). */
    static final class Virtual {
        private static final java.lang.invoke.MethodHandle START;

        static {
            java.lang.invoke.MethodHandle h = null;
            try {
                h = java.lang.invoke.MethodHandles.publicLookup().findStatic(Thread.class, "startVirtualThread",
                        java.lang.invoke.MethodType.methodType(Thread.class, Runnable.class));
            } catch (ReflectiveOperationException e) {
                // Java 17: no virtual threads; the virtual benchmarks fail with a clear message
            }
            START = h;
        }

        static long run(Cache cache) throws Throwable {
            if (START == null) {
                throw new UnsupportedOperationException("virtual threads need Java 21+: run the *Virtual benchmarks on a newer JDK");
            }
            long[] sum = new long[1];
            Thread t = (Thread) START.invoke((Runnable) () -> {
                long s = 0;
                for (int i = 0; i < VIRTUAL_CALLS; i++) {
                    s += cache.get(i);
                }
                sum[0] = s;
            });
            t.join();
            return sum[0];
        }
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
