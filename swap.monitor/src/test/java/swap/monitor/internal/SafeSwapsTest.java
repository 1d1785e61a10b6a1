package swap.monitor.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;

import swap.api.Batch;
import swap.api.BatchResult;
import swap.api.Entry;
import swap.api.MismatchDTO;
import swap.api.ReadOnly;
import swap.api.StateFormat;
import swap.api.StatefulComponent;
import swap.api.SwapOptions;
import swap.api.SwapOutcome;
import swap.api.SwapResult;
import swap.api.TransferContext;
import swap.kernel.Engine;
import swap.core.safe.SafeSwapConfig;
import swap.kernel.StandaloneSource;

/**
 * Safe swaps on the real engine outside OSGi, measured by the real {@code calls} and {@code latency}
 * monitors: a watch swaps a bad implementation back with the state intact, passes a good one and
 * leaves no monitor behind; a canary aborts on a mismatch (the running instance never leaves) and
 * commits when it agrees. Outcomes are asserted, never durations: the windows are configuration.
 */
public class SafeSwapsTest {

    /** The component: a tally of successful adds. */
    public interface Tally {
        StateFormat<Long> VALUE = StateFormat.canonical("tally.value", Long.class);

        long add();

        @ReadOnly
        long get();
    }

    /** A correct tally; each add costs {@code workNanos} (parked). */
    public static class Good implements Tally, StatefulComponent {
        static final List<Good> MADE = new CopyOnWriteArrayList<>();
        final AtomicLong count = new AtomicLong();
        final long workNanos;

        Good(long workNanos) {
            this.workNanos = workNanos;
            MADE.add(this);
        }

        @Override
        public long add() {
            if (workNanos > 0) {
                LockSupport.parkNanos(workNanos);
            }
            return count.incrementAndGet();
        }

        @Override
        public long get() {
            return count.get();
        }

        @Override
        public List<StateFormat<?>> exportFormats() {
            return List.of(VALUE);
        }

        @Override
        public List<StateFormat<?>> importFormats() {
            return List.of(VALUE);
        }

        @Override
        public Object exportState(StateFormat<?> format) {
            return count.get();
        }

        @Override
        public void importState(StateFormat<?> format, Object state, TransferContext context) {
            count.set(VALUE.cast(state));
        }
    }

    /** Throws on every tenth add while {@link #failing}, before counting it: 10 % of calls fail, no success is lost. */
    public static class Flaky extends Good {
        static final AtomicBoolean failing = new AtomicBoolean(true);
        private final AtomicLong calls = new AtomicLong();

        Flaky() {
            super(0);
        }

        @Override
        public long add() {
            if (failing.get() && calls.incrementAndGet() % 10 == 0) {
                throw new IllegalStateException("flaky: every tenth add fails");
            }
            return super.add();
        }
    }

    /** Right until its 50th get, then one too many. */
    public static class Liar extends Good {
        private final AtomicLong gets = new AtomicLong();

        Liar() {
            super(0);
        }

        @Override
        public long get() {
            return gets.incrementAndGet() > 50 ? super.get() + 1 : super.get();
        }
    }

    /** Hands its state over by reference only: cannot be shadowed. */
    public static class ByReference extends Good {
        static final StateFormat<AtomicLong> CELL = StateFormat.byReference("tally.cell", AtomicLong.class);

        ByReference() {
            super(0);
        }

        @Override
        public List<StateFormat<?>> exportFormats() {
            return List.of(CELL);
        }

        @Override
        public List<StateFormat<?>> importFormats() {
            return List.of(CELL, VALUE);
        }

        @Override
        public Object exportState(StateFormat<?> format) {
            return count;
        }
    }

    private StandaloneSource source;
    private Engine engine;
    private final List<Thread> load = new ArrayList<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicLong added = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();

    @Before
    public void setUp() {
        Good.MADE.clear();
        Flaky.failing.set(true);
        source = new StandaloneSource();
        source.add(Tally.class, "good", "1.0.0", () -> new Good(0));
        source.add(Tally.class, "good2", "1.0.0", () -> new Good(0));
        // Each add parks 2 ms more: its p99 is at least 2 ms, over 20 x (in practice hundreds of times) the
        // p99 of "good" (a few microseconds), whatever else runs on the machine.
        source.add(Tally.class, "slow", "1.0.0", () -> new Good(2_000_000));
        source.add(Tally.class, "flaky", "1.0.0", Flaky::new);
        source.add(Tally.class, "liar", "1.0.0", Liar::new);
        source.add(Tally.class, "byref", "1.0.0", ByReference::new);
        source.addInterposer("calls", CallCounter::new);
        source.addInterposer("latency", LatencyMonitor::new);
        engine = new Engine(source);
        SafeSwapConfig c = new SafeSwapConfig();
        c.baselineMillis = 500;
        c.windowMillis = 20_000; // long: a bad implementation must be caught well within it
        swap.core.safe.SafeSwaps.on(engine).configure(c);
    }

