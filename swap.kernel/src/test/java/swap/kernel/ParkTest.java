package swap.kernel;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;

import swap.api.Batch;
import swap.api.BatchResult;
import swap.api.Entry;
import swap.api.EntryDTO;
import swap.api.StateFormat;
import swap.api.StatefulComponent;
import swap.api.SwapOutcome;
import swap.api.SwapResult;
import swap.api.TransferContext;

/**
 * The engine's park and resume (what in-place upgrades and swappable services use when an
 * implementation goes away), its dry run, and its trust gate on every path, without OSGi.
 */
public class ParkTest {

    /** v1: the count as a number. */
    static final StateFormat<Long> V1 = StateFormat.canonical("count.v1", Long.class);
    /** v2: the count and how many resets, as two numbers. */
    static final StateFormat<long[]> V2 = StateFormat.canonical("count.v2", long[].class);
    /** A format nobody exports. */
    static final StateFormat<String> TEXT = StateFormat.canonical("count.text", String.class);

    /** A counter whose formats are given: exports {@code out}, imports {@code in}. */
    static class Versioned implements Counter, StatefulComponent {
        final AtomicLong n = new AtomicLong();
        final List<StateFormat<?>> out;
        final List<StateFormat<?>> in;
        StateFormat<?> importedIn;

        Versioned(List<StateFormat<?>> out, List<StateFormat<?>> in) {
            this.out = out;
            this.in = in;
        }

        @Override
        public long increment() {
            return n.incrementAndGet();
        }

        @Override
        public long get() {
            return n.get();
        }

        @Override
        public List<StateFormat<?>> exportFormats() {
            return out;
        }

        @Override
        public List<StateFormat<?>> importFormats() {
            return in;
        }

        @Override
        public Object exportState(StateFormat<?> format) {
            return format.equals(V2) ? new long[] {n.get(), 0} : format.equals(V1) ? (Object) n.get() : null;
        }

        @Override
        public void importState(StateFormat<?> format, Object state, TransferContext context) {
            importedIn = format;
            n.set(format.equals(V2) ? ((long[]) state)[0] : (Long) state);
        }
    }

    static Versioned v2() {
        return new Versioned(List.of(V2, V1), List.of(V2, V1));
    }

    static Versioned v1() {
        return new Versioned(List.of(V1), List.of(V1));
    }

    static Versioned text() {
        return new Versioned(List.of(TEXT), List.of(TEXT));
    }

    private StandaloneSource source;
    private Engine engine;

    @Before
    public void setUp() {
        source = new StandaloneSource();
        source.add(Counter.class, "count", "2.0.0", ParkTest::v2);
        source.add(Counter.class, "count", "1.0.0", ParkTest::v1);
        source.add(Counter.class, "text", "1.0.0", ParkTest::text);
        engine = new Engine(source);
    }

    @After
    public void tearDown() {
        engine.shutdown();
    }

    private Entry<Counter> counted(String target, int n) {
        Entry<Counter> e = engine.create(Counter.class, target);
        for (int i = 0; i < n; i++) {
            e.handle().increment();
        }
        return e;
    }

    private SwapResult park(Entry<Counter> e, List<StateFormat<?>> formats, long waitMillis) {
        SwapResult r = engine.park(e.id(), formats, List.of(), waitMillis, IllegalStateException::new, "implementation away");
        assertEquals(r.reason, SwapOutcome.COMPLETED, r.outcome);
        assertTrue(engine.isParked(e.id()));
        return r;
    }

    private static void awaitWaiting(Thread t) throws InterruptedException {
        while (t.getState() != Thread.State.TIMED_WAITING && t.getState() != Thread.State.WAITING) {
            assertTrue("the caller ended instead of waiting", t.isAlive());
            Thread.sleep(1);
        }
    }

    @Test
    public void aParkedEntryKeepsItsStateInEveryFormatAndIsShownParked() {
        Entry<Counter> e = counted("(swap.impl.version=2.0.0)", 7);
        SwapResult r = park(e, List.of(V2, V1), 60_000);
        assertEquals("both formats kept", "count.v2, count.v1", r.format);
        EntryDTO d = e.describe();
        assertEquals("PARKED", d.state);
        assertTrue(d.stateReason, d.stateReason.contains("implementation away") && d.stateReason.contains("[count.v2, count.v1]"));
        assertEquals(List.of(e.id()), engine.parked());
    }

