package swap.testkit;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongFunction;
import java.util.function.Supplier;

import swap.api.Entry;
import swap.api.StateFormat;
import swap.api.StatefulComponent;
import swap.api.SwapOutcome;
import swap.api.SwapResult;
import swap.kernel.Engine;
import swap.kernel.StandaloneSource;

/**
 * JUnit 4 checks of one implementation, run in a standalone engine (swap.core's {@link Engine}
 * over a {@link StandaloneSource}: the object translation table, handles, mediator and state
 * transfer of the platform, without OSGi). Describe the implementation, then call the checks:
 *
 * <pre>{@code
 * ImplementationCheck<Counter> check = ImplementationCheck.of(Counter.class, "counter.mine", "1.0.0", MyCounter::new)
 *         .change(Counter::increment)        // one call that changes the state
 *         .state(Counter::get)               // the observable state, compared with equals
 *         .expect(n -> n)                    // the state after n changes of a fresh instance
 *         .other("counter.simple", "1.0.0", SimpleCounter::new);
 * check.formatsRoundTrip();                  // every format against itself
 * check.formatsRoundTripWith("counter.simple");
 * check.swapsUnderLoad(2, "counter.simple"); // 2 caller threads, swaps there and back, exact state at the end
 * check.close();
 * }</pre>
 *
 * <p>Every check fails with an {@link AssertionError} that names the format or swap at fault. The
 * engine's quiescence timeout is {@value #TIMEOUT_MILLIS} ms, long enough that a rolled-back swap
 * means the implementation blocked, not that the machine was slow.
 *
 * <p>Not thread-safe: one test thread describes and runs the checks (the load threads are its own).
 *
 * @param <T> the component interface
 */
public final class ImplementationCheck<T> implements AutoCloseable {
    /** Quiescence timeout of the engine, in milliseconds. */
    public static final long TIMEOUT_MILLIS = 60_000;
    /** How many changes a state carries in the format checks unless {@link #changes(int)} says otherwise. */
    static final int CHANGES = 5;
    /** How many swaps {@link #swapsUnderLoad(int)} makes while the callers call. */
    static final int SWAPS = 20;

    private final Class<T> type;
    private final String name;
    private final Supplier<? extends T> factory;
    private final StandaloneSource source = new StandaloneSource();
    private final Engine engine;
    private final List<String> others = new ArrayList<>();
    private final java.util.Map<String, Supplier<? extends T>> otherFactories = new java.util.HashMap<>();
    private Consumer<? super T> change;
    private Function<? super T, ?> state;
    private LongFunction<?> expected;
    private int changes = CHANGES;

    private ImplementationCheck(Class<T> type, String name, String version, Supplier<? extends T> factory) {
        this.type = Objects.requireNonNull(type, "type");
        this.name = Objects.requireNonNull(name, "name");
        this.factory = Objects.requireNonNull(factory, "factory");
        source.add(type, name, version, factory);
        engine = new Engine(source);
        engine.configure(TIMEOUT_MILLIS, 1024);
    }

    /**
     * The implementation under test.
     *
     * @param type    the component interface it is registered under
     * @param name    its {@code swap.impl.name}
     * @param version its {@code swap.impl.version}
     * @param factory makes a fresh instance, as DS would (e.g. {@code MyCounter::new})
     */
    public static <T> ImplementationCheck<T> of(Class<T> type, String name, String version, Supplier<? extends T> factory) {
        return new ImplementationCheck<>(type, name, version, factory);
    }

    /** One call through the interface that changes the state (e.g. {@code Counter::increment}). */
    public ImplementationCheck<T> change(Consumer<? super T> call) {
        this.change = Objects.requireNonNull(call);
        return this;
    }

    /** Reads the observable state through the interface (e.g. {@code Counter::get}); compared with {@code equals} (arrays by content). */
    public ImplementationCheck<T> state(Function<? super T, ?> probe) {
        this.state = Objects.requireNonNull(probe);
        return this;
    }

    /** The state a fresh instance has after {@code n} changes (e.g. {@code n -> n} for a counter whose state is a {@code Long}). */
    public ImplementationCheck<T> expect(LongFunction<?> afterChanges) {
        this.expected = Objects.requireNonNull(afterChanges);
        return this;
    }

