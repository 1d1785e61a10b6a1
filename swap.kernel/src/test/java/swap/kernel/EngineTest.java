package swap.kernel;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;

import swap.api.Entry;
import swap.api.EntryDTO;
import swap.api.StateFormat;
import swap.api.SwapConstants;
import swap.api.SwapException;
import swap.api.SwapOutcome;
import swap.api.SwapResult;

public class EngineTest {

    private StandaloneSource source;
    private Engine engine;
    private final List<String> topics = new CopyOnWriteArrayList<>();
    private final List<Map<String, Object>> events = new CopyOnWriteArrayList<>();
    private final List<Map<String, Object>> created = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Before
    public void setUp() {
        Counters.VIOLATIONS.set(0);
        source = new StandaloneSource();
        source.add(Counter.class, "atomic", "1.0.0", Counters.Atomic::new, "concurrency", "shared");
        source.add(Counter.class, "striped", "1.0.0", Counters.Striped::new, "concurrency", "distributed");
        source.add(Counter.class, "stateless", "1.0.0", Counters.Stateless::new);
        engine = new Engine(source);
        engine.events((t, p) -> {
            if (t.equals(swap.api.SwapConstants.TOPIC_CREATED)) {
                created.add(p); // entry creations: apart from the swap events these tests count
                return;
            }
            topics.add(t);
            events.add(p);
        });
    }

    /** Callers and swaps of these tests run here, never in the common pool (one worker on 2 cores). */
    private final ExecutorService pool = Executors.newCachedThreadPool();