    @Test
    public void callsWaitWhileParkedAndRunOnceOnTheResumedInstanceWithTheState() throws Exception {
        Entry<Counter> e = counted("(swap.impl.version=2.0.0)", 5);
        park(e, List.of(V2, V1), 60_000);
        CompletableFuture<Long> held = new CompletableFuture<>();
        Thread caller = new Thread(() -> held.complete(e.handle().increment()));
        caller.start();
        awaitWaiting(caller);
        assertFalse("the call waits while parked", held.isDone());

        SwapResult r = engine.resume(e.id(), source.candidates(Counter.class, "count", null), "back");
        assertEquals(r.reason, SwapOutcome.COMPLETED, r.outcome);
        assertEquals("the held call ran once, on the new instance, after the state", 6L, (long) held.get(10, TimeUnit.SECONDS));
        assertEquals(6, e.handle().get());
        assertFalse(engine.isParked(e.id()));
        assertEquals("ACTIVE", e.describe().state);
        assertEquals("count 2.0.0", e.describe().implementation + " " + e.describe().version);
    }

    /** Issue 21, defect 4: the format is chosen after seeing what the destination imports. */
    @Test
    public void aResumeReadsTheFormatTheDestinationImportsAmongThoseKept() {
        Entry<Counter> e = counted("(swap.impl.version=2.0.0)", 9);
        park(e, List.of(V2, V1), 60_000);
        List<Implementation> onlyV1 = source.candidates(Counter.class, "(swap.impl.version=1.0.0)", null);
        SwapResult r = engine.resume(e.id(), onlyV1, "downgrade");
        assertEquals(r.reason, SwapOutcome.COMPLETED, r.outcome);
        assertEquals("count.v1", r.format);
        assertEquals(9, e.handle().get());
        assertEquals(V1, ((Versioned) engine.require(e.id()).instance()).importedIn);
    }

    /** Issue 21, defect 5: every candidate is tried before giving up. */
    @Test
    public void aResumeTriesEveryCandidateInOrder() {
        Entry<Counter> e = counted("(swap.impl.version=2.0.0)", 4);
        park(e, List.of(V1), 60_000);
        List<Implementation> l = new ArrayList<>(source.candidates(Counter.class, "text", null));
        l.addAll(source.candidates(Counter.class, "(swap.impl.version=1.0.0)", null));
        SwapResult r = engine.resume(e.id(), l, "fallback");
        assertEquals(r.reason, SwapOutcome.COMPLETED, r.outcome);
        assertEquals("count 1.0.0", r.to);
        assertEquals(4, e.handle().get());
    }

    /** Never dropping state: no candidate can take it, the entry stays parked with it; calls fail after their bound. */
    @Test
    public void anEntryNothingCanTakeStaysParkedWithItsState() {
        Entry<Counter> e = counted("(swap.impl.version=2.0.0)", 3);
        park(e, List.of(V2, V1), 0);
        SwapResult r = engine.resume(e.id(), source.candidates(Counter.class, "text", null), "try");
        assertEquals("tried and given up", SwapOutcome.ROLLED_BACK, r.outcome);
        assertEquals("shown in the history", r, engine.history(1).get(0));
        assertTrue(r.reason, r.reason.contains("stays parked with its state") && r.reason.contains("text 1.0.0"));
        assertTrue(engine.isParked(e.id()));
        assertTrue(e.describe().stateReason, e.describe().stateReason.contains("not resumed: text 1.0.0"));
        try {
            e.handle().increment();
            throw new AssertionError("a parked call with no wait left must fail");
        } catch (IllegalStateException expected) {
            assertTrue(expected.getMessage(), expected.getMessage().contains("is parked"));
        }
        // and the state is still there for a later implementation
        assertEquals(SwapOutcome.COMPLETED, engine.resume(e.id(), source.candidates(Counter.class, "count", null), "later").outcome);
        assertEquals(3, e.handle().get());
    }

