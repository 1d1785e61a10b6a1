package swap.kernel;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import org.junit.Test;

import swap.api.Entry;
import swap.api.SwapOutcome;
import swap.api.SwapResult;

/**
 * Exactly-once under swapping: 4 threads increment a counter through its handle while another
 * thread swaps it back and forth between two implementations. Every call must be counted exactly
 * once, no caller may see an exception, and no call may run on an instance after its export began
 * or during its import. Duration: {@code -Dswap.stress.seconds=N} (default 10).
 */
public class SwapStressTest {

    @Test
    public void fourCallersAndASwapperLoseNoIncrement() throws Exception {
        long seconds = Long.getLong("swap.stress.seconds", 10);
        Counters.VIOLATIONS.set(0);
        StandaloneSource source = new StandaloneSource();
        source.add(Counter.class, "atomic", "1.0.0", Counters.Atomic::new);
        source.add(Counter.class, "striped", "1.0.0", Counters.Striped::new);
        Engine engine = new Engine(source);
        try {
            Entry<Counter> e = engine.create(Counter.class, "atomic");
            Counter h = e.handle();
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            long[] made = new long[4];
            ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
            List<Thread> callers = new ArrayList<>();
            for (int t = 0; t < made.length; t++) {
                int k = t;
                Thread th = new Thread(() -> {
                    try {
                        while (System.nanoTime() < until) {
                            h.increment();
                            made[k]++;
                        }
                    } catch (Throwable ex) {
                        errors.add(ex);
                    }
                }, "caller-" + t);
                callers.add(th);
                th.start();
            }
            Map<SwapOutcome, Integer> outcomes = new TreeMap<>();
            List<String> reasons = new ArrayList<>();
            String[] targets = {"striped", "atomic", "atomic"}; // atomic -> atomic hands its cell over by reference
            int i = 0;
            long[] phases = new long[5];
            while (System.nanoTime() < until) {
                SwapResult r = engine.swap(e.id(), targets[i++ % targets.length], "stress").toCompletableFuture().get();
                outcomes.merge(r.outcome, 1, Integer::sum);
                phases[0] += r.instantiateNanos;
                phases[1] += r.forwardNanos;
                phases[2] += r.blockedNanos;
                phases[3] += r.transferNanos;
                phases[4] += r.totalNanos;
                if (r.outcome != SwapOutcome.COMPLETED && reasons.size() < 5) {
                    reasons.add(r.reason);
                }
            }
            for (Thread th : callers) {
                th.join();
            }
            long total = 0;
            for (long m : made) {
                total += m;
            }
            assertTrue("callers saw exceptions: " + errors, errors.isEmpty());
            assertEquals("every call counted exactly once", total, h.get());
            assertEquals(0, Counters.VIOLATIONS.get());
            int completed = outcomes.getOrDefault(SwapOutcome.COMPLETED, 0);
            System.out.println("stress: " + seconds + " s, " + total + " calls, swaps " + outcomes + (reasons.isEmpty() ? "" : ", e.g. " + reasons)
                    + String.format(", mean us: instantiate %.1f forward %.1f blocked %.1f transfer %.1f total %.1f", phases[0] / 1e3 / i,
                            phases[1] / 1e3 / i, phases[2] / 1e3 / i, phases[3] / 1e3 / i, phases[4] / 1e3 / i));
            assertTrue("at least 1,000 swaps completed, got " + outcomes + " " + reasons, completed >= 1000 * seconds / 10);
        } finally {
            engine.shutdown();
        }
    }
}
