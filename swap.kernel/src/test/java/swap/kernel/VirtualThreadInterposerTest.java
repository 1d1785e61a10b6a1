package swap.kernel;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;

import swap.api.Entry;
import swap.api.SwapOutcome;
import swap.api.SwapResult;

/**
 * Virtual-thread callers through a generated interposer chain (the outer handle's counted path,
 * then the chain, then the inner handle's counted copy) while the entry is swapped back and forth and
 * a second interposer comes and goes: every call runs exactly once and the interposer that stays on
 * sees every one.
 *
 * <p>Needs Java 21+: the build runs it only there (swap.kernel's {@code java21} profile). Compiled for
 * Java 17, so virtual threads are made through reflection.
 */
public class VirtualThreadInterposerTest {

    private Engine engine;

    @Before
    public void setUp() {
        Counters.VIOLATIONS.set(0);
        StandaloneSource source = new StandaloneSource();
        source.add(Counter.class, "atomic", "1.0.0", Counters.Atomic::new, "concurrency", "shared");
        source.add(Counter.class, "striped", "1.0.0", Counters.Striped::new, "concurrency", "distributed");
        engine = new Engine(source);
    }

    @After
    public void tearDown() {
        engine.shutdown();
        assertEquals("calls ran on an instance after its export began or before its import ended", 0, Counters.VIOLATIONS.get());
    }

    @Test
    public void virtualCallersThroughAChainLoseNoCallAcrossSwaps() throws Exception {
        Entry<Counter> e = engine.create(Counter.class, "atomic");
        AtomicLong seen = new AtomicLong();
        engine.interpose(e.id(), "count", call -> {
            if (call.method().getName().equals("increment")) {
                seen.incrementAndGet();
            }
            return call.proceed();
        });
        AtomicBoolean running = new AtomicBoolean(true);
        int callers = 50;
        List<Future<Long>> made = new ArrayList<>();
        ExecutorService virtual = (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
        try {
            for (int t = 0; t < callers; t++) {
                made.add(virtual.submit(() -> {
                    long n = 0;
                    while (running.get()) {
                        e.handle().increment();
                        n++;
                        if (n % 64 == 0) {
                            Thread.yield(); // let the other virtual threads and the swaps run
                        }
                    }
                    return n;
                }));
            }
            int completed = 0;
            for (int i = 0; i < 10; i++) {
                engine.interpose(e.id(), "extra", call -> call.proceed());
                SwapResult r = engine.swap(e.id(), i % 2 == 0 ? "striped" : "atomic", "test").toCompletableFuture().get(30, TimeUnit.SECONDS);
                engine.removeInterposer(e.id(), "extra");
                if (r.outcome == SwapOutcome.COMPLETED) {
                    completed++;
                }
            }
            running.set(false);
            long total = 0;
            for (Future<Long> f : made) {
                total += f.get(30, TimeUnit.SECONDS);
            }
            assertEquals("every call ran exactly once, across the swaps", total, e.handle().get());
            assertEquals("the interposer saw every call", total, seen.get());
            assertTrue("some swaps completed: " + completed, completed > 0);
        } finally {
            running.set(false);
            virtual.shutdownNow();
        }
    }
}
