package swap.kernel;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;

import swap.api.Batch;
import swap.api.BatchResult;
import swap.api.Entry;
import swap.api.StateFormat;
import swap.api.SwapConstants;
import swap.api.SwapOutcome;
import swap.api.SwapResult;
import swap.api.TransferContext;

/** Batches (one quiescence pass for many entries) and atomic groups (all switch, or none does). */
public class BatchSwapTest {

    private StandaloneSource source;
    private Engine engine;
    private final List<String> topics = new CopyOnWriteArrayList<>();
    private final List<Map<String, Object>> events = new CopyOnWriteArrayList<>();
    private final List<Map<String, Object>> created = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final ExecutorService pool = Executors.newCachedThreadPool();
    /** The entry whose import the "picky" implementation refuses. */
    static volatile long refuseImportOf = -1;

    /** Imports like Atomic, except into the entry {@link #refuseImportOf}, where its import throws. */
    static final class Picky extends Counters.Atomic {
        @Override
        public void importState(StateFormat<?> format, Object state, TransferContext context) {
            if (context.entryId() == refuseImportOf) {
                throw new IllegalStateException("picky refuses entry " + context.entryId());
            }
            super.importState(format, state, context);
        }
    }

    /** Atomic and Picky for the load test, whose old instances serve calls again after a rolled-back export. */
    static final class LooseAtomic extends Counters.Atomic {
        @Override
        boolean checksExport() {
            return false;
        }
    }

    static final class LoosePicky extends Counters.Atomic {
        @Override
        boolean checksExport() {
            return false;
        }

        @Override
        public void importState(StateFormat<?> format, Object state, TransferContext context) {
            if (context.entryId() == refuseImportOf) {
                throw new IllegalStateException("picky refuses entry " + context.entryId());
            }
            super.importState(format, state, context);
        }
    }

