package swap.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.osgi.framework.ServiceException;

import swap.api.Entry;
import swap.api.SwapOutcome;
import swap.api.SwapResult;

/**
 * The hold a swappable service's entry is swapped to while its provider is away (what
 * {@link Front} does on UNREGISTERING and on the next registration), without OSGi: the ordinary
 * swap protocol moves the state into the hold, calls wait in it, and once the entry points at a new
 * instance they run there, with the state; a released entry's waiting calls fail.
 */
public class HoldTest {

    private StandaloneSource source;
    private Engine engine;

    @Before
    public void setUp() {
        source = new StandaloneSource();
        source.add(Counter.class, "atomic", "1.0.0", Counters.Atomic::new);
        engine = new Engine(source);
    }

    @After
    public void tearDown() {
        engine.shutdown();
    }

    private Hold hold(EntryImpl<?> e) {
        Hold h = new Hold(Negotiation.exports(e.instance()), 60_000);
        h.entry(e);
        Hold.Impl impl = new Hold.Impl(Counter.class, h, "test.provider");
        SwapResult r = engine.execute(e, () -> impl, null, "provider away", 0);
        assertEquals(r.reason, SwapOutcome.COMPLETED, r.outcome);
        assertSame(h, Hold.of(e.instance()));
        return h;
    }

    private static void awaitWaiting(Thread t) throws InterruptedException {
        while (t.getState() != Thread.State.TIMED_WAITING && t.getState() != Thread.State.WAITING) {
            assertTrue("the caller ended instead of waiting", t.isAlive());
            Thread.sleep(1);
        }
    }

    @Test
    public void callsWaitInTheHoldAndRunOnTheNextInstanceWithTheState() throws Exception {
        Entry<Counter> entry = engine.create(Counter.class, "atomic");
        Counter c = entry.handle();
        for (int i = 0; i < 5; i++) {
            c.increment();
        }
        EntryImpl<?> e = engine.require(entry.id());
        Hold h = hold(e);
        assertNotNull("the hold took the state", h.format());

        CompletableFuture<Long> held = new CompletableFuture<>();
        Thread caller = new Thread(() -> held.complete(c.increment()));
        caller.start();
        awaitWaiting(caller);
        assertTrue("the call waits while the provider is away", !held.isDone());

        Implementation next = source.resolve(Counter.class, "atomic", null);
        Counters.Atomic fresh = (Counters.Atomic) next.newInstance();
        fresh.importState(h.format(), h.state(), null);
        assertTrue(e.swapping.compareAndSet(false, true));
        SwapResult r = new SwapResult();
        r.entryId = e.id();
        r.outcome = SwapOutcome.COMPLETED;
        engine.install(e, next, fresh, r);
        e.swapping.set(false);
        h.open();

        assertEquals("the held call ran once, on the new instance, after the state", 6L, (long) held.get(10, TimeUnit.SECONDS));
        assertEquals(6, c.get());
        assertSame(fresh, e.instance());
        assertEquals(entry, engine.entryOf(fresh).orElseThrow());
        assertEquals(List.of(r), engine.history(1));
    }

    @Test
    public void aReleasedEntrysHeldCallsFail() throws Exception {
        Entry<Counter> entry = engine.create(Counter.class, "atomic");
        Counter c = entry.handle();
        EntryImpl<?> e = engine.require(entry.id());
        Hold h = hold(e);
        CompletableFuture<Throwable> failed = new CompletableFuture<>();
        Thread caller = new Thread(() -> {
            try {
                c.increment();
                failed.complete(null);
            } catch (RuntimeException ex) {
                failed.complete(ex);
            }
        });
        caller.start();
        awaitWaiting(caller);
        engine.release(entry.id());
        h.open();
        Throwable t = failed.get(10, TimeUnit.SECONDS);
        assertNotNull("the held call failed", t);
        assertTrue(String.valueOf(t), t instanceof IllegalStateException || t instanceof ServiceException);
    }
}