    /**
     * How many changes a state carries in the format checks (default {@value #CHANGES}). For state
     * that is more than a counter (a map, several fields), use {@link StateCheck}: random operations
     * from your own set, compared with a model after every transfer.
     */
    public ImplementationCheck<T> changes(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("changes must be 0 or more, was " + n);
        }
        this.changes = n;
        return this;
    }

    /** Another implementation of the same interface, to round-trip formats with and to swap to. */
    public ImplementationCheck<T> other(String otherName, String version, Supplier<? extends T> otherFactory) {
        source.add(type, otherName, version, otherFactory);
        others.add(otherName);
        otherFactories.put(otherName, otherFactory);
        return this;
    }

    /** The engine the checks run in: create entries, swap them, read the history ({@link Engine} is a {@code SwapManager}). */
    public Engine engine() {
        return engine;
    }

    // ------------------------------------------------------------------ formats

    /**
     * Every format the implementation exports or imports (but {@link StateFormat#EMPTY}) carries its
     * state to a fresh instance of itself: the exporter is left intact, and the importer, created by
     * the engine with that state, shows the same state. A format it exports but does not import (or
     * the reverse) fails here: check it with {@link #formatsRoundTripWith} against the implementation
     * that reads it. If it imports {@code EMPTY}, starting empty gives a fresh instance's state.
     */
    public void formatsRoundTrip() {
        needChangeAndState();
        T a = changed(name, factory);
        List<StateFormat<?>> exports = exports(name, a);
        List<StateFormat<?>> imports = imports(name, fresh(name, factory));
        Set<StateFormat<?>> all = new LinkedHashSet<>(exports);
        all.addAll(imports);
        all.remove(StateFormat.EMPTY);
        if (all.isEmpty()) {
            assertTrue(name + " has no state formats (a stateless component) but its state changes: implement StatefulComponent",
                    Objects.deepEquals(read(a), read(fresh(name, factory))));
        }
        for (StateFormat<?> f : all) {
            assertTrue(name + " exports format '" + f + "' but does not import it: a new version of " + name + " could not read it back"
                    + " (check it against the implementation that reads it with formatsRoundTripWith)", imports.contains(f));
            assertTrue(name + " imports format '" + f + "' but does not export it: only another implementation can write it"
                    + " (check it with formatsRoundTripWith)", exports.contains(f));
            carry(name, a, f, name);
        }
        if (imports.contains(StateFormat.EMPTY)) {
            Entry<T> e = created(name, StateFormat.EMPTY, null);
            assertStateEquals(name + " started empty (format 'empty')", read(fresh(name, factory)), read(e.handle()));
            engine.release(e.id());
        }
    }

    /**
     * The implementation and {@code otherName} (registered with {@link #other}) move state both ways:
     * every format one exports and the other imports carries the state (after {@link #changes}
     * changes) to a fresh instance of the other, which shows the same state. Fails if either way has
     * no format in common, since the engine could then not swap between them.
     */
    public void formatsRoundTripWith(String otherName) {
        needChangeAndState();
        Supplier<? extends T> otherFactory = otherFactories.get(otherName);
        assertNotNull("no other implementation named " + otherName + ": register it with other(name, version, factory)", otherFactory);
        oneWay(name, factory, otherName, otherFactory);
        oneWay(otherName, otherFactory, name, factory);
    }

    private void oneWay(String fromName, Supplier<? extends T> from, String toName, Supplier<? extends T> to) {
        T a = changed(fromName, from);
        List<StateFormat<?>> exports = exports(fromName, a);
        List<StateFormat<?>> imports = imports(toName, fresh(toName, to));
        List<StateFormat<?>> common = new ArrayList<>();
        for (StateFormat<?> f : imports) {
            if (exports.contains(f) && !f.equals(StateFormat.EMPTY)) {
                common.add(f);
            }
        }
        assertTrue("no state format in common from " + fromName + " to " + toName + ": " + fromName + " exports " + exports + ", "
                + toName + " imports " + imports, !common.isEmpty());
        for (StateFormat<?> f : common) {
            carry(fromName, a, f, toName);
        }
    }

    /** Exports {@code a}'s state in {@code f}, checks the exporter is intact, creates an entry of {@code toName} with it and compares. */
    private void carry(String fromName, T a, StateFormat<?> f, String toName) {
        Object before = read(a);
        Object exported;
        try {
            exported = ((StatefulComponent) a).exportState(f);
        } catch (Exception ex) {
            throw new AssertionError(fromName + ": export in format '" + f + "' threw " + ex, ex);
        }
        try {
            f.cast(exported);
        } catch (ClassCastException ex) {
            throw new AssertionError(fromName + ": export in format '" + f + "' returned the wrong type: " + ex.getMessage(), ex);
        }
        assertStateEquals(fromName + ": export in format '" + f + "' must leave the exporter intact (a failed import rolls back to it)", before, read(a));
        Entry<T> e = created(toName, f, exported);
        assertStateEquals("state carried from " + fromName + " to " + toName + " in format '" + f + "'", before, read(e.handle()));
        engine.release(e.id());
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private Entry<T> created(String target, StateFormat<?> f, Object state) {
        try {
            return engine.create(type, target, (StateFormat) f, state);
        } catch (RuntimeException ex) {
            throw new AssertionError(target + " could not be created with state in format '" + f + "': " + ex.getMessage(), ex);
        }
    }

    // ------------------------------------------------------------------ swaps under load

    /**
     * Swaps an entry of the implementation {@value #SWAPS} times while {@code threads} caller
     * threads make changes through the entry's handle: to each of {@code to} (names registered with
     * {@link #other}) and back to a fresh instance of itself, in turn; with no {@code to}, to a fresh
     * instance of itself each time. Each swap starts only once every caller has made a change, and the
     * callers stop only when the last swap has ended. Then every swap must have COMPLETED, no call may
     * have thrown, and the state must be exactly {@link #expect expected} for the number of changes
     * made: none lost, none counted twice.
     */
    public void swapsUnderLoad(int threads, String... to) {
        needChangeAndState();
        assertNotNull("call expect(n -> state after n changes) first: the check compares the final state with it", expected);
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be 1 or more");
        }
        Entry<T> e = engine.create(type, name);
        T handle = e.handle();
        AtomicLong made = new AtomicLong();
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        CountDownLatch calling = new CountDownLatch(threads);
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        List<Thread> callers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread th = new Thread(() -> {
                try {
                    boolean first = true;
                    while (first || !stop.get()) {
                        change.accept(handle);
                        made.incrementAndGet();
                        if (first) {
                            calling.countDown();
                            first = false;
                        }
                    }
                } catch (Throwable ex) {
                    errors.add(ex);
                    calling.countDown();
                }
            }, "swap.testkit-caller-" + t);
            th.setDaemon(true);
            callers.add(th);
            th.start();
        }
        List<String> targets = new ArrayList<>();
        for (String t : to) {
            assertTrue("no other implementation named " + t + ": register it with other(name, version, factory)", others.contains(t));
            targets.add(t);
            targets.add(name);
        }
        if (targets.isEmpty()) {
            targets.add(name);
        }
        List<SwapResult> results = new ArrayList<>();
        try {
            calling.await();
            for (int i = 0; i < SWAPS && errors.isEmpty(); i++) {
                results.add(engine.swap(e.id(), targets.get(i % targets.size()), "swap.testkit: swap under load").toCompletableFuture().get());
            }
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", ex);
        } catch (ExecutionException ex) {
            throw new AssertionError("swap failed: " + ex.getCause(), ex.getCause());
        } finally {
            stop.set(true);
            for (Thread th : callers) {
                try {
                    th.join();
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        if (!errors.isEmpty()) {
            AssertionError a = new AssertionError("a call through the handle threw during the swaps: " + errors.peek());
            a.initCause(errors.peek());
            throw a;
        }
        for (SwapResult r : results) {
            assertEquals("swap " + r.from + " -> " + r.to + ": " + r.reason, SwapOutcome.COMPLETED, r.outcome);
        }
        assertStateEquals("state after " + made.get() + " changes by " + threads + " thread(s) and " + results.size() + " swaps",
                expected.apply(made.get()), read(handle));
        engine.release(e.id());
    }

    // ------------------------------------------------------------------ helpers

    private void needChangeAndState() {
        assertNotNull("call change(...) first: one call that changes the state", change);
        assertNotNull("call state(...) first: how to read the state through the interface", state);
    }

    private T fresh(String implName, Supplier<? extends T> f) {
        T t = f.get();
        assertTrue(implName + "'s factory made " + t + ", not a " + type.getName(), type.isInstance(t));
        return t;
    }

    private T changed(String implName, Supplier<? extends T> f) {
        T t = fresh(implName, f);
        for (int i = 0; i < changes; i++) {
            change.accept(t);
        }
        return t;
    }

    private Object read(T t) {
        return state.apply(t);
    }

    private static List<StateFormat<?>> exports(String implName, Object o) {
        return o instanceof StatefulComponent ? formats(implName, "exportFormats", ((StatefulComponent) o).exportFormats()) : List.of(StateFormat.EMPTY);
    }

    private static List<StateFormat<?>> imports(String implName, Object o) {
        return o instanceof StatefulComponent ? formats(implName, "importFormats", ((StatefulComponent) o).importFormats()) : List.of(StateFormat.EMPTY);
    }

    private static List<StateFormat<?>> formats(String implName, String method, List<StateFormat<?>> l) {
        assertNotNull(implName + "." + method + "() returned null; return an empty list or List.of(StateFormat.EMPTY)", l);
        assertEquals(implName + "." + method + "() lists a format twice: " + l, new LinkedHashSet<>(l).size(), l.size());
        return l;
    }

    private static void assertStateEquals(String what, Object expected, Object actual) {
        if (!Objects.deepEquals(expected, actual)) {
            fail(what + ": expected " + show(expected) + " but was " + show(actual));
        }
    }

    private static String show(Object o) {
        return o instanceof Object[] ? Arrays.deepToString((Object[]) o) : o != null && o.getClass().isArray() ? Arrays.deepToString(new Object[] {o}) : String.valueOf(o);
    }

    /** Stops the engine's worker threads. */
    @Override
    public void close() {
        engine.shutdown();
    }
}