    @Before
    public void setUp() {
        Counters.VIOLATIONS.set(0);
        EngineTest.Slow.gate = new CountDownLatch(0);
        source = new StandaloneSource();
        source.add(Counter.class, "atomic", "1.0.0", Counters.Atomic::new, "concurrency", "shared");
        source.add(Counter.class, "striped", "1.0.0", Counters.Striped::new, "concurrency", "distributed");
        source.add(Counter.class, "picky", "1.0.0", Picky::new);
        source.add(Counter.class, "slow", "1.0.0", EngineTest.Slow::new);
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

    @After
    public void tearDown() {
        EngineTest.Slow.gate.countDown();
        pool.shutdownNow();
        engine.shutdown();
        assertEquals("calls ran on an instance after its export began or before its import ended", 0, Counters.VIOLATIONS.get());
    }

    private static BatchResult await(CompletionStage<BatchResult> s) throws Exception {
        return s.toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private Entry<Counter> counter(String impl, int value) {
        Entry<Counter> e = engine.create(Counter.class, impl);
        for (int i = 0; i < value; i++) {
            e.handle().increment();
        }
        return e;
    }

    @Test
    public void aBatchSelectedByImplementationMovesEveryMatchingEntryWithItsState() throws Exception {
        List<Entry<Counter>> shared = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            shared.add(counter("atomic", i));
        }
        Entry<Counter> other = counter("striped", 7);
        BatchResult b = await(engine.swap(Batch.select("(&(swap.impl.name=atomic)(swap.impl.version=1.0.0))").to("striped").reason("upgrade")));
        assertEquals(b.toString(), SwapOutcome.COMPLETED, b.outcome);
        assertEquals(50, b.completed);
        assertEquals(50, b.results.size());
        for (int i = 0; i < 50; i++) {
            assertEquals(shared.get(i).id(), b.results.get(i).entryId);
            assertEquals("striped", shared.get(i).describe().implementation);
            assertEquals(i, shared.get(i).handle().get());
        }
        assertEquals(7, other.handle().get());
        assertEquals(0, other.describe().swaps);
        // Batch events frame the entries' events, which carry the batch id.
        assertEquals(SwapConstants.TOPIC_BATCH_STARTED, topics.get(0));
        assertEquals(SwapConstants.TOPIC_BATCH_COMPLETED, topics.get(topics.size() - 1));
        assertEquals(b.batchId, events.get(1).get(SwapConstants.EVENT_BATCH_ID));
        assertEquals(50, ((long[]) events.get(0).get(SwapConstants.EVENT_ENTRIES)).length);
        // Selecting by plain name works too, and so does a batch by ids.
        assertEquals(51, await(engine.swap(Batch.select("striped").to("atomic"))).completed); // the 50 and the other one
        BatchResult byIds = await(engine.swap(Batch.of(shared.get(0).id(), shared.get(1).id()).to("striped")));
        assertEquals(2, byIds.completed);
    }

    @Test
    public void aPlainBatchCompletesEachEntryOnItsOwnAndRefusesOnlyTheOneMidSwap() throws Exception {
        Entry<Counter> a = counter("atomic", 3);
        Entry<Counter> busy = engine.create(Counter.class, "slow");
        EngineTest.Slow.gate = new CountDownLatch(1);
        CompletableFuture<Long> call = CompletableFuture.supplyAsync(() -> busy.handle().increment(), pool);
        EngineTest.until(() -> EngineTest.Slow.inside.get() > 0);
        CompletableFuture<SwapResult> first = CompletableFuture.supplyAsync(() -> engine.execute((EntryImpl<?>) busy,
                () -> source.resolve(Counter.class, "striped", null), null, "first", 5000), pool);
        EngineTest.until(() -> EntryImpl.SWAPPING.equals(((EntryImpl<?>) busy).state()));
        BatchResult b = await(engine.swap(Batch.of(a.id(), busy.id()).to("striped")));
        assertEquals(SwapOutcome.ROLLED_BACK, b.outcome); // not every entry completed
        assertEquals(1, b.completed);
        assertEquals(1, b.refused);
        assertEquals(SwapOutcome.REFUSED, b.results.get(1).outcome);
        assertTrue(b.results.get(1).reason, b.results.get(1).reason.contains("mid-swap"));
        assertEquals(3, a.handle().get());
        EngineTest.Slow.gate.countDown();
        assertEquals(SwapOutcome.COMPLETED, first.get(10, TimeUnit.SECONDS).outcome);
        assertEquals(1L, (long) call.get());
    }

    @Test
    public void aBatchThatSelectsNothingOrHasNoTargetIsRefused() throws Exception {
        counter("atomic", 1);
        BatchResult none = await(engine.swap(Batch.select("nope").to("striped")));
        assertEquals(SwapOutcome.REFUSED, none.outcome);
        assertTrue(none.reason, none.reason.contains("selects no entry"));
        BatchResult noTarget = await(engine.swap(Batch.select("atomic")));
        assertEquals(SwapOutcome.REFUSED, noTarget.outcome);
        assertTrue(noTarget.reason, noTarget.reason.contains("needs a target"));
        BatchResult malformed = await(engine.swap(Batch.select("(swap.impl.name").to("striped")));
        assertEquals(SwapOutcome.REFUSED, malformed.outcome);
        assertTrue(topics.isEmpty());
    }

    @Test
    public void anAtomicGroupSwitchesAllItsEntries() throws Exception {
        Entry<Counter> a = counter("atomic", 10);
        Entry<Counter> b = counter("atomic", 20);
        BatchResult r = await(engine.swap(Batch.of(a.id(), b.id()).to("striped").atomic().reason("group")));
        assertEquals(r.toString(), SwapOutcome.COMPLETED, r.outcome);
        assertTrue(r.atomic);
        assertEquals("striped", a.describe().implementation);
        assertEquals("striped", b.describe().implementation);
        assertEquals(10, a.handle().get());
        assertEquals(20, b.handle().get());
        assertEquals(SwapConstants.TOPIC_BATCH_COMPLETED, topics.get(topics.size() - 1));
        assertEquals(Boolean.TRUE, events.get(events.size() - 1).get(SwapConstants.EVENT_ATOMIC));
        assertArrayEquals(new long[] {a.id(), b.id()}, (long[]) events.get(0).get(SwapConstants.EVENT_ENTRIES));
    }

    @Test
    public void whenOneEntryOfAGroupTimesOutAllRollBack() throws Exception {
        Entry<Counter> a = counter("atomic", 4);
        Entry<Counter> slow = engine.create(Counter.class, "slow");
        EngineTest.Slow.gate = new CountDownLatch(1);
        CompletableFuture<Long> call = CompletableFuture.supplyAsync(() -> slow.handle().increment(), pool);
        EngineTest.until(() -> EngineTest.Slow.inside.get() > 0);
        BatchResult r = await(engine.swap(Batch.of(a.id(), slow.id()).to("striped").atomic().timeout(200)));
        assertEquals(SwapOutcome.ROLLED_BACK, r.outcome);
        assertEquals(2, r.rolledBack);
        assertTrue(r.reason, r.reason.contains("entry " + slow.id()) && r.reason.contains("forward phase"));
        assertEquals("atomic", a.describe().implementation);
        assertEquals("slow", slow.describe().implementation);
        assertEquals(4, a.handle().increment() - 1);
        EngineTest.Slow.gate.countDown();
        assertEquals(1L, (long) call.get(10, TimeUnit.SECONDS));
        assertEquals(1, slow.handle().get());
        assertEquals(SwapConstants.TOPIC_BATCH_ROLLED_BACK, topics.get(topics.size() - 1));
        // Both entries are whole: the same group completes now.
        assertEquals(SwapOutcome.COMPLETED, await(engine.swap(Batch.of(a.id(), slow.id()).to("striped").atomic())).outcome);
        assertEquals(5, a.handle().get());
        assertEquals(1, slow.handle().get());
    }

    @Test
    public void whenOneImportOfAGroupFailsAllRollBackWithTheirState() throws Exception {
        Entry<Counter> a = counter("atomic", 6);
        Entry<Counter> b = counter("atomic", 9);
        refuseImportOf = b.id();
        BatchResult r = await(engine.swap(Batch.of(a.id(), b.id()).to("picky").atomic()));
        assertEquals(SwapOutcome.ROLLED_BACK, r.outcome);
        assertTrue(r.results.get(1).reason, r.results.get(1).reason.contains("import") && r.results.get(1).reason.contains("picky refuses"));
        assertTrue(r.results.get(0).reason, r.results.get(0).reason.contains("atomic group rolled back: entry " + b.id()));
        // a imported fine, yet it stays on its old instance: all or nothing.
        assertEquals("atomic", a.describe().implementation);
        assertEquals("atomic", b.describe().implementation);
        assertEquals(6, a.handle().get());
        assertEquals(9, b.handle().get());
        assertEquals(1, a.describe().rollbacks);
        assertEquals(1, b.describe().rollbacks);
    }

    @Test
    public void aGroupThatCannotStartIsRefusedWhole() throws Exception {
        Entry<Counter> a = counter("atomic", 1);
        Entry<Counter> s = engine.create(Counter.class, "striped");
        source.add(Counter.class, "empty-only", "1.0.0", Counters.Stateless::new);
        BatchResult r = await(engine.swap(Batch.of(a.id(), s.id()).to("empty-only").atomic()));
        assertEquals(SwapOutcome.ROLLED_BACK, r.outcome);
        assertEquals(2, r.refused);
        assertTrue(r.reason, r.reason.contains("did not start") && r.reason.contains("no state format in common"));
        assertEquals("atomic", a.describe().implementation);
        assertEquals(0, a.describe().rollbacks + a.describe().failures);
    }

    /**
     * Atomic groups under load: callers increment two entries (a then b); a swapper switches the
     * pair back and forth as a group, and every third group is made to fail on b's import. After
     * every group both entries run the same implementation (never a mixed pair), and at the end each
     * counter equals the calls made on it.
     */
    @Test
    public void groupsUnderLoadNeverSplitAPairAndLoseNothing() throws Exception {
        long seconds = Long.getLong("swap.stress.seconds", 10) / 2 + 1;
        source.add(Counter.class, "loose-atomic", "1.0.0", LooseAtomic::new);
        source.add(Counter.class, "loose-picky", "1.0.0", LoosePicky::new);
        Entry<Counter> a = engine.create(Counter.class, "loose-atomic");
        Entry<Counter> b = engine.create(Counter.class, "loose-atomic");
        refuseImportOf = b.id();
        Counter ha = a.handle();
        Counter hb = b.handle();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        AtomicLong made = new AtomicLong();
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        List<CompletableFuture<?>> callers = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            callers.add(CompletableFuture.runAsync(() -> {
                try {
                    while (System.nanoTime() < until) {
                        ha.increment();
                        hb.increment();
                        made.incrementAndGet();
                    }
                } catch (Throwable ex) {
                    errors.add(ex);
                }
            }, pool));
        }
        String[] targets = {"loose-atomic", "loose-atomic", "loose-picky"}; // atomic -> atomic hands the cell over by reference
        int completed = 0;
        int rolledBack = 0;
        for (int i = 0; System.nanoTime() < until; i++) {
            BatchResult r = await(engine.swap(Batch.of(a.id(), b.id()).to(targets[i % 3]).atomic()));
            if (r.outcome == SwapOutcome.COMPLETED) {
                completed++;
            } else {
                rolledBack++;
                assertEquals(r.toString(), 2, r.rolledBack + r.refused);
            }
            assertEquals("a mixed pair after " + r, a.describe().implementation, b.describe().implementation);
        }
        for (CompletableFuture<?> c : callers) {
            c.get(10, TimeUnit.SECONDS);
        }
        assertTrue(errors.toString(), errors.isEmpty());
        assertEquals(made.get(), ha.get());
        assertEquals(made.get(), hb.get());
        assertTrue("groups completed " + completed + ", rolled back " + rolledBack, completed > 10 && rolledBack > 5);
        System.out.println("groups under load: " + completed + " completed, " + rolledBack + " rolled back, " + made.get() + " call pairs");
    }
}
