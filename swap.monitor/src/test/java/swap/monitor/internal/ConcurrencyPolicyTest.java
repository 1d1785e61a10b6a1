package swap.monitor.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;

import swap.api.Entry;
import swap.api.SwapResult;
import swap.kernel.Engine;
import swap.kernel.StandaloneSource;

/** The concurrency policy on the real engine: it reacts to contention, and does not flap. */
public class ConcurrencyPolicyTest {

    public interface Work {
        long step();
    }

    /** Holds each call for a little while, so that concurrent callers overlap. */
    static final class Busy implements Work {
        private final AtomicLong n = new AtomicLong();

        @Override
        public long step() {
            long end = System.nanoTime() + 20_000;
            while (System.nanoTime() < end) {
                Thread.onSpinWait();
            }
            return n.incrementAndGet();
        }
    }

    static final long WINDOW_MILLIS = 50;

    private StandaloneSource source;
    private Engine engine;
    private Entry<Work> entry;
    private final List<String> decisions = new ArrayList<>();

    @Before
    public void setUp() {
        source = new StandaloneSource();
        source.add(Work.class, "one-lock", "1.0.0", Busy::new, "concurrency", "shared");
        source.add(Work.class, "partitioned", "1.0.0", Busy::new, "concurrency", "distributed");
        source.addInterposer("contention", () -> new ContentionSensor(WINDOW_MILLIS));
        engine = new Engine(source);
        entry = engine.create(Work.class, "one-lock");
    }

    @After
    public void tearDown() {
        engine.shutdown();
    }

    /** Runs {@code threads} callers for {@code millis} while the policy is evaluated once per window. */
    private void phase(Policies policies, int threads, long millis) throws InterruptedException {
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> l = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread th = new Thread(() -> {
                while (running.get()) {
                    entry.handle().step();
                }
            });
            l.add(th);
            th.start();
        }
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (System.nanoTime() < end) {
            Thread.sleep(WINDOW_MILLIS);
            policies.evaluateAll();
        }
        running.set(false);
        for (Thread th : l) {
            th.join();
        }
    }

    /** The policy is an implementation of {@code swap.api.Policy}; the runner puts it behind an entry of its own. */
    private Policies policies(long minIntervalMillis) {
        source.add(swap.api.Policy.class, ConcurrencyPolicy.NAME, "1.0.0", () -> new ConcurrencyPolicy(Work.class.getName(), 2, 2, 3, minIntervalMillis));
        return new Policies(engine, List.of(ConcurrencyPolicy.NAME), (p, d) -> decisions.add(d));
    }

    @Test
    public void swapsToDistributedUnderContentionAndBackWhenQuiet() throws Exception {
        Policies p = policies(0);
        phase(p, 3, 600);
        assertEquals(decisions.toString(), "partitioned", entry.describe().implementation);
        phase(p, 1, 600);
        assertEquals(decisions.toString(), "one-lock", entry.describe().implementation);
        SwapResult last = entry.describe().lastSwap;
        assertTrue(last.reason, last.reason.startsWith(ConcurrencyPolicy.NAME + ": at most one thread"));
        assertEquals(List.of("contention"), entry.describe().interposers);
        assertTrue(p.policies().get(0).evaluations > 10);
    }

    @Test
    public void aWorkloadAlternatingBetweenOneAndManyThreadsDoesNotFlap() throws Exception {
        long minInterval = 500;
        Policies p = policies(minInterval);
        long start = System.nanoTime();
        for (int i = 0; i < 5; i++) {
            phase(p, 3, 250);
            phase(p, 1, 250);
        }
        long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        long swaps = entry.describe().swaps;
        // Without hysteresis and the rate limit the policy would swap at every one of the 10 phase changes.
        assertTrue("swaps " + swaps + " in " + elapsedMillis + " ms: " + decisions, swaps <= elapsedMillis / minInterval + 1);
        assertTrue("it reacted at all: " + decisions, swaps >= 1);
    }

    @Test
    public void policiesCanBeTurnedOff() throws Exception {
        Policies p = policies(0);
        p.enable(ConcurrencyPolicy.NAME, false);
        phase(p, 3, 400);
        assertEquals("one-lock", entry.describe().implementation);
        assertEquals(0, p.policies().get(0).evaluations);
        try {
            p.enable("nope", true);
            throw new AssertionError();
        } catch (swap.api.SwapException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("no policy named 'nope'"));
        }
    }
}
