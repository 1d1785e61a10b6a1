package swap.kernel;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;

import swap.api.Entry;
import swap.api.StateFormat;
import swap.api.StatefulComponent;
import swap.api.SwapOutcome;
import swap.api.SwapResult;
import swap.api.TransferContext;

/**
 * The counted mode a swap turns on for its interface's handles ({@link Counting}), and the
 * per-instance evidence it gives the quiescence check. Each test has an interface of its own, so no
 * other test's swaps (and their lingering flags) touch its handle class.
 */
public class CountingTest {

    /** The component of the first test. */
    public interface Probe {
        boolean counted();
    }

    /** The component of the second test: a call that calls its own entry again, in the middle. */
    public interface Nested {
        long increment();

        long get();

        /** Waits for {@code first}, calls {@code self.increment()}, counts {@code nested} down, waits for {@code second}. */
        void outer(Nested self, CountDownLatch first, CountDownLatch nested, CountDownLatch second) throws InterruptedException;
    }

    /** The component of the reentrant test: a call that asks for a swap of its own entry. */
    public interface Reentrant {
        void fromInside();
    }

    /** Asks {@link #swap} for a swap of its own entry, and {@link Counting#inside} about its own thread, from inside a call. */
    public static class ReentrantImpl implements Reentrant {
        static volatile java.util.function.Supplier<CompletableFuture<SwapResult>> swap;
        static volatile Class<?> handles;
        static volatile CompletableFuture<SwapResult> requested;
        static volatile boolean doneInside;
        static volatile boolean inside;

        @Override
        public void fromInside() {
            inside = Counting.inside(List.of(handles));
            CompletableFuture<SwapResult> f = swap.get();
            requested = f;
            doneInside = f.isDone();
        }
    }

    static final StateFormat<Long> VALUE = StateFormat.canonical("nested.value", Long.class);

    /** Whether this call came through a counted handle method: what the stack check sees. */
    public static class ProbeImpl implements Probe {
        @Override
        public boolean counted() {
            return Arrays.stream(Thread.currentThread().getStackTrace()).anyMatch(f -> f.getMethodName().startsWith(HandleFactory.COUNTED_PREFIX));
        }
    }

    /** Records every call that runs after its export began: the quiescence check must make that impossible. */
    public static class NestedImpl implements Nested, StatefulComponent {
        static final AtomicInteger AFTER_EXPORT = new AtomicInteger();
        final AtomicLong value = new AtomicLong();
        volatile boolean exported;

        @Override
        public long increment() {
            check();
            return value.incrementAndGet();
        }

        @Override
        public long get() {
            return value.get();
        }

        @Override
        public void outer(Nested self, CountDownLatch first, CountDownLatch nested, CountDownLatch second) throws InterruptedException {
            check();
            first.await();
            self.increment(); // through the entry's own handle, while the swap holds counted mode: a counted call
            nested.countDown();
            second.await();
            check(); // still on this instance: its export must not have begun
        }

        private void check() {
            if (exported) {
                AFTER_EXPORT.incrementAndGet();
            }
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
            exported = true;
            return value.get();
        }

        @Override
        public void importState(StateFormat<?> format, Object state, TransferContext context) {
            value.set((Long) state);
        }
    }

    private Engine engine;
    /** Threads of its own: the common pool may have a single worker on a small machine. */
    private final java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newCachedThreadPool();

    @Before
    public void setUp() {
        StandaloneSource source = new StandaloneSource();
        source.add(Probe.class, "probe", "1.0.0", ProbeImpl::new);
        source.add(Probe.class, "probe2", "1.0.0", ProbeImpl::new);
        source.add(Nested.class, "nested", "1.0.0", NestedImpl::new);
        source.add(Nested.class, "nested2", "1.0.0", NestedImpl::new);
        source.add(Reentrant.class, "reentrant", "1.0.0", ReentrantImpl::new);
        source.add(Reentrant.class, "reentrant2", "1.0.0", ReentrantImpl::new);
        engine = new Engine(source);
        NestedImpl.AFTER_EXPORT.set(0);
    }