    /** A swap of a parked entry is a resume: the operator can name where its state goes. */
    @Test
    public void aSwapOfAParkedEntryResumesIt() throws Exception {
        Entry<Counter> e = counted("(swap.impl.version=2.0.0)", 2);
        park(e, List.of(V2, V1), 60_000);
        SwapResult r = engine.swap(e.id(), "(swap.impl.version=1.0.0)", "operator").toCompletableFuture().get();
        assertEquals(r.reason, SwapOutcome.COMPLETED, r.outcome);
        assertEquals(2, e.handle().get());
    }

    @Test
    public void releasingAParkedEntryLetsItsWaitingCallsFail() throws Exception {
        Entry<Counter> e = counted("count", 1);
        park(e, List.of(V2, V1), 60_000);
        CompletableFuture<Throwable> failed = new CompletableFuture<>();
        Thread caller = new Thread(() -> {
            try {
                e.handle().increment();
                failed.complete(null);
            } catch (RuntimeException ex) {
                failed.complete(ex);
            }
        });
        caller.start();
        awaitWaiting(caller);
        assertTrue(engine.release(e.id()));
        Throwable t = failed.get(10, TimeUnit.SECONDS);
        assertNotNull("the held call failed", t);
        assertTrue(String.valueOf(t), t instanceof IllegalStateException);
    }

    /** Trust: a refused implementation is never the destination, whatever the path. */
    @Test
    public void theTrustGateRefusesOnEveryPath() throws Exception {
        source.refuse("text", "not signed");
        Entry<Counter> e = counted("count", 6);
        Object before = engine.require(e.id()).instance();

        SwapResult swap = engine.swap(e.id(), "text", "swap").toCompletableFuture().get();
        assertEquals(SwapOutcome.REFUSED, swap.outcome);
        assertTrue(swap.reason, swap.reason.contains("refused by the trust policy: not signed"));

        BatchResult batch = engine.swap(Batch.of(List.of(e.id())).to("text").atomic()).toCompletableFuture().get();
        assertEquals(SwapOutcome.ROLLED_BACK, batch.outcome);
        assertEquals(SwapOutcome.REFUSED, batch.results.get(0).outcome);

        BatchResult dry = engine.dryRun(List.of(e.id()), "text", "dry");
        assertEquals(SwapOutcome.REFUSED, dry.outcome);
        assertSame("nothing moved", before, engine.require(e.id()).instance());

        park(e, List.of(V2, V1, TEXT), 60_000);
        SwapResult resume = engine.resume(e.id(), source.candidates(Counter.class, "text", null), "resume");
        assertEquals(SwapOutcome.ROLLED_BACK, resume.outcome);
        assertTrue(resume.reason, resume.reason.contains("refused by the trust policy"));
        assertTrue("still parked", engine.isParked(e.id()));

        try {
            engine.create(Counter.class, "text");
            throw new AssertionError("create must refuse");
        } catch (swap.api.SwapException expected) {
            assertTrue(expected.getMessage(), expected.getMessage().contains("refused by the trust policy"));
        }
        assertEquals(SwapOutcome.COMPLETED, engine.resume(e.id(), source.candidates(Counter.class, "count", null), "ok").outcome);
        assertEquals(6, e.handle().get());
    }

    /** A dry run prepares and gives up: the entry, its instance and the history stay as they were. */
    @Test
    public void aDryRunChangesNothing() {
        Entry<Counter> e = counted("(swap.impl.version=2.0.0)", 8);
        Object before = engine.require(e.id()).instance();
        int history = engine.history(100).size();
        BatchResult r = engine.dryRun(List.of(e.id()), "(swap.impl.version=1.0.0)", "would it");
        assertEquals(SwapOutcome.COMPLETED, r.outcome);
        assertTrue(r.results.get(0).reason, r.results.get(0).reason.startsWith("would move"));
        assertSame(before, engine.require(e.id()).instance());
        assertEquals(history, engine.history(100).size());
        assertEquals(8, e.handle().get());
    }
}