    @After
    public void tearDown() throws InterruptedException {
        stopLoad();
        engine.shutdown();
    }

    private void startLoad(Tally t, int threads, boolean writes) {
        startLoad(t, threads, writes, 0);
    }

    /** @param pauseNanos a pause after each write (0: none) */
    private void startLoad(Tally t, int threads, boolean writes, long pauseNanos) {
        for (int i = 0; i < threads; i++) {
            Thread th = new Thread(() -> {
                while (!stop.get()) {
                    try {
                        if (writes) {
                            t.add();
                            added.incrementAndGet();
                            if (pauseNanos > 0) {
                                LockSupport.parkNanos(pauseNanos);
                            }
                        } else {
                            t.get();
                            LockSupport.parkNanos(20_000);
                        }
                    } catch (IllegalStateException e) {
                        failed.incrementAndGet();
                    }
                }
            }, "load-" + i);
            th.start();
            load.add(th);
        }
    }

    private void stopLoad() throws InterruptedException {
        stop.set(true);
        for (Thread t : load) {
            t.join();
        }
        load.clear();
    }

    private static SwapResult join(java.util.concurrent.CompletionStage<SwapResult> s) {
        return s.toCompletableFuture().join();
    }

    @Test
    public void anImplementationThatThrowsOnTenPercentOfCallsIsRevertedWithItsStateIntact() throws Exception {
        Entry<Tally> e = engine.create(Tally.class, "good");
        startLoad(e.handle(), 4, true);
        SwapResult r = join(engine.swap(e.id(), "flaky", "deploy", SwapOptions.watch(0)));
        assertEquals(r.toString(), SwapOutcome.REVERTED, r.outcome);
        assertTrue(r.reason, r.reason.contains("error rate"));
        assertEquals("reverted", r.figures.get("watch"));
        assertTrue(r.figures.toString(), (Double) r.figures.get("errorRate") > 0.05);
        assertEquals("good 1.0.0", r.from);
        assertEquals("flaky 1.0.0", r.to);
        assertEquals("good", e.describe().implementation);
        stopLoad();
        assertTrue("the flaky implementation threw", failed.get() > 0);
        assertEquals("every successful add is in the count, through two swaps", added.get(), e.handle().get());
        assertEquals("the watch's monitors are gone", List.of(), e.describe().interposers);
        assertNull(e.describe().safety);
        List<SwapResult> h = engine.history(3);
        assertEquals("the swap back is a swap of its own", SwapOutcome.COMPLETED, h.get(0).outcome);
        assertEquals("flaky 1.0.0", h.get(0).from);
        assertSame("the watched swap's record now says REVERTED", r, h.get(1));
    }

    /**
     * Issue 24: the watch's failures in all are exactly what the callers counted. The bad instance
     * throws only while it is installed, and every call to it passes the watch's counter, which stays
     * on from the start of the swap until the swap back has completed.
     */
    @Test
    public void theWatchReportsEveryFailureItsCallersCounted() throws Exception {
        Entry<Tally> e = engine.create(Tally.class, "good");
        startLoad(e.handle(), 4, true);
        SwapResult r = join(engine.swap(e.id(), "flaky", "deploy", SwapOptions.watch(0)));
        stopLoad();
        assertEquals(r.toString(), SwapOutcome.REVERTED, r.outcome);
        assertTrue("the flaky implementation threw", failed.get() > 0);
        assertEquals(r.figures.toString(), failed.get(), ((Number) r.figures.get("thrownInAll")).longValue());
        assertTrue(r.reason, r.reason.contains("in all " + failed.get() + " of "));
        assertTrue("the window's own count is part of it", ((Number) r.figures.get("calls")).longValue() <= ((Number) r.figures.get("callsInAll")).longValue());
        assertEquals("the watch's monitors are gone", List.of(), e.describe().interposers);
    }

    /** Issue 24: a watch whose window saw fewer calls than it needs gives no verdict: INCONCLUSIVE, not passed. */
    @Test
    public void aWatchWithoutCallsIsInconclusiveNotPassed() throws Exception {
        Entry<Tally> e = engine.create(Tally.class, "good");
        SwapResult r = join(engine.swap(e.id(), "good2", "deploy", SwapOptions.watch(300)));
        assertEquals(r.toString(), SwapOutcome.COMPLETED, r.outcome);
        assertEquals("inconclusive", r.figures.get("watch"));
        assertTrue(r.reason, r.reason.contains("watch inconclusive: only 0 call(s) in 300 ms, at least 100 needed"));
        assertEquals("good2", e.describe().implementation);
        assertEquals("the watch's monitors are gone", List.of(), e.describe().interposers);
    }

