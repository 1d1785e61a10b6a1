package swap.kernel;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import swap.api.Entry;
import swap.api.SwapOutcome;
import swap.api.SwapResult;

/**
 * The exactly-once stress run shared by the platform-thread and the virtual-thread tests: many
 * callers increment a {@link ParkingCounter} whose calls park inside the instance, while the entry
 * is swapped back and forth every 20 ms; at the end the counter must equal the number of calls
 * that returned, and no increment may have run on an instance after its export.
 */
final class ParkingStress {
    private ParkingStress() {
    }

    /**
     * @param callers runs each caller task (one thread per task)
     * @param threads how many callers
     */
    static String run(ExecutorService callers, int threads, long seconds) throws Exception {
        ParkingCounter.LATE.set(0);
        StandaloneSource source = new StandaloneSource();
        source.add(Counter.class, "park-a", "1.0.0", ParkingCounter::new);
        source.add(Counter.class, "park-b", "1.0.0", ParkingCounter.Other::new);
        Engine engine = new Engine(source);
        try {
            Entry<Counter> e = engine.create(Counter.class, "park-a");
            Counter h = e.handle();
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            AtomicLong made = new AtomicLong();
            ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
            List<Future<?>> running = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                running.add(callers.submit(() -> {
                    try {
                        while (System.nanoTime() < until) {
                            h.increment();
                            made.incrementAndGet();
                        }
                    } catch (Throwable ex) {
                        errors.add(ex);
                    }
                }));
            }
            Map<SwapOutcome, Integer> outcomes = new TreeMap<>();
            List<String> reasons = new ArrayList<>();
            String[] targets = {"park-b", "park-a"};
            int i = 0;
            while (System.nanoTime() < until) {
                SwapResult r = engine.swap(e.id(), targets[i++ & 1], "stress", 2000).toCompletableFuture().get();
                outcomes.merge(r.outcome, 1, Integer::sum);
                if (r.outcome != SwapOutcome.COMPLETED && reasons.size() < 3) {
                    reasons.add(r.reason);
                }
                Thread.sleep(20);
            }
            for (Future<?> f : running) {
                f.get(30, TimeUnit.SECONDS);
            }
            assertTrue("callers saw exceptions: " + errors, errors.isEmpty());
            assertEquals("increments that ran on an instance after its export", 0, ParkingCounter.LATE.get());
            assertEquals("every call counted exactly once", made.get(), h.get());
            int completed = outcomes.getOrDefault(SwapOutcome.COMPLETED, 0);
            // Progress, not speed: both directions completed at least once while the callers ran.
            assertTrue("swaps completed: " + outcomes + " " + reasons, completed >= 2);
            return threads + " callers, " + seconds + " s, " + made.get() + " calls, swaps " + outcomes + (reasons.isEmpty() ? "" : ", e.g. " + reasons);
        } finally {
            callers.shutdownNow();
            engine.shutdown();
        }
    }
}
