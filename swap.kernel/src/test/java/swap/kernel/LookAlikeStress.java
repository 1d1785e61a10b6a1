package swap.kernel;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import swap.api.Entry;
import swap.api.SwapOutcome;
import swap.api.SwapResult;

/**
 * Look-alike callers (issue 22): three entries whose instances are all of one class. An idle entry
 * is swapped every 10 ms between two implementations of that class while 8 platform threads hammer
 * a second entry and {@code others} callers (virtual threads on Java 21+) call a third, through an
 * interposer. Every entry
 * must end with exactly the number of calls that returned, no call may run on an instance after its
 * export, and no swap may roll back: calls into look-alike instances are no reason to wait.
 */
final class LookAlikeStress {
    private LookAlikeStress() {
    }

    /** @param yielding whether the other callers yield after each call (virtual threads: so the carriers take turns) */
    static String run(ExecutorService otherCallers, int others, boolean yielding, long seconds) throws Exception {
        Counters.VIOLATIONS.set(0);
        StandaloneSource source = new StandaloneSource();
        source.add(Counter.class, "a", "1.0.0", Counters.Atomic::new);
        source.add(Counter.class, "a2", "1.0.0", Counters.Atomic::new); // the same class: a look-alike of "a"
        Engine engine = new Engine(source);
        ExecutorService hot = Executors.newFixedThreadPool(8, r -> {
            Thread t = new Thread(r, "hot");
            t.setDaemon(true);
            return t;
        });
        try {
            Entry<Counter> idle = engine.create(Counter.class, "a");
            Entry<Counter> hammered = engine.create(Counter.class, "a");
            Entry<Counter> third = engine.create(Counter.class, "a");
            // The third entry's calls pass an interposer chain, whose end calls copies of the handle's methods.
            engine.interpose(third.id(), "pass", swap.api.Invocation::proceed);
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            AtomicLong madeIdle = new AtomicLong();
            AtomicLong madeHammered = new AtomicLong();
            AtomicLong madeThird = new AtomicLong();
            ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
            List<Future<?>> running = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                running.add(hot.submit(() -> loop(hammered.handle(), madeHammered, until, errors, false)));
            }
            for (int t = 0; t < others; t++) {
                running.add(otherCallers.submit(() -> loop(third.handle(), madeThird, until, errors, yielding)));
            }
            Map<SwapOutcome, Integer> outcomes = new TreeMap<>();
            List<String> reasons = new ArrayList<>();
            String[] targets = {"a2", "a"};
            int i = 0;
            List<Long> totals = new ArrayList<>();
            while (System.nanoTime() < until) {
                SwapResult r = engine.swap(idle.id(), targets[i++ & 1], "look-alike stress").toCompletableFuture().get();
                outcomes.merge(r.outcome, 1, Integer::sum);
                totals.add(r.totalNanos / 1000);
                if (r.outcome != SwapOutcome.COMPLETED && reasons.size() < 3) {
                    reasons.add(r.reason);
                }
                idle.handle().increment(); // the idle entry is called now and then, between its swaps
                madeIdle.incrementAndGet();
                Thread.sleep(10);
            }
            for (Future<?> f : running) {
                f.get(60, TimeUnit.SECONDS);
            }
            String summary = "8 hot platform threads, " + others + " other callers, " + seconds + " s: " + madeHammered.get() + " + "
                    + madeThird.get() + " + " + madeIdle.get() + " calls, swaps " + outcomes + ", swap time us (median/max) " + median(totals) + "/" + totals.stream().mapToLong(Long::longValue).max().orElse(0)
                    + (reasons.isEmpty() ? "" : ", e.g. " + reasons);
            assertTrue("callers saw exceptions: " + errors, errors.isEmpty());
            assertEquals("calls that ran on an instance after its export, during its import or after its release", 0, Counters.VIOLATIONS.get());
            assertEquals("the hammered entry counted every call exactly once", madeHammered.get(), hammered.handle().get());
            assertEquals("the third entry counted every call exactly once", madeThird.get(), third.handle().get());
            assertEquals("the swapped entry counted every call exactly once", madeIdle.get(), idle.handle().get());
            assertEquals("every swap of the idle entry completed: " + summary, Map.of(SwapOutcome.COMPLETED, i), outcomes);
            assertTrue("swaps ran: " + summary, i >= 2);
            return summary;
        } finally {
            hot.shutdownNow();
            otherCallers.shutdownNow();
            engine.shutdown();
        }
    }

    private static long median(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        java.util.Collections.sort(sorted);
        return sorted.isEmpty() ? 0 : sorted.get(sorted.size() / 2);
    }

    private static void loop(Counter c, AtomicLong made, long until, ConcurrentLinkedQueue<Throwable> errors, boolean yield) {
        try {
            while (System.nanoTime() < until) {
                c.increment();
                made.incrementAndGet();
                if (yield) {
                    Thread.yield(); // virtual threads: let the carriers take turns
                }
            }
        } catch (Throwable ex) {
            errors.add(ex);
        }
    }
}