    @After
    public void tearDown() {
        pool.shutdownNow();
        engine.shutdown();
    }

    @Test
    public void aSwapCountsEveryCallOfItsInterfaceUntilShortlyAfterItEnds() throws Exception {
        Entry<Probe> swapped = engine.create(Probe.class, "probe");
        Entry<Probe> lookAlike = engine.create(Probe.class, "probe");
        Class<?> handles = swapped.handle().getClass();
        assertEquals("both entries share one handle class", handles, lookAlike.handle().getClass());
        assertFalse("no swap ran yet", Counting.isOn(handles));
        assertFalse("a call without a swap takes the uncounted path", lookAlike.handle().counted());

        // While a swap of one entry runs (here: held in its forward phase by a call that began before it), calls into the
        // other entry of the interface are counted.
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        source().add(Probe.class, "holding", "1.0.0", () -> new Probe() {
            @Override
            public boolean counted() {
                inside.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return false;
            }
        });
        Entry<Probe> held = engine.create(Probe.class, "holding");
        CompletableFuture<Boolean> call = CompletableFuture.supplyAsync(() -> held.handle().counted(), pool);
        assertTrue(inside.await(10, TimeUnit.SECONDS));
        CompletableFuture<SwapResult> swap = swapAsync(held.id(), "probe");
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!Counting.isOn(handles) && System.nanoTime() < until) {
            Thread.sleep(1);
        }
        assertTrue("the swap turned counted mode on", Counting.isOn(handles));
        assertTrue("a call into a look-alike entry during the swap is counted", lookAlike.handle().counted());
        release.countDown();
        SwapResult r = swap.get(30, TimeUnit.SECONDS);
        assertEquals(r.toString(), SwapOutcome.COMPLETED, r.outcome);
        call.get(10, TimeUnit.SECONDS);

