package swap.kernel;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static swap.kernel.EngineTest.until;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;

import swap.api.Entry;
import swap.api.SwapOutcome;
import swap.api.SwapResult;

/**
 * The forward phase's hold (issue 22): a new call through a handle while a swap of its entry waits
 * for calls that began before it is held, uncounted, until the swap ends (then it runs on the new
 * instance) or until the bound (then it is forwarded to the old instance, as K42's forward phase
 * does); a call made from inside a call of the interface is never held. No timing is asserted: the
 * bound is set to a minute where a test needs the hold to last, and the outcome shows which way
 * each call went.
 */
public class ForwardHoldTest {

    private StandaloneSource source;
    private Engine engine;
    private final ExecutorService pool = Executors.newCachedThreadPool();

    @Before
    public void setUp() {
        Counters.VIOLATIONS.set(0);
        source = new StandaloneSource();
        source.add(Counter.class, "gated", "1.0.0", EngineTest.Gated::new);
        source.add(Counter.class, "striped", "1.0.0", Counters.Striped::new, "concurrency", "distributed");
        engine = new Engine(source);
        EngineTest.Gated.reset();
    }

    @After
    public void tearDown() {
        Mediator.holdNanos = Mediator.HOLD_NANOS;
        EngineTest.Gated.hold.countDown();
        EngineTest.Gated.inner.countDown();
        pool.shutdownNow();
        engine.shutdown();
        assertEquals("calls ran on an instance after its export began or before its import ended", 0, Counters.VIOLATIONS.get());
    }

    /** A call that began before the swap, stuck in the old instance until {@code Gated.hold} opens. */
    private CompletableFuture<Long> callBeforeTheSwap(Entry<Counter> e, boolean twice) throws Exception {
        CompletableFuture<Long> call = new CompletableFuture<>();
        Thread t = new Thread(() -> call.complete(twice ? e.handle().incrementTwice() : e.handle().increment()), "holder");
        EngineTest.Gated.holder = t;
        t.start();
        assertTrue(EngineTest.Gated.holding.await(10, TimeUnit.SECONDS));
        return call;
    }

    private CompletableFuture<SwapResult> swapInBackground(Entry<Counter> e, long timeoutMillis) {
        CompletableFuture<SwapResult> swap = CompletableFuture.supplyAsync(
                () -> engine.swap(e.id(), "striped", null, timeoutMillis).toCompletableFuture().join(), pool);
        until(() -> ((EntryImpl<?>) e).mediator != null || swap.isDone());
        return swap;
    }

    @Test
    public void aNewCallInTheForwardPhaseWaitsForTheSwapAndRunsOnTheNewInstance() throws Exception {
        Mediator.holdNanos = TimeUnit.MINUTES.toNanos(1);
        Entry<Counter> e = engine.create(Counter.class, "gated");
        CompletableFuture<Long> before = callBeforeTheSwap(e, false);
        CompletableFuture<SwapResult> swap = swapInBackground(e, 30_000);
        CompletableFuture<Long> during = CompletableFuture.supplyAsync(() -> e.handle().increment(), pool);
        Mediator m = ((EntryImpl<?>) e).mediator;
        until(() -> m.waited() == 1); // held, not forwarded: the old instance has not seen it
        assertFalse(during.isDone());
        assertEquals(Mediator.Phase.FORWARD, m.phase());
        EngineTest.Gated.hold.countDown(); // the call that began before the swap returns: the swap goes on
        assertEquals(1L, (long) before.get(10, TimeUnit.SECONDS));
        SwapResult r = swap.get(10, TimeUnit.SECONDS);
        assertEquals(r.toString(), SwapOutcome.COMPLETED, r.outcome);
        assertEquals("the held call ran on the new instance, after the import", 2L, (long) during.get(10, TimeUnit.SECONDS));
        assertEquals(1, r.waitedCalls);
        assertTrue(r.longestWaitNanos > 0);
        assertEquals("striped", e.describe().implementation);
        assertEquals(2, e.handle().get());
    }

    @Test
    public void aHeldCallIsForwardedToTheOldInstanceOnceTheBoundPassesAndLaterCallsAreNotHeld() throws Exception {
        Mediator.holdNanos = TimeUnit.MILLISECONDS.toNanos(1);
        Entry<Counter> e = engine.create(Counter.class, "gated");
        CompletableFuture<Long> before = callBeforeTheSwap(e, false);
        CompletableFuture<SwapResult> swap = swapInBackground(e, 30_000);
        // The swap still waits for the call that began before it; the new call does not wait with it.
        long during = CompletableFuture.supplyAsync(() -> e.handle().increment(), pool).get(10, TimeUnit.SECONDS);
        assertEquals("forwarded to the old instance, which still serves", 1L, during);
        // The bound has passed once: later calls of this swap are forwarded at once, not held again.
        assertEquals(2L, (long) CompletableFuture.supplyAsync(() -> e.handle().increment(), pool).get(10, TimeUnit.SECONDS));
        assertEquals(1, ((EntryImpl<?>) e).mediator.waited());
        assertFalse(swap.isDone());
        EngineTest.Gated.hold.countDown();
        assertEquals(3L, (long) before.get(10, TimeUnit.SECONDS));
        SwapResult r = swap.get(10, TimeUnit.SECONDS);
        assertEquals(r.toString(), SwapOutcome.COMPLETED, r.outcome);
        assertEquals("one hold, which reached the bound", 1, r.waitedCalls);
        assertTrue("the held call waited its bound, not the whole forward phase", r.longestWaitNanos > 0 && r.longestWaitNanos < r.forwardNanos);
        assertEquals(3, e.handle().get());
    }

    @Test
    public void aCallFromInsideACallOfTheEntryIsNotHeld() throws Exception {
        Mediator.holdNanos = TimeUnit.MINUTES.toNanos(1);
        Entry<Counter> e = engine.create(Counter.class, "gated");
        EngineTest.Gated.self = e.handle();
        // incrementTwice began before the swap; inside it calls its own entry through the handle. Were
        // that call held, the swap would wait for the call that waits for it, and time out.
        CompletableFuture<Long> before = callBeforeTheSwap(e, true);
        CompletableFuture<SwapResult> swap = swapInBackground(e, 5_000);
        EngineTest.Gated.hold.countDown();
        assertTrue(EngineTest.Gated.entered.await(10, TimeUnit.SECONDS));
        EngineTest.Gated.inner.countDown(); // now the recursive call, in the forward phase
        assertEquals(2L, (long) before.get(10, TimeUnit.SECONDS));
        SwapResult r = swap.get(10, TimeUnit.SECONDS);
        assertEquals(r.toString(), SwapOutcome.COMPLETED, r.outcome);
        assertEquals("no call was held", 0, r.waitedCalls);
        assertEquals(2, e.handle().get());
    }
}
