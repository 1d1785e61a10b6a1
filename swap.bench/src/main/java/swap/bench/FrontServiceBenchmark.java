package swap.bench;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
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

import swap.api.Entry;
import swap.kernel.Engine;
import swap.kernel.StandaloneSource;

/**
 * A call through a swappable service's front against the same call on the raw service, the
 * plain-Java equivalent of a DS consumer's call: a front's service object is an entry's handle
 * (swap.core ServiceFronts registers {@code entry.handle()} itself for a singleton), so a consumer
 * holding the front calls handle -> provider instance. With {@code updates > 0} the provider is
 * "updated" that many times first: each update is a new class (the same code defined by a new
 * class loader, as a new bundle revision is), the entry is swapped to it, and both call sites (the
 * raw one and the front's) are exercised with every revision in turn, as a consumer's call site
 * is across real updates.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
public class FrontServiceBenchmark {

    @Param({"0", "20"})
    public int updates;

    private Engine engine;
    private Cache raw;
    private Cache front;

    @Setup
    public void setUp() throws Exception {
        List<Class<?>> revisions = new ArrayList<>();
        for (int i = 0; i <= updates; i++) {
            revisions.add(i == 0 ? RevisionedStore.class : new Revision().load());
        }
        StandaloneSource source = new StandaloneSource();
        for (int i = 0; i <= updates; i++) {
            Class<?> c = revisions.get(i);
            source.add(Cache.class, "store", "1.0." + i, () -> (Cache) newInstance(c));
        }
        engine = new Engine(source);
        Entry<Cache> entry = engine.create(Cache.class, "(swap.impl.version=1.0.0)");
        front = entry.handle();
        CallOverheadBenchmark.Keys keys = new CallOverheadBenchmark.Keys();
        for (int i = 0; i <= updates; i++) {
            if (i > 0) {
                engine.swap(entry.id(), "(swap.impl.version=1.0." + i + ")", "update " + i).toCompletableFuture().join();
            }
            raw = (Cache) newInstance(revisions.get(i));
            for (int n = 0; n < 20_000; n++) {
                direct(keys);
                front(keys);
            }
        }
    }

    private static Object newInstance(Class<?> c) {
        try {
            return c.getConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Defines {@link RevisionedStore} anew: a distinct class of the same code, as a new bundle revision's. */
    static final class Revision extends ClassLoader {
        Revision() {
            super(FrontServiceBenchmark.class.getClassLoader());
        }

        Class<?> load() throws IOException {
            String name = RevisionedStore.class.getName();
            try (InputStream in = getParent().getResourceAsStream(name.replace('.', '/') + ".class")) {
                byte[] b = in.readAllBytes();
                return defineClass(name, b, 0, b.length);
            }
        }
    }

    @TearDown
    public void tearDown() {
        engine.shutdown();
    }

    @Benchmark
    public long direct(CallOverheadBenchmark.Keys k) {
        return raw.get(k.next());
    }

    @Benchmark
    public long front(CallOverheadBenchmark.Keys k) {
        return front.get(k.next());
    }
}