        until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (Counting.isOn(handles) && System.nanoTime() < until) {
            Thread.sleep(5);
        }
        assertFalse("counted mode ends after the swap (it lingers " + Counting.LINGER_MILLIS + " ms)", Counting.isOn(handles));
        assertFalse("calls take the uncounted path again", lookAlike.handle().counted());
    }

    /** The swap runs on the calling thread: start it on another one. */
    private CompletableFuture<SwapResult> swapAsync(long id, String target) {
        return CompletableFuture.supplyAsync(() -> engine.swap(id, target, "test", 30_000).toCompletableFuture().join(), pool);
    }

    private StandaloneSource source() {
        return (StandaloneSource) engine.source();
    }

    @Test
    public void aCallThatBeganUncountedIsWaitedForEvenWhenItCallsItsOwnEntryCounted() throws Exception {
        Entry<Nested> e = engine.create(Nested.class, "nested");
        Nested h = e.handle();
        h.increment();
        CountDownLatch first = new CountDownLatch(1);
        CountDownLatch nested = new CountDownLatch(1);
        CountDownLatch second = new CountDownLatch(1);
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread caller = new Thread(() -> {
            try {
                h.outer(h, first, nested, second); // begins before the swap: uncounted
            } catch (Throwable t) {
                failed.set(t);
            }
        }, "outer-caller");
        caller.start();
        // The caller is inside outer() once its stack shows the implementation's frame.
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (Arrays.stream(caller.getStackTrace()).noneMatch(f -> f.getMethodName().equals("outer") && f.getClassName().equals(NestedImpl.class.getName()))
                && System.nanoTime() < until) {
            Thread.sleep(1);
        }
        CompletableFuture<SwapResult> swap = swapAsync(e.id(), "nested2");
        until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!Counting.isOn(h.getClass()) && System.nanoTime() < until) {
            Thread.sleep(1);
        }
        first.countDown(); // the nested call runs counted; the outer call still runs uncounted below it
        assertTrue(nested.await(10, TimeUnit.SECONDS));
        Thread.sleep(200);
        try {
            assertFalse("the swap waits while a call that began before it still runs on the old instance: " + (swap.isDone() ? swap.get() : ""), swap.isDone());
        } finally {
            second.countDown();
        }
        second.countDown();
        caller.join(10_000);
        SwapResult r = swap.get(30, TimeUnit.SECONDS);
        assertEquals(r.toString(), SwapOutcome.COMPLETED, r.outcome);
        assertEquals("no call ran on the old instance after its export began", 0, NestedImpl.AFTER_EXPORT.get());
        assertEquals("both increments were carried across", 2, h.get());
        assertEquals(null, failed.get());
    }

    @Test
    public void swapsOfAnIdleEntryCompleteWhileLookAlikeCallersRunAndNoCallIsLost() throws Exception {
        // Threads that keep calling a look-alike report themselves once per epoch; the swaps of the idle entry complete
        // and every call of both entries is counted exactly once.
        Entry<Nested> idle = engine.create(Nested.class, "nested");
        Entry<Nested> busy = engine.create(Nested.class, "nested");
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong made = new AtomicLong();
        Thread[] callers = new Thread[3];
        for (int t = 0; t < callers.length; t++) {
            callers[t] = new Thread(() -> {
                while (!stop.get()) {
                    busy.handle().increment();
                    made.incrementAndGet();
                }
            }, "busy-" + t);
            callers[t].start();
        }
        String[] targets = {"nested2", "nested"};
        for (int i = 0; i < 200; i++) {
            SwapResult r = engine.swap(idle.id(), targets[i & 1], "test").toCompletableFuture().get(30, TimeUnit.SECONDS);
            assertEquals(r.toString(), SwapOutcome.COMPLETED, r.outcome);
            idle.handle().increment();
        }
        stop.set(true);
        for (Thread t : callers) {
            t.join(10_000);
        }
        assertEquals(made.get(), busy.handle().get());
        assertEquals(200, idle.handle().get());
        assertEquals(0, NestedImpl.AFTER_EXPORT.get());
    }

    /**
     * A thread that walked its own stack in this counting epoch and found no frame of the interface
     * is not walked again for its next swap, but a counted call it makes since (here, one that asks
     * for a swap of its own entry) sends it back to the walk: the swap is run on another thread and
     * waits for that call, as before. Counted mode is held on by hand ({@link Counting#on}), so no
     * expiry between the steps can make the test pass without the path it is about.
     */
    @Test
    public void aSwapAskedForFromInsideACallOfItsEntryIsNeverRunOnTheCallingThreadEvenRightAfterASwapFromOutside() throws Exception {
        Entry<Reentrant> e = engine.create(Reentrant.class, "reentrant");
        Class<?> handles = e.handle().getClass();
        String[] targets = {"reentrant2", "reentrant"};
        int[] n = {0};
        ReentrantImpl.handles = handles;
        ReentrantImpl.swap = () -> engine.swap(e.id(), targets[n[0]++ & 1], "test").toCompletableFuture();
        Counting.on(handles);
        try {
            Thread self = Thread.currentThread();
            assertFalse(Counting.clean(self, List.of(handles)));
            assertFalse(Counting.inside(List.of(handles)));
            assertTrue("a walk that found no frame is the thread's report for the epoch", Counting.clean(self, List.of(handles)));
            for (int i = 0; i < 2; i++) {
                SwapResult r = ReentrantImpl.swap.get().get(30, TimeUnit.SECONDS);
                assertEquals(r.toString(), SwapOutcome.COMPLETED, r.outcome);
                assertFalse(Counting.inside(List.of(handles)));
            }
            e.handle().fromInside();
            assertTrue("inside a call of the interface", ReentrantImpl.inside);
            assertFalse("the swap asked for from inside the call ran on the calling thread", ReentrantImpl.doneInside);
            SwapResult r = ReentrantImpl.requested.get(30, TimeUnit.SECONDS);
            assertEquals(r.toString(), SwapOutcome.COMPLETED, r.outcome);
            assertFalse("outside again once the call returned", Counting.inside(List.of(handles)));
            assertEquals("reentrant2", e.describe().implementation);
        } finally {
            Counting.off(handles);
        }
    }
}
