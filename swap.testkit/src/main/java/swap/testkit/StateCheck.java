package swap.testkit;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;

import swap.api.Entry;
import swap.api.StateFormat;
import swap.api.StatefulComponent;
import swap.api.SwapOutcome;
import swap.api.SwapResult;
import swap.kernel.Engine;
import swap.kernel.StandaloneSource;

/**
 * JUnit 4 checks of an implementation's <em>real</em> state: random operations from the author's
 * own operation set are applied both to the implementation and to a plain model of it (for a
 * map-shaped store, a {@code HashMap}), and after every state transfer the two states are compared
 * with {@code equals} (or whatever digest the author's state functions return). Runs in a
 * standalone engine (the platform's object translation table, handles, mediator and state transfer,
 * without OSGi), like {@link ImplementationCheck}.
 *
 * <pre>{@code
 * try (StateCheck<SessionStore, Map<String, Long>> check = StateCheck
 *         .of(SessionStore.class, "store.map", "1.0.0", MapStore::new)
 *         .model(HashMap::new)
 *         .operation("put", (store, model, random) -> {
 *             String k = "k" + random.nextInt(64); long v = random.nextLong();
 *             store.put(k, v); model.put(k, v);
 *         })
 *         .operation("remove", (store, model, random) -> {
 *             String k = "k" + random.nextInt(64);
 *             assertEquals(model.remove(k), store.remove(k));   // results may be checked too
 *         })
 *         .state(SessionStore::snapshot, model -> model)     // compared with equals
 *         .changes(500)                                       // random operations between two transfers
 *         .other("store.striped", "1.0.0", StripedStore::new)) {
 *     check.formatsRoundTrip();                 // every format, to a fresh instance of itself
 *     check.formatsRoundTripWith("store.striped");
 *     check.swapsInTurn("store.striped");       // the engine's own swaps, one entry, state checked after each
 *     check.swapsUnderLoad(2, "store.striped"); // the same with 2 caller threads running operations
 * }
 * }</pre>
 *
 * <p>Operations draw their arguments from the {@link Random} they are given, so a failure is
 * reproducible: every message names the seed ({@link #seed(long)}; 23 unless set). An operation may
 * assert on what the implementation returns (compare it with the model's answer).
 *
 * <p>Not thread-safe: one test thread describes and runs the checks (the load threads are its own).
 *
 * @param <T> the component interface
 * @param <M> the model's type
 */
public final class StateCheck<T, M> implements AutoCloseable {

    /**
     * One operation of the author's operation set: draw its arguments from {@code random}, apply it
     * to {@code component} and the same to {@code model}.
     */
    @FunctionalInterface
    public interface Operation<T, M> {
        void apply(T component, M model, Random random) throws Exception;
    }

    /** Quiescence timeout of the engine, in milliseconds (see {@link ImplementationCheck#TIMEOUT_MILLIS}). */
    public static final long TIMEOUT_MILLIS = ImplementationCheck.TIMEOUT_MILLIS;

    private final Class<T> type;
    private final String name;
    private final StandaloneSource source = new StandaloneSource();
    private final Engine engine;
    private final Map<String, Supplier<? extends T>> factories = new LinkedHashMap<>();
    private final List<String> opNames = new ArrayList<>();
    private final List<Operation<? super T, ? super M>> ops = new ArrayList<>();
    private Supplier<? extends M> model;
    private Function<? super T, ?> componentState;
    private Function<? super M, ?> modelState;
    private int changes = 200;
    private int rounds = 3;
    private int swaps = 20;
    private long seed = 23;

    private StateCheck(Class<T> type, String name, String version, Supplier<? extends T> factory) {
        this.type = Objects.requireNonNull(type, "type");
        this.name = Objects.requireNonNull(name, "name");
        source.add(type, name, version, Objects.requireNonNull(factory, "factory"));
        factories.put(name, factory);
        engine = new Engine(source);
        engine.configure(TIMEOUT_MILLIS, 1024);
    }

    /**
     * The implementation under test.
     *
     * @param type    the component interface it is registered under
     * @param name    its implementation name ({@code swap.impl.name})
     * @param version its implementation version
     * @param factory makes a fresh instance, as DS would
     */
    public static <T, M> StateCheck<T, M> of(Class<T> type, String name, String version, Supplier<? extends T> factory) {
        return new StateCheck<>(type, name, version, factory);
    }

    /** Makes a fresh, empty model (e.g. {@code HashMap::new}). */
    public StateCheck<T, M> model(Supplier<? extends M> fresh) {
        this.model = Objects.requireNonNull(fresh, "model");
        return this;
    }