    /** Waits (at most 10 s) until {@code condition} holds. */
    static void until(BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not reached in 10 s");
            }
            Thread.onSpinWait();
        }
    }

    @After
    public void tearDown() {
        pool.shutdownNow();
        engine.shutdown();
        assertEquals("calls ran on an instance after its export began or before its import ended", 0, Counters.VIOLATIONS.get());
    }

    private static SwapResult await(java.util.concurrent.CompletionStage<SwapResult> s) throws Exception {
        return s.toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private Entry<Counter> atomicEntry() {
        Entry<Counter> e = engine.create(Counter.class, "atomic");
        for (int i = 0; i < 5; i++) {
            e.handle().increment();
        }
        return e;
    }

    @Test
    public void swapCarriesStateInTheImportersPreferredFormat() throws Exception {
        Entry<Counter> e = atomicEntry();
        Counter h = e.handle();
        SwapResult r = await(engine.swap(e.id(), "(concurrency=distributed)", "test"));
        SwapResult first = r;
        assertEquals(r.toString(), SwapOutcome.COMPLETED, r.outcome);
        assertEquals("counter.value", r.format);
        assertEquals("atomic 1.0.0", r.from);
        assertEquals("striped 1.0.0", r.to);
        assertEquals(5, h.get());
        assertTrue(r.totalNanos > 0);
        assertEquals("striped", e.describe().implementation);
        assertEquals(1, e.describe().swaps);

        r = await(engine.swap(e.id(), "atomic", null));
        assertEquals(SwapOutcome.COMPLETED, r.outcome);
        assertEquals(6, h.increment());
        // atomic -> atomic: the importer prefers the by-reference cell
        Object before = ((Counters.Atomic) ((AbstractHandle) h).target).cell;
        r = await(engine.rejuvenate(e.id(), true, null));
        assertEquals("counter.cell", r.format);
        assertSame(before, ((Counters.Atomic) ((AbstractHandle) h).target).cell);
        assertEquals(6, h.get());
        assertEquals(List.of(SwapConstants.TOPIC_STARTED, SwapConstants.TOPIC_COMPLETED), topics.subList(0, 2));
        assertEquals(e.id(), events.get(1).get(SwapConstants.EVENT_ENTRY_ID));
        assertEquals("counter.value", events.get(1).get(SwapConstants.EVENT_FORMAT));
        assertEquals("striped 1.0.0", events.get(1).get(SwapConstants.EVENT_TO));
        // the outcome event carries the result the history keeps (metrics read its phase durations); STARTED does not
        assertSame(first, events.get(1).get(SwapConstants.EVENT_RESULT));
        assertSame(first, engine.history(10).get(2));
        assertNull(events.get(0).get(SwapConstants.EVENT_RESULT));
    }

    @Test
    public void rejuvenationWithoutStateNeedsTheEmptyFormatOnBothSides() throws Exception {
        Entry<Counter> e = atomicEntry();
        SwapResult r = await(engine.rejuvenate(e.id(), false, null));
        // Atomic imports EMPTY but does not export it: starting empty is refused, nothing changes.
        assertEquals(SwapOutcome.REFUSED, r.outcome);
        assertTrue(r.reason, r.reason.contains("'empty'"));
        assertEquals(5, e.handle().get());

        Entry<Counter> s = engine.create(Counter.class, "stateless");
        Object first = ((AbstractHandle) s.handle()).target;
        r = await(engine.rejuvenate(s.id(), false, null));
        assertEquals(SwapOutcome.COMPLETED, r.outcome);
        assertEquals("empty", r.format);
        assertTrue(first != ((AbstractHandle) s.handle()).target);
    }

    @Test
    public void noCommonFormatIsRefusedAndChangesNothing() throws Exception {
        Entry<Counter> e = atomicEntry();
        int posted = topics.size();
        SwapResult r = await(engine.swap(e.id(), "stateless", null));
        assertEquals(SwapOutcome.REFUSED, r.outcome);
        assertTrue(r.reason, r.reason.contains("no state format in common") && r.reason.contains("[counter.cell, counter.value]"));
        assertEquals(5, e.handle().get());
        assertEquals("atomic", e.describe().implementation);
        // A refused request is not a swap: not counted, not in the history, no event.
        assertEquals(0, e.describe().failures);
        assertEquals(null, e.describe().lastSwap);
        assertTrue(engine.history(10).stream().noneMatch(h -> h == r));
        assertEquals(posted, topics.size());
    }

    @Test
    public void unknownTargetsAndIdsAreClearErrors() throws Exception {
        Entry<Counter> e = atomicEntry();
        SwapResult r = await(engine.swap(e.id(), "nope", null));
        assertEquals(SwapOutcome.REFUSED, r.outcome);
        assertTrue(r.reason, r.reason.contains("no implementation of " + Counter.class.getName() + " matches nope"));
        try {
            engine.swap(4242, "atomic", null);
            fail();
        } catch (SwapException ex) {
            assertTrue(ex.getMessage(), ex.getMessage().contains("no entry with id 4242"));
        }
        try {
            engine.create(Counter.class, "nope");
            fail();
        } catch (SwapException ex) {
            assertTrue(ex.getMessage().contains("matches nope"));
        }
    }

    @Test
    public void createWithAnInitialState() {
        Entry<Counter> e = engine.create(Counter.class, "striped", Counters.VALUE, 41L);
        assertEquals(42, e.handle().increment());
        try {
            engine.create(Counter.class, "stateless", Counters.VALUE, 1L);
            fail();
        } catch (SwapException ex) {
            assertTrue(ex.getMessage(), ex.getMessage().contains("does not import the format 'counter.value'"));
        }
    }

    @Test
    public void instantiationFailureChangesNothing() throws Exception {
        source.add(Counter.class, "broken", "1.0.0", () -> {
            throw new IllegalStateException("activation failed");
        });
        Entry<Counter> e = atomicEntry();
        SwapResult r = await(engine.swap(e.id(), "broken", null));
        assertEquals(SwapOutcome.FAILED, r.outcome);
        assertTrue(r.reason, r.reason.contains("failed to instantiate") && r.reason.contains("activation failed"));
        assertEquals(6, e.handle().increment());
    }

    @Test
    public void failingExportRollsBackWithTheOldInstanceIntact() throws Exception {
        source.add(Counter.class, "bad-export", "1.0.0", () -> new Counters.Atomic(false) {
            @Override
            public Object exportState(StateFormat<?> format) {
                throw new IllegalStateException("export broke");
            }
        });
        Entry<Counter> e = engine.create(Counter.class, "bad-export");
        e.handle().increment();
        SwapResult r = await(engine.swap(e.id(), "striped", null));
        assertEquals(SwapOutcome.ROLLED_BACK, r.outcome);
        assertTrue(r.reason, r.reason.contains("export in format 'counter.value' failed") && r.reason.contains("export broke"));
        assertEquals(2, e.handle().increment());
        assertEquals(1, e.describe().rollbacks);
        assertEquals(SwapConstants.TOPIC_ROLLED_BACK, topics.get(topics.size() - 1));
    }

    @Test
    public void failingImportRollsBackAndReleasesTheReplacement() throws Exception {
        List<Counters.Atomic> made = new ArrayList<>();
        source.add(Counter.class, "bad-import", "1.0.0", () -> {
            Counters.Atomic a = new Counters.Atomic() {
                @Override
                public void importState(StateFormat<?> format, Object state, swap.api.TransferContext c) {
                    cell.set(-1); // half-done, then failing
                    throw new IllegalStateException("import broke");
                }
            };
            made.add(a);
            return a;
        });
        Entry<Counter> e = atomicEntry();
        SwapResult r = await(engine.swap(e.id(), "bad-import", null));
        assertEquals(SwapOutcome.ROLLED_BACK, r.outcome);
        assertTrue(r.reason, r.reason.contains("import broke"));
        assertTrue("the replacement was released", made.get(0).closed);
        assertEquals(6, e.handle().increment());
    }

    /** A counter whose increment blocks while {@code gate} is closed. */
    static final class Slow extends Counters.Atomic {
        static volatile CountDownLatch gate = new CountDownLatch(0);
        static final AtomicInteger inside = new AtomicInteger();

        Slow() {
            super(false);
        }

        @Override
        public long increment() {
            inside.incrementAndGet();
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            inside.decrementAndGet();
            return super.increment();
        }
    }

    @Test
    public void aCallLongerThanTheTimeoutRollsBackAndNothingIsLost() throws Exception {
        source.add(Counter.class, "slow", "1.0.0", Slow::new);
        Entry<Counter> e = engine.create(Counter.class, "slow");
        Slow.gate = new CountDownLatch(1);
        CompletableFuture<Long> call = CompletableFuture.supplyAsync(() -> e.handle().increment(), pool);
        until(() -> Slow.inside.get() > 0);
        // The call entered before the mediator: the forward phase waits for it, then times out.
        SwapResult r = await(engine.swap(e.id(), "striped", null, 200));
        assertEquals(SwapOutcome.ROLLED_BACK, r.outcome);
        assertTrue(r.reason, r.reason.contains("forward phase"));
        Slow.gate.countDown();
        assertEquals(1L, (long) call.get(10, TimeUnit.SECONDS));
        assertEquals(2, e.handle().increment());
        // With the slow call gone the same swap completes and carries both increments.
        r = await(engine.swap(e.id(), "striped", null, 200));
        assertEquals(r.toString(), SwapOutcome.COMPLETED, r.outcome);
        assertEquals(2, e.handle().get());
    }

    /**
     * A counter whose {@code increment} blocks on {@link #hold} when called by {@link #holder}
     * (a call that began before the swap, so the forward phase waits for it), and whose
     * {@code incrementTwice} blocks on {@link #inner} before calling back into its own entry.
     */
    static final class Gated extends Counters.Atomic {
        static volatile Thread holder;
        static volatile CountDownLatch holding = new CountDownLatch(1);
        static volatile CountDownLatch hold = new CountDownLatch(0);
        static volatile CountDownLatch entered = new CountDownLatch(1);
        static volatile CountDownLatch inner = new CountDownLatch(0);
        static volatile Counter self;

        Gated() {
            super(false);
        }

        static void reset() {
            holder = null;
            holding = new CountDownLatch(1);
            hold = new CountDownLatch(1);
            entered = new CountDownLatch(1);
            inner = new CountDownLatch(1);
        }

        @Override
        public long increment() {
            if (Thread.currentThread() == holder) {
                holding.countDown();
                await(hold);
            }
            return super.increment();
        }

        @Override
        public long incrementTwice() {
            increment();
            entered.countDown();
            await(inner);
            return self.increment(); // through the handle: a recursive call
        }

        static void await(CountDownLatch l) {
            try {
                l.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Starts a swap on its own thread and returns once its mediator is in place. */
    private CompletableFuture<SwapResult> swapInBackground(Entry<Counter> e, String target, long timeoutMillis) {
        CompletableFuture<SwapResult> swap = new CompletableFuture<>();
        new Thread(() -> {
            try {
                swap.complete(await(engine.swap(e.id(), target, null, timeoutMillis)));
            } catch (Exception ex) {
                swap.completeExceptionally(ex);
            }
        }, "swapper").start();
        until(() -> EntryImpl.SWAPPING.equals(((EntryImpl<?>) e).state()) || swap.isDone());
        return swap;
    }

    /** Holds the forward phase open with an untracked call; returns that call. */
    private CompletableFuture<Long> holdForwardPhase(Entry<Counter> e) throws Exception {
        Gated.reset();
        CompletableFuture<Long> held = new CompletableFuture<>();
        Thread t = new Thread(() -> held.complete(e.handle().increment()), "holder");
        Gated.holder = t;
        t.start();
        assertTrue(Gated.holding.await(10, TimeUnit.SECONDS));
        return held;
    }

    @Test
    public void aTrackedCallLongerThanTheTimeoutRollsBackInTheBlockedPhase() throws Exception {
        source.add(Counter.class, "gated", "1.0.0", Gated::new);
        Entry<Counter> e = engine.create(Counter.class, "gated");
        Gated.self = e.handle();
        CompletableFuture<Long> held = holdForwardPhase(e);
        CompletableFuture<SwapResult> swap = swapInBackground(e, "striped", 500);
        // Counted by the mediator (it began after it), then stuck inside the old instance.
        CompletableFuture<Long> tracked = CompletableFuture.supplyAsync(() -> e.handle().incrementTwice(), pool);
        assertTrue(Gated.entered.await(10, TimeUnit.SECONDS));
        Gated.hold.countDown(); // the untracked call returns: forward ends, blocked begins
        SwapResult r = swap.get(10, TimeUnit.SECONDS);
        assertEquals(r.toString(), SwapOutcome.ROLLED_BACK, r.outcome);
        assertTrue(r.reason, r.reason.contains("blocked phase"));
        Gated.inner.countDown();
        assertEquals(2L, (long) held.get(10, TimeUnit.SECONDS));
        assertEquals(3L, (long) tracked.get(10, TimeUnit.SECONDS));
        assertEquals("the old instance kept every call", 3, e.handle().get());
        assertEquals("gated", e.describe().implementation);
    }

    @Test
    public void recursiveCallsPassDuringBlockedAndOthersWaitThenResumeOnTheNewInstance() throws Exception {
        source.add(Counter.class, "gated", "1.0.0", Gated::new);
        Entry<Counter> e = engine.create(Counter.class, "gated");
        Gated.self = e.handle();
        CompletableFuture<Long> held = holdForwardPhase(e);
        CompletableFuture<SwapResult> swap = swapInBackground(e, "striped", 10_000);
        CompletableFuture<Long> tracked = CompletableFuture.supplyAsync(() -> e.handle().incrementTwice(), pool);
        assertTrue(Gated.entered.await(10, TimeUnit.SECONDS));
        Gated.hold.countDown();
        assertEquals(2L, (long) held.get(10, TimeUnit.SECONDS)); // the tracked call's first increment came first
        until(() -> ((EntryImpl<?>) e).mediator.phase() == Mediator.Phase.BLOCKED);
        // Blocked now: a call from another thread waits.
        CompletableFuture<Long> waiting = CompletableFuture.supplyAsync(() -> e.handle().increment(), pool);
        Thread.sleep(100);
        assertFalse("a new call waits while the old instance drains", waiting.isDone());
        assertFalse(swap.isDone());
        Gated.inner.countDown(); // the recursive call passes, the tracked call returns, the swap completes
        assertEquals(3L, (long) tracked.get(10, TimeUnit.SECONDS));
        SwapResult r = swap.get(10, TimeUnit.SECONDS);
        assertEquals(r.toString(), SwapOutcome.COMPLETED, r.outcome);
        assertEquals("the waiting call ran on the new instance, after the import", 4L, (long) waiting.get(10, TimeUnit.SECONDS));
        assertEquals("the tracked call, held in the forward phase until the hold's bound, and the waiting one", 2, r.waitedCalls);
        assertTrue(r.forwardNanos > 0 && r.blockedNanos > 0 && r.transferNanos > 0);
        assertEquals("striped", e.describe().implementation);
        assertEquals(4, e.handle().get());
    }

    @Test
    public void aSecondSwapOfAnEntryMidSwapIsRejected() throws Exception {
        source.add(Counter.class, "slow", "1.0.0", Slow::new);
        Entry<Counter> e = engine.create(Counter.class, "slow");
        Slow.gate = new CountDownLatch(1);
        CompletableFuture<Long> call = CompletableFuture.supplyAsync(() -> e.handle().increment(), pool);
        until(() -> Slow.inside.get() > 0);
        CompletableFuture<SwapResult> first = CompletableFuture.supplyAsync(() -> ((Engine) engine).execute((EntryImpl<?>) e,
                () -> source.resolve(Counter.class, "striped", null), null, "first", 5000), pool);
        until(() -> EntryImpl.SWAPPING.equals(((EntryImpl<?>) e).state()));
        SwapResult second = await(engine.swap(e.id(), "atomic", "second"));
        assertEquals(SwapOutcome.REFUSED, second.outcome);
        assertTrue(second.reason, second.reason.contains("mid-swap"));
        Slow.gate.countDown();
        assertEquals(SwapOutcome.COMPLETED, first.get(10, TimeUnit.SECONDS).outcome);
        assertEquals(1L, (long) call.get());
        assertEquals(1, e.handle().get());
    }

    @Test
    public void swapsOfDifferentEntriesRunConcurrently() throws Exception {
        source.add(Counter.class, "slow", "1.0.0", Slow::new);
        Entry<Counter> slow = engine.create(Counter.class, "slow");
        Entry<Counter> other = atomicEntry();
        Slow.gate = new CountDownLatch(1);
        CompletableFuture<Long> call = CompletableFuture.supplyAsync(() -> slow.handle().increment(), pool);
        until(() -> Slow.inside.get() > 0);
        CompletableFuture<SwapResult> stuck = CompletableFuture.supplyAsync(() -> {
            try {
                return await(engine.swap(slow.id(), "striped", null, 10_000));
            } catch (Exception ex) {
                throw new IllegalStateException(ex);
            }
        }, pool);
        // While one entry's swap waits, another entry swaps at once.
        SwapResult r = await(engine.swap(other.id(), "striped", null));
        assertEquals(SwapOutcome.COMPLETED, r.outcome);
        assertFalse(stuck.isDone());
        Slow.gate.countDown();
        assertEquals(SwapOutcome.COMPLETED, stuck.get(10, TimeUnit.SECONDS).outcome);
        call.get();
    }

    @Test
    public void anImplementationCanAskForItsOwnReplacement() throws Exception {
        AtomicReference<java.util.concurrent.CompletionStage<SwapResult>> asked = new AtomicReference<>();
        source.add(Counter.class, "outgrown", "1.0.0", () -> new Counters.Atomic(false) {
            @Override
            public long increment() {
                long v = super.increment();
                if (v == 3) {
                    // From inside a call: the swap runs on a worker once this call has returned.
                    asked.set(engine.entryOf(this).orElseThrow().swap("(concurrency=distributed)", "outgrew myself"));
                }
                return v;
            }
        });
        Entry<Counter> e = engine.create(Counter.class, "outgrown");
        for (int i = 0; i < 3; i++) {
            e.handle().increment();
        }
        SwapResult r = await(asked.get());
        assertEquals(r.toString(), SwapOutcome.COMPLETED, r.outcome);
        assertEquals("outgrew myself", r.reason);
        assertEquals("striped", e.describe().implementation);
        assertEquals(4, e.handle().increment());
    }

    @Test
    public void interposersWrapCallsAndStayAcrossSwaps() throws Exception {
        Entry<Counter> e = atomicEntry();
        AtomicInteger outerCalls = new AtomicInteger();
        List<String> order = new CopyOnWriteArrayList<>();
        engine.interpose(e.id(), "count", call -> {
            outerCalls.incrementAndGet();
            return call.proceed();
        });
        engine.interpose(e.id(), "trace", call -> {
            order.add(call.method().getName() + "@" + call.entryId());
            return call.proceed();
        });
        assertEquals(6, e.handle().increment());
        assertEquals(List.of("increment@" + e.id()), order);
        assertEquals(1, outerCalls.get());
        assertEquals(List.of("trace", "count"), e.describe().interposers);
        assertEquals(SwapOutcome.COMPLETED, await(engine.swap(e.id(), "striped", null)).outcome);
        assertEquals(7, e.handle().increment());
        assertEquals(2, outerCalls.get());
        try {
            engine.interpose(e.id(), "count", c -> c.proceed());
            fail();
        } catch (SwapException ex) {
            assertTrue(ex.getMessage().contains("already has an interposer named 'count'"));
        }
        assertTrue(engine.removeInterposer(e.id(), "count"));
        assertTrue(engine.removeInterposer(e.id(), "trace"));
        assertFalse(engine.removeInterposer(e.id(), "trace"));
        assertTrue("without interposers the handle points straight at the instance",
                ((AbstractHandle) e.handle()).target instanceof Counters.Striped);
        assertEquals(8, e.handle().increment());
        assertEquals(2, outerCalls.get());
    }

    @Test
    public void interposersComeAndGoWhileCallsRunWithoutLosingOne() throws Exception {
        Entry<Counter> e = engine.create(Counter.class, "atomic");
        AtomicInteger seen = new AtomicInteger();
        int threads = 3;
        long[] made = new long[threads];
        List<Thread> callers = new ArrayList<>();
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
        java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
        for (int t = 0; t < threads; t++) {
            int k = t;
            Thread th = new Thread(() -> {
                while (running.get()) {
                    e.handle().increment();
                    made[k]++;
                }
            });
            callers.add(th);
            th.start();
        }
        int toggles = 0;
        // At least 500 ms and 11 toggles, however loaded the machine, with the callers running throughout.
        while (System.nanoTime() < until || toggles <= 10) {
            engine.interpose(e.id(), "seen", c -> {
                seen.incrementAndGet();
                return c.proceed();
            });
            engine.removeInterposer(e.id(), "seen");
            toggles++;
        }
        running.set(false);
        for (Thread th : callers) {
            th.join();
        }
        long total = 0;
        for (long m : made) {
            total += m;
        }
        assertEquals("every call ran exactly once", total, e.handle().get());
        assertTrue(toggles > 10);
    }

    /** A monitor that counts calls; records whether it was released. */
    static final class Counting implements swap.api.Monitor {
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public Object invoke(swap.api.Invocation call) throws Throwable {
            calls.incrementAndGet();
            return call.proceed();
        }

        @Override
        public Map<String, Object> statistics() {
            return Map.of("calls", calls.get());
        }
    }

    @Test
    public void namedInterposerServicesGiveEachEntryItsOwnMonitor() throws Exception {
        source.addInterposer("calls", Counting::new);
        assertEquals(List.of("calls"), engine.interposerNames());
        Entry<Counter> a = atomicEntry();
        Entry<Counter> b = atomicEntry();
        engine.interpose(a.id(), "calls");
        engine.interpose(b.id(), "calls");
        a.handle().increment();
        a.handle().increment();
        b.handle().increment();
        assertEquals(Map.of("calls", Map.of("calls", 2)), engine.statistics(a.id()));
        assertEquals(Map.of("calls", Map.of("calls", 1)), engine.statistics(b.id()));
        assertTrue(engine.interposer(a.id(), "calls").orElseThrow() instanceof Counting);
        try {
            engine.interpose(a.id(), "nope");
            fail();
        } catch (SwapException ex) {
            assertTrue(ex.getMessage(), ex.getMessage().contains("no interposer named 'nope'; available: [calls]"));
        }
        assertTrue(engine.removeInterposer(a.id(), "calls"));
        assertEquals(Map.of(), engine.statistics(a.id()));
    }

    @Test
    public void releasedEntriesFailClearly() {
        Entry<Counter> e = atomicEntry();
        Counter h = e.handle();
        assertTrue(engine.release(e.id()));
        assertFalse(engine.release(e.id()));
        try {
            h.increment();
            fail();
        } catch (IllegalStateException ex) {
            assertTrue(ex.getMessage(), ex.getMessage().contains("was released"));
        }
        assertTrue(engine.entry(e.id()).isEmpty());
    }

    @Test
    public void registeredObjectsCanBeSwappedToImplementations() throws Exception {
        Counters.Atomic mine = new Counters.Atomic(false);
        mine.cell.set(41);
        Entry<Counter> e = engine.register(Counter.class, mine, "legacy");
        assertEquals(42, e.handle().increment());
        EntryDTO d = e.describe();
        assertEquals("legacy", d.implementation);
        assertNull(d.bundle);
        assertEquals(List.of("counter.cell", "counter.value"), d.exportFormats);
        SwapResult r = await(engine.swap(e.id(), "striped", null));
        assertEquals(SwapOutcome.COMPLETED, r.outcome);
        assertEquals(43, e.handle().increment());
        assertNotNull(engine.history(10).get(0));
        assertEquals(r, engine.history(10).get(0));
    }

    /** swap/entry/CREATED: posted once per new entry, with its id, interface and implementation (issue 27: a fleet node reconciles new entries on it). */
    @Test
    public void creatingAnEntryPostsCreated() {
        Entry<Counter> e = engine.create(Counter.class, "atomic");
        assertEquals(1, created.size());
        assertEquals(e.id(), created.get(0).get(swap.api.SwapConstants.EVENT_ENTRY_ID));
        assertEquals(Counter.class.getName(), created.get(0).get(swap.api.SwapConstants.EVENT_INTERFACE));
        assertEquals("atomic 1.0.0", created.get(0).get(swap.api.SwapConstants.EVENT_TO));
        assertEquals("creating is not a swap", List.of(), topics);
    }

    /**
     * Pins (issue 27): the protocol asks every pin before an entry moves, whoever asks and however
     * (a single swap, a batch); a pin's refusal names its owner, reaches the journal, and changes
     * nothing; moves the pin allows, and every move once it is gone, run as before.
     */
    @Test
    public void aPinRefusesAMoveElsewhereNamesItsOwnerAndIsJournaled() {
        List<String> journaled = new CopyOnWriteArrayList<>();
        engine.journal(new JournalSink() {
            @Override
            public void swap(EntryImpl<?> e, swap.api.SwapResult r, long batchId) {
                journaled.add(r.outcome + ": " + r.reason);
            }
        });
        Entry<Counter> e = engine.create(Counter.class, "atomic");
        e.handle().increment();
        swap.api.EntryPin pin = new swap.api.EntryPin() {
            @Override
            public String owner() {
                return "test pin";
            }

            @Override
            public String pinned(long id, String iface, Map<String, Object> from, Map<String, Object> to, String initiator, String reason) {
                return "atomic".equals(to.get(swap.api.SwapConstants.IMPL_NAME)) ? null : "stays on atomic (test rule, asked by " + initiator + ")";
            }
        };
        engine.pins().add(pin);
        swap.api.SwapResult r = engine.swap(e.id(), "striped", "a policy").toCompletableFuture().join();
        assertEquals(r.reason, swap.api.SwapOutcome.REFUSED, r.outcome);
        assertEquals("entry " + e.id() + " is pinned by test pin: stays on atomic (test rule, asked by platform); the entry stays on atomic 1.0.0", r.reason);
        swap.api.BatchResult b = engine.swap(swap.api.Batch.of(e.id()).to("striped")).toCompletableFuture().join();
        assertEquals(swap.api.SwapOutcome.REFUSED, b.results.get(0).outcome);
        assertEquals("atomic", e.describe().implementation);
        assertEquals(1, e.handle().get());
        assertTrue(journaled.toString(), journaled.get(0).startsWith("REFUSED: entry " + e.id() + " is pinned by test pin"));
        // onto the implementation the pin wants: allowed
        assertEquals(swap.api.SwapOutcome.COMPLETED, engine.rejuvenate(e.id(), true, "fresh").toCompletableFuture().join().outcome);
        engine.pins().remove(pin);
        assertEquals(swap.api.SwapOutcome.COMPLETED, engine.swap(e.id(), "striped", "a policy").toCompletableFuture().join().outcome);
        assertEquals(1, e.handle().get());
    }
}