    @Test
    public void anImplementationTwentyTimesSlowerAtP99IsReverted() throws Exception {
        Entry<Tally> e = engine.create(Tally.class, "good");
        startLoad(e.handle(), 4, true);
        SwapResult r = join(engine.swap(e.id(), "slow", "deploy", SwapOptions.watch(0)));
        assertEquals(r.toString(), SwapOutcome.REVERTED, r.outcome);
        assertTrue(r.reason, r.reason.contains("p99 latency"));
        assertTrue(r.figures.toString(), (Double) r.figures.get("p99Micros") > 20 * (Double) r.figures.get("baselineP99Micros"));
        assertEquals("good", e.describe().implementation);
        stopLoad();
        assertEquals(added.get(), e.handle().get());
        assertEquals(List.of(), e.describe().interposers);
    }

    @Test
    public void aGoodImplementationPassesTheWatchAndItsMonitorsAreGoneAfterwards() throws Exception {
        Entry<Tally> e = engine.create(Tally.class, "good");
        startLoad(e.handle(), 4, true);
        CompletableFuture<SwapResult> f = engine.swap(e.id(), "good2", "deploy", SwapOptions.watch(1500)).toCompletableFuture();
        while (e.describe().safety == null && !f.isDone()) {
            Thread.sleep(5);
        }
        assertTrue("monitors are on while the watch runs", e.describe().interposers.contains("watch.calls"));
        SwapResult r = f.join();
        assertEquals(r.toString(), SwapOutcome.COMPLETED, r.outcome);
        assertEquals("passed", r.figures.get("watch"));
        assertTrue(r.reason, r.reason.startsWith("deploy; watch passed"));
        assertEquals("good2", e.describe().implementation);
        assertEquals("the watch's monitors are gone", List.of(), e.describe().interposers);
        assertNull(e.describe().safety);
        stopLoad();
        assertEquals(added.get(), e.handle().get());
    }

    @Test
    public void whenThePreviousImplementationIsGoneTheRevertIsReportedAndTheEntryStays() throws Exception {
        Flaky.failing.set(false);
        Entry<Tally> e = engine.create(Tally.class, "good");
        startLoad(e.handle(), 4, true);
        CompletableFuture<SwapResult> f = engine.swap(e.id(), "flaky", "deploy", SwapOptions.watch(0)).toCompletableFuture();
        while (e.describe().safety == null && !f.isDone()) {
            Thread.sleep(5);
        }
        source.remove("good"); // its bundle is gone
        Flaky.failing.set(true);
        SwapResult r = f.join();
        assertEquals(r.toString(), SwapOutcome.COMPLETED, r.outcome);
        assertEquals("revert failed", r.figures.get("watch"));
        assertTrue(r.reason, r.reason.contains("the swap back to good 1.0.0 did not run") && r.reason.contains("stays on flaky 1.0.0"));
        assertEquals("flaky", e.describe().implementation);
        assertEquals(List.of(), e.describe().interposers);
        stopLoad();
        assertEquals(added.get(), e.handle().get());
    }

    @Test
    public void aWatchedBatchRevertsEachBadEntry() throws Exception {
        Entry<Tally> a = engine.create(Tally.class, "good");
        Entry<Tally> b = engine.create(Tally.class, "good");
        // Writers pause 20 us between calls. Without a pause, the callers of one entry, calling in a
        // tight loop an instance whose class is in the other entry's old class hierarchy (Flaky
        // extends Good), look alike to the other entry's swap back (frames name classes, not
        // instances: README, "Why the quiescence check is safe"), which then waits until a stack
        // sample catches them between calls, and under some JIT states timed out.
        startLoad(a.handle(), 2, true, 20_000);
        startLoad(b.handle(), 2, true, 20_000);
        BatchResult r = engine.swap(Batch.of(a.id(), b.id()).to("flaky").reason("fleet").options(SwapOptions.watch(0))).toCompletableFuture().join();
        assertEquals(r + " " + r.results, SwapOutcome.REVERTED, r.outcome);
        assertEquals(r.results.toString(), 2, r.reverted);
        assertEquals(2, r.reverted);
        assertEquals(0, r.completed);
        for (SwapResult x : r.results) {
            assertEquals(SwapOutcome.REVERTED, x.outcome);
        }
        assertEquals("good", a.describe().implementation);
        assertEquals("good", b.describe().implementation);
        stopLoad();
        assertEquals(added.get(), a.handle().get() + b.handle().get());
    }