    /** Adds one operation to the set random operations are drawn from (each equally likely). */
    public StateCheck<T, M> operation(String opName, Operation<? super T, ? super M> op) {
        opNames.add(Objects.requireNonNull(opName, "name"));
        ops.add(Objects.requireNonNull(op, "operation"));
        return this;
    }

    /**
     * How to read the state: of the implementation (through its interface) and of the model. The
     * two results are compared with {@code equals} (arrays by content); return a digest from both if
     * the whole state is too large or not comparable as it is.
     */
    public StateCheck<T, M> state(Function<? super T, ?> ofComponent, Function<? super M, ?> ofModel) {
        this.componentState = Objects.requireNonNull(ofComponent, "component state");
        this.modelState = Objects.requireNonNull(ofModel, "model state");
        return this;
    }

    /** How many random operations run between two transfers (default 200). */
    public StateCheck<T, M> changes(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("changes must be 0 or more, was " + n);
        }
        this.changes = n;
        return this;
    }

    /** How many transfers each chain of the format checks makes (default 3), with {@link #changes} operations before each. */
    public StateCheck<T, M> rounds(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("rounds must be 1 or more, was " + n);
        }
        this.rounds = n;
        return this;
    }

    /** How many swaps {@link #swapsInTurn} and {@link #swapsUnderLoad} make (default 20). */
    public StateCheck<T, M> swaps(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("swaps must be 1 or more, was " + n);
        }
        this.swaps = n;
        return this;
    }

    /** The seed of the random operations (default 23); every failure message names it. */
    public StateCheck<T, M> seed(long s) {
        this.seed = s;
        return this;
    }

    /** Another implementation of the same interface, to carry state to and from and to swap to. */
    public StateCheck<T, M> other(String otherName, String version, Supplier<? extends T> otherFactory) {
        source.add(type, otherName, version, Objects.requireNonNull(otherFactory, "factory"));
        factories.put(otherName, otherFactory);
        return this;
    }

    /** The engine the checks run in. */
    public Engine engine() {
        return engine;
    }

    // ------------------------------------------------------------------ formats

    /**
     * Every format the implementation exports and imports (but {@link StateFormat#EMPTY}) carries
     * its state to a fresh instance of itself, {@link #rounds} times in a chain: {@link #changes}
     * random operations, export (the exporter must still equal the model), import into a fresh
     * instance (which must equal the model), and again from that instance.
     */
    public void formatsRoundTrip() {
        needAll();
        T probe = fresh(name);
        List<StateFormat<?>> exports = exports(name, probe);
        List<StateFormat<?>> imports = imports(name, fresh(name));
        Set<StateFormat<?>> all = new LinkedHashSet<>(exports);
        all.addAll(imports);
        all.remove(StateFormat.EMPTY);
        assertTrue(name + " has no state format but EMPTY: a stateful component implements StatefulComponent", !all.isEmpty());
        for (StateFormat<?> f : all) {
            assertTrue(name + " exports format '" + f + "' but does not import it: a new version of " + name
                    + " could not read it back (check it with formatsRoundTripWith)", imports.contains(f));
            assertTrue(name + " imports format '" + f + "' but does not export it (check it with formatsRoundTripWith)", exports.contains(f));
            chain(f, name, name);
        }
    }

    /**
     * The implementation and {@code otherName} (see {@link #other}) carry state both ways in every
     * format one exports and the other imports, {@link #rounds} times in a chain that alternates
     * between the two, with the state compared with the model after every transfer. Fails if a way
     * has no format in common.
     */
    public void formatsRoundTripWith(String otherName) {
        needAll();
        needOther(otherName);
        List<StateFormat<?>> there = common(name, otherName);
        List<StateFormat<?>> back = common(otherName, name);
        assertTrue("no state format in common from " + name + " to " + otherName + ": " + name + " exports "
                + exports(name, fresh(name)) + ", " + otherName + " imports " + imports(otherName, fresh(otherName)), !there.isEmpty());
        assertTrue("no state format in common from " + otherName + " to " + name + ": " + otherName + " exports "
                + exports(otherName, fresh(otherName)) + ", " + name + " imports " + imports(name, fresh(name)), !back.isEmpty());
        for (StateFormat<?> f : there) {
            chain(f, name, otherName);
        }
        for (StateFormat<?> f : back) {
            chain(f, otherName, name);
        }
    }

    private List<StateFormat<?>> common(String from, String to) {
        List<StateFormat<?>> exports = exports(from, fresh(from));
        List<StateFormat<?>> l = new ArrayList<>();
        for (StateFormat<?> f : imports(to, fresh(to))) {
            if (exports.contains(f) && !f.equals(StateFormat.EMPTY)) {
                l.add(f);
            }
        }
        return l;
    }

    /**
     * A chain of {@link #rounds} transfers in format {@code f}: from {@code a} to {@code b}, then from
     * that {@code b} to {@code a} (when both read {@code f}), and so on.
     */
    private void chain(StateFormat<?> f, String a, String b) {
        Random random = new Random(seed);
        M m = model.get();
        T current = fresh(a);
        Object instance = current; // what exports: current is the entry's handle after the first transfer
        String currentName = a;
        List<Long> made = new ArrayList<>();
        boolean bothWays = reads(a, f) && writes(b, f);
        for (int round = 1; round <= rounds; round++) {
            String where = "format '" + f + "', seed " + seed + ", transfer " + round + " of " + rounds;
            applyRandom(current, m, random, changes, where + ", on " + currentName);
            Object expected = modelState.apply(m);
            assertStateEquals(currentName + " after " + changes + " random operations (" + where + ", before the transfer)",
                    expected, componentState.apply(current));
            Object exported;
            try {
                exported = ((StatefulComponent) instance).exportState(f);
            } catch (Exception ex) {
                throw new AssertionError(currentName + ": export in format '" + f + "' threw " + ex + " (" + where + ")", ex);
            }
            try {
                f.cast(exported);
            } catch (ClassCastException ex) {
                throw new AssertionError(currentName + ": export returned the wrong type: " + ex.getMessage(), ex);
            }
            assertStateEquals(currentName + ": export must leave the exporter intact (" + where + ")", expected, componentState.apply(current));
            String to = round % 2 == 1 || !bothWays ? b : a;
            Entry<T> e = created(to, f, exported);
            made.add(e.id());
            assertStateEquals("state carried from " + currentName + " to " + to + " (" + where + ")", expected, componentState.apply(e.handle()));
            current = e.handle();
            instance = ((swap.kernel.EntryImpl<?>) e).instance();
            currentName = to;
        }
        applyRandom(current, m, random, changes, "format '" + f + "', seed " + seed + ", after the last transfer, on " + currentName);
        assertStateEquals(currentName + " after " + changes + " more random operations following the last transfer in format '" + f
                + "' (seed " + seed + ")", modelState.apply(m), componentState.apply(current));
        for (long id : made) {
            engine.release(id);
        }
    }

    private boolean reads(String impl, StateFormat<?> f) {
        return imports(impl, fresh(impl)).contains(f);
    }

    private boolean writes(String impl, StateFormat<?> f) {
        return exports(impl, fresh(impl)).contains(f);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private Entry<T> created(String target, StateFormat<?> f, Object state) {
        try {
            return engine.create(type, target, (StateFormat) f, state);
        } catch (RuntimeException ex) {
            throw new AssertionError(target + " could not be created with state in format '" + f + "': " + ex.getMessage(), ex);
        }
    }

    // ------------------------------------------------------------------ the engine's swaps

    /**
     * One entry of the implementation, swapped {@link #swaps} times by the engine (the platform's
     * swap protocol and format negotiation): to each of {@code to} and back, in turn (with none, to a
     * fresh instance of itself), with {@link #changes} random operations through the entry's handle
     * before each swap and the state compared with the model after each.
     */
    public void swapsInTurn(String... to) {
        needAll();
        List<String> targets = targets(to);
        Random random = new Random(seed);
        M m = model.get();
        Entry<T> e = engine.create(type, name);
        T handle = e.handle();
        for (int i = 0; i < swaps; i++) {
            String where = "seed " + seed + ", swap " + (i + 1) + " of " + swaps;
            applyRandom(handle, m, random, changes, where);
            SwapResult r = swap(e.id(), targets.get(i % targets.size()));
            assertEquals("swap " + r.from + " -> " + r.to + " (" + where + "): " + r.reason, SwapOutcome.COMPLETED, r.outcome);
            assertStateEquals("state after swap " + r.from + " -> " + r.to + " (" + where + ")", modelState.apply(m), componentState.apply(handle));
        }
        engine.release(e.id());
    }

    /**
     * {@code threads} caller threads run random operations through the handle of one entry while
     * the engine swaps it {@link #swaps} times (targets as in {@link #swapsInTurn}). The model is
     * one object, so each operation runs on the handle and the model under one lock: callers take
     * turns with one another, never with the swaps, which run while a caller may be inside the
     * component or waiting at the mediator. After every swap the state (read under the same lock)
     * must equal the model; every swap must complete and no operation may throw.
     */
    public void swapsUnderLoad(int threads, String... to) {
        needAll();
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be 1 or more, was " + threads);
        }
        List<String> targets = targets(to);
        M m = model.get();
        Object lock = new Object();
        Entry<T> e = engine.create(type, name);
        T handle = e.handle();
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        CountDownLatch calling = new CountDownLatch(threads);
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> callers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Random random = new Random(seed + t);
            Thread th = new Thread(() -> {
                boolean first = true;
                try {
                    while (first || !stop.get()) {
                        int k = random.nextInt(ops.size());
                        synchronized (lock) {
                            ops.get(k).apply(handle, m, random);
                        }
                        if (first) {
                            calling.countDown();
                            first = false;
                        }
                    }
                } catch (Throwable ex) {
                    errors.add(ex);
                    if (first) {
                        calling.countDown();
                    }
                }
            }, "swap.testkit-state-caller-" + t);
            th.setDaemon(true);
            callers.add(th);
            th.start();
        }
        List<SwapResult> results = new ArrayList<>();
        try {
            calling.await();
            for (int i = 0; i < swaps && errors.isEmpty(); i++) {
                SwapResult r = swap(e.id(), targets.get(i % targets.size()));
                results.add(r);
                assertEquals("swap " + r.from + " -> " + r.to + " under load (seed " + seed + "): " + r.reason, SwapOutcome.COMPLETED, r.outcome);
                synchronized (lock) {
                    assertStateEquals("state after swap " + (i + 1) + " of " + swaps + " (" + r.from + " -> " + r.to + ") with " + threads
                            + " caller thread(s), seed " + seed, modelState.apply(m), componentState.apply(handle));
                }
            }
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", ex);
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
            throw new AssertionError("an operation through the handle threw during the swaps (seed " + seed + "): " + errors.peek(), errors.peek());
        }
        assertStateEquals("state after " + results.size() + " swaps with " + threads + " caller thread(s), seed " + seed,
                modelState.apply(m), componentState.apply(handle));
        engine.release(e.id());
    }

    private SwapResult swap(long id, String target) {
        try {
            return engine.swap(id, target, "swap.testkit: state check").toCompletableFuture().get();
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", ex);
        } catch (ExecutionException ex) {
            throw new AssertionError("swap to " + target + " failed: " + ex.getCause(), ex.getCause());
        }
    }

    private List<String> targets(String... to) {
        List<String> targets = new ArrayList<>();
        for (String t : to) {
            needOther(t);
            targets.add(t);
            targets.add(name);
        }
        if (targets.isEmpty()) {
            targets.add(name);
        }
        return targets;
    }

    // ------------------------------------------------------------------ helpers

    private void applyRandom(T component, M m, Random random, int n, String where) {
        for (int i = 0; i < n; i++) {
            int k = random.nextInt(ops.size());
            try {
                ops.get(k).apply(component, m, random);
            } catch (AssertionError ex) {
                throw new AssertionError("operation '" + opNames.get(k) + "' (" + where + ", operation " + (i + 1) + "): " + ex.getMessage(), ex);
            } catch (Exception ex) {
                throw new AssertionError("operation '" + opNames.get(k) + "' threw " + ex + " (" + where + ", operation " + (i + 1) + ")", ex);
            }
        }
    }

    private void needAll() {
        assertNotNull("call model(...) first: how to make a fresh model (e.g. HashMap::new)", model);
        assertTrue("call operation(name, (component, model, random) -> ...) first: at least one operation", !ops.isEmpty());
        assertNotNull("call state(ofComponent, ofModel) first: how to read both states", componentState);
    }

    private void needOther(String otherName) {
        assertTrue("no other implementation named " + otherName + ": register it with other(name, version, factory)",
                factories.containsKey(otherName) && !otherName.equals(name));
    }

    private T fresh(String implName) {
        T t = factories.get(implName).get();
        assertTrue(implName + "'s factory made " + t + ", not a " + type.getName(), type.isInstance(t));
        return t;
    }

    private static List<StateFormat<?>> exports(String implName, Object o) {
        return o instanceof StatefulComponent ? formats(implName, "exportFormats", ((StatefulComponent) o).exportFormats()) : List.of(StateFormat.EMPTY);
    }

    private static List<StateFormat<?>> imports(String implName, Object o) {
        return o instanceof StatefulComponent ? formats(implName, "importFormats", ((StatefulComponent) o).importFormats()) : List.of(StateFormat.EMPTY);
    }

    private static List<StateFormat<?>> formats(String implName, String method, List<StateFormat<?>> l) {
        assertNotNull(implName + "." + method + "() returned null; return an empty list or List.of(StateFormat.EMPTY)", l);
        return l;
    }

    private static void assertStateEquals(String what, Object expected, Object actual) {
        if (!Objects.deepEquals(expected, actual)) {
            fail(what + ": expected " + show(expected) + " but was " + show(actual));
        }
    }

    private static String show(Object o) {
        String s = o instanceof Object[] ? Arrays.deepToString((Object[]) o) : String.valueOf(o);
        return s.length() > 300 ? s.substring(0, 300) + "... (" + s.length() + " characters)" : s;
    }

    /** Stops the engine's worker threads. */
    @Override
    public void close() {
        engine.shutdown();
    }
}