    @Test
    public void aCanaryThatDisagreesAfterFiftyCallsIsAbortedAndTheRunningInstanceNeverLeaves() throws Exception {
        Entry<Tally> e = engine.create(Tally.class, "good");
        for (int i = 0; i < 10; i++) {
            e.handle().add();
        }
        Good running = Good.MADE.get(0);
        startLoad(e.handle(), 2, false);
        SwapResult r = join(engine.swap(e.id(), "liar", "try", SwapOptions.canary(1000, 20_000)));
        assertEquals(r.toString(), SwapOutcome.ROLLED_BACK, r.outcome);
        assertNotNull(r.mismatches);
        MismatchDTO m = r.mismatches.get(0);
        assertEquals("get()", m.method);
        assertEquals(List.of(), m.arguments);
        assertEquals("10", m.expected);
        assertEquals("11", m.actual);
        assertTrue(r.reason, r.reason.contains("get() with []: running instance 10, canary 11"));
        assertEquals(50L, r.figures.get("compared") instanceof Long ? Math.min(50L, (Long) r.figures.get("compared")) : -1L);
        assertTrue(r.figures.toString(), (Long) r.figures.get("compared") >= 51);
        stopLoad();
        assertSame("the running instance never left", e, engine.entryOf(running).orElseThrow());
        assertEquals(0, e.describe().swaps);
        assertEquals(1, e.describe().rollbacks);
        assertEquals(List.of(), e.describe().interposers);
        assertEquals(10, e.handle().get());
        assertSame(r, engine.history(1).get(0));
    }

    @Test
    public void aCanaryThatAgreesCommits() throws Exception {
        Entry<Tally> e = engine.create(Tally.class, "good");
        for (int i = 0; i < 10; i++) {
            e.handle().add();
        }
        startLoad(e.handle(), 2, false);
        SwapResult r = join(engine.swap(e.id(), "good2", "try", SwapOptions.canary(100, 60_000)));
        assertEquals(r.toString(), SwapOutcome.COMPLETED, r.outcome);
        assertEquals("passed", r.figures.get("canary"));
        assertTrue(r.figures.toString(), (Long) r.figures.get("compared") >= 100);
        assertEquals(0L, r.figures.get("mismatches"));
        assertTrue(r.reason, r.reason.startsWith("canary passed"));
        assertEquals("good2", e.describe().implementation);
        assertEquals(List.of(), e.describe().interposers);
        stopLoad();
        assertEquals(10, e.handle().get());
    }

    @Test
    public void anInlineCanaryWithWritesLaterInItsWindowCommitsWithTheStateAsItIsThen() throws Exception {
        Entry<Tally> e = engine.create(Tally.class, "good");
        startLoad(e.handle(), 1, false);
        CompletableFuture<SwapResult> f = engine.swap(e.id(), "good2", "try", SwapOptions.canary(1_000_000, 1500).inline()).toCompletableFuture();
        while (compared(e) < 20 && !f.isDone()) {
            Thread.sleep(5);
        }
        startLoad(e.handle(), 2, true); // writes from now on: not mirrored, the canary's copy is stale
        SwapResult r = f.join();
        assertEquals(r.toString(), SwapOutcome.COMPLETED, r.outcome);
        assertTrue("writes ran during the window: " + r.figures, (Long) r.figures.get("writes") > 0);
        assertTrue("reads after the writes began were not compared: " + r.figures, (Long) r.figures.get("skipped") > 0);
        assertEquals("good2", e.describe().implementation);
        stopLoad();
        assertEquals("writes made during the canary are carried by the commit", added.get(), e.handle().get());
    }

    /** How many calls the entry's canary compared so far (from the line swap:info shows), or 0. */
    private static long compared(Entry<Tally> e) {
        String s = e.describe().safety;
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^canary: (\\d+) of").matcher(s == null ? "" : s);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    @Test
    public void aCanaryThatCouldCompareNothingIsInconclusiveAndDoesNotCommit() throws Exception {
        Entry<Tally> e = engine.create(Tally.class, "good");
        startLoad(e.handle(), 2, true);
        startLoad(e.handle(), 1, false);
        SwapResult r = join(engine.swap(e.id(), "liar", "try", SwapOptions.canary(100, 700)));
        assertEquals(r.toString(), SwapOutcome.ROLLED_BACK, r.outcome);
        assertEquals("inconclusive", r.figures.get("canary"));
        assertTrue(r.reason, r.reason.startsWith("canary: inconclusive"));
        assertEquals("good", e.describe().implementation);
        stopLoad();
        assertEquals(added.get(), e.handle().get());
    }

    @Test
    public void aCanaryNeedsACanonicalFormat() {
        Entry<Tally> e = engine.create(Tally.class, "byref");
        SwapResult r = join(engine.swap(e.id(), "byref", "try", SwapOptions.canary(0, 0)));
        assertEquals(SwapOutcome.REFUSED, r.outcome);
        assertTrue(r.reason, r.reason.contains("tally.cell (by reference)") && r.reason.contains("cannot be copied"));
        assertEquals("byref", e.describe().implementation);
        assertEquals(0, e.describe().rollbacks);
    }
}
