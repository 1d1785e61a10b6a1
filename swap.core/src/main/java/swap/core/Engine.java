package swap.core;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import swap.api.Entry;
import swap.api.EntryDTO;
import swap.api.ImplementationDTO;
import swap.api.Interposer;
import swap.api.Monitor;
import swap.api.StateFormat;
import swap.api.StatefulComponent;
import swap.api.SwapConstants;
import swap.api.SwapException;
import swap.api.SwapManager;
import swap.api.SwapOutcome;
import swap.api.SwapResult;
import swap.api.TransferContext;

/**
 * The swap manager without OSGi: the object translation table and the swap protocol of
 * {@code DESIGN.md}. {@link OsgiSwapManager} runs it as a DS component; tests and benchmarks
 * run it directly with a {@link StandaloneSource}.
 *
 * <p>A swap runs on the calling thread unless that thread is itself inside a call of the entry
 * (an implementation asking for its own replacement), in which case it runs on a swap worker
 * thread. Swaps of different entries are independent; a swap requested while the entry is
 * mid-swap is rejected (FAILED, nothing changes).
 *
 * <p>Thread-safe.
 */
public class Engine implements SwapManager {

    /** Default quiescence timeout: how long a swap may wait for calls to drain before it rolls back. */
    public static final long DEFAULT_TIMEOUT_MILLIS = 1000;

    private final ImplementationSource source;
    private final ConcurrentHashMap<Long, EntryImpl<?>> table = new ConcurrentHashMap<>();
    private final Map<Object, EntryImpl<?>> byInstance = Collections.synchronizedMap(new IdentityHashMap<>());
    private final AtomicLong ids = new AtomicLong();
    private final Deque<SwapResult> history = new ArrayDeque<>();
    private final ExecutorService workers;
    private final ForkJoinPool importers;
    private volatile EventSink events = EventSink.NONE;
    private volatile long defaultTimeoutMillis = DEFAULT_TIMEOUT_MILLIS;
    private volatile int historySize = 256;

    Engine(ImplementationSource source) {
        this.source = source;
        AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "swap-worker-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.importers = new ForkJoinPool(Math.max(2, Runtime.getRuntime().availableProcessors()));
    }

    /** An engine outside OSGi, whose implementations are registered on {@code source}. */
    public Engine(StandaloneSource source) {
        this((ImplementationSource) source);
    }

    void events(EventSink sink) {
        events = sink == null ? EventSink.NONE : sink;
    }

    /** Sets the default quiescence timeout (milliseconds, &gt; 0) and the history length. */
    public void configure(long timeoutMillis, int historyLength) {
        if (timeoutMillis <= 0 || historyLength < 0) {
            throw new IllegalArgumentException("timeout must be > 0 ms and history length >= 0");
        }
        defaultTimeoutMillis = timeoutMillis;
        historySize = historyLength;
    }

    /** Stops the worker threads; entries stay as they are. */
    public void shutdown() {
        workers.shutdownNow();
        importers.shutdownNow();
    }

    // ---------------------------------------------------------------- entries

    @Override
    public <T> Entry<T> create(Class<T> type, String target) {
        Implementation impl = source.resolve(type, target, null);
        Object instance = instantiate(type, impl);
        return add(type, impl, instance);
    }

    @Override
    public <T, S> Entry<T> create(Class<T> type, String target, StateFormat<S> format, S state) {
        Implementation impl = source.resolve(type, target, null);
        Object instance = instantiate(type, impl);
        if (!Negotiation.imports(instance).contains(format) || !(instance instanceof StatefulComponent)) {
            impl.release(instance);
            throw new SwapException("implementation " + impl.label() + " does not import the format '" + format
                    + "' (it imports " + Negotiation.names(Negotiation.imports(instance)) + ")");
        }
        try {
            ((StatefulComponent) instance).importState(format, format.cast(state), new Context(0));
        } catch (Exception | LinkageError ex) {
            impl.release(instance);
            throw new SwapException("implementation " + impl.label() + " failed to import its initial state: " + ex, ex);
        }
        return add(type, impl, instance);
    }

    @Override
    public <T> Entry<T> register(Class<T> type, T instance, String name) {
        if (!type.isInstance(instance)) {
            throw new SwapException("the object given is not a " + type.getName());
        }
        return add(type, new Registered(name, instance), instance);
    }

    private <T> EntryImpl<T> add(Class<T> type, Implementation impl, Object instance) {
        EntryImpl<T> e;
        try {
            e = new EntryImpl<>(ids.incrementAndGet(), type, this, impl, instance);
        } catch (RuntimeException ex) {
            impl.release(instance);
            throw ex;
        }
        table.put(e.id(), e);
        byInstance.put(instance, e);
        return e;
    }

    private static Object instantiate(Class<?> type, Implementation impl) {
        Object instance;
        try {
            instance = impl.newInstance();
        } catch (Exception | LinkageError ex) {
            throw new SwapException("implementation " + impl.label() + " failed to instantiate: " + ex, ex);
        }
        if (!type.isInstance(instance)) {
            impl.release(instance);
            throw new SwapException("implementation " + impl.label() + " made a " + (instance == null ? "null" : instance.getClass().getName())
                    + ", which is not a " + type.getName() + " of the caller's class space; install a bundle built against the same interface package");
        }
        return instance;
    }

    @Override
    public Optional<Entry<?>> entry(long id) {
        return Optional.ofNullable(table.get(id));
    }

    EntryImpl<?> require(long id) {
        EntryImpl<?> e = table.get(id);
        if (e == null) {
            throw new SwapException("no entry with id " + id + "; swap:list shows the entries");
        }
        return e;
    }

    @Override
    public Optional<Entry<?>> entryOf(Object instance) {
        return Optional.ofNullable(byInstance.get(instance));
    }

    @Override
    public List<EntryDTO> list() {
        List<EntryDTO> l = new ArrayList<>();
        for (EntryImpl<?> e : table.values()) {
            l.add(e.describe());
        }
        l.sort(Comparator.comparingLong(d -> d.id));
        return l;
    }

    @Override
    public List<ImplementationDTO> implementations(String iface) {
        return source.list(iface);
    }

    @Override
    public boolean release(long id) {
        EntryImpl<?> e = table.remove(id);
        if (e == null) {
            return false;
        }
        Object instance = e.instance();
        Implementation impl = e.implementation();
        List<InterposerChain.Named> interposers = e.interposers();
        e.markReleased();
        for (InterposerChain.Named n : interposers) {
            n.release().run();
        }
        byInstance.remove(instance);
        impl.release(instance);
        return true;
    }

    /**
     * Moves every entry whose implementation is named {@code name} and whose instance came from a
     * source that {@code gone} says is no longer available (e.g. its service was unregistered and
     * registered anew after a configuration change) to {@code target}, on a worker thread.
     */
    void adopt(String name, java.util.function.Predicate<Object> gone, String target, String why) {
        for (EntryImpl<?> e : table.values()) {
            Implementation impl = e.implementation();
            if (name.equals(impl.name()) && gone.test(impl.origin()) && !EntryImpl.RELEASED.equals(e.state())) {
                workers.execute(() -> execute(e, () -> source.resolve(e.type(), target, null), null, why, 0));
            }
        }
    }

    /** Entries whose instance came from {@code origin}. */
    List<EntryImpl<?>> entriesFrom(Object origin) {
        List<EntryImpl<?>> l = new ArrayList<>();
        for (EntryImpl<?> e : table.values()) {
            if (origin.equals(e.implementation().origin())) {
                l.add(e);
            }
        }
        return l;
    }

    // ---------------------------------------------------------------- interposers

    @Override
    public void interpose(long id, String name, Interposer interposer) {
        add(require(id), new InterposerChain.Named(name, interposer));
    }

    @Override
    public void interpose(long id, String name) {
        EntryImpl<?> e = require(id);
        InterposerChain.Named n = source.newInterposer(name);
        try {
            add(e, n);
        } catch (RuntimeException ex) {
            n.release().run();
            throw ex;
        }
    }

    private static void add(EntryImpl<?> e, InterposerChain.Named n) {
        synchronized (e) {
            for (InterposerChain.Named old : e.interposers()) {
                if (old.name().equals(n.name())) {
                    throw new SwapException("entry " + e.id() + " already has an interposer named '" + n.name() + "'; remove it first");
                }
            }
            List<InterposerChain.Named> l = new ArrayList<>();
            l.add(n);
            l.addAll(e.interposers());
            e.setInterposers(l);
        }
    }

    @Override
    public List<String> interposerNames() {
        return source.interposerNames();
    }

    @Override
    public Map<String, Map<String, Object>> statistics(long id) {
        Map<String, Map<String, Object>> m = new java.util.LinkedHashMap<>();
        for (InterposerChain.Named n : require(id).interposers()) {
            if (n.interposer() instanceof Monitor) {
                m.put(n.name(), ((Monitor) n.interposer()).statistics());
            }
        }
        return m;
    }

    @Override
    public Optional<Interposer> interposer(long id, String name) {
        for (InterposerChain.Named n : require(id).interposers()) {
            if (n.name().equals(name)) {
                return Optional.of(n.interposer());
            }
        }
        return Optional.empty();
    }

    @Override
    public boolean removeInterposer(long id, String name) {
        EntryImpl<?> e = require(id);
        InterposerChain.Named gone = null;
        synchronized (e) {
            List<InterposerChain.Named> l = new ArrayList<>(e.interposers());
            for (InterposerChain.Named n : l) {
                if (n.name().equals(name)) {
                    gone = n;
                }
            }
            if (gone != null) {
                l.remove(gone);
                e.setInterposers(l);
            }
        }
        if (gone != null) {
            gone.release().run(); // calls still inside it finish; the instance is only handed back
        }
        return gone != null;
    }

    // ---------------------------------------------------------------- swaps

    @Override
    public CompletionStage<SwapResult> swap(long id, String target, String reason) {
        return swap(id, target, reason, 0);
    }

    @Override
    public CompletionStage<SwapResult> swap(long id, String target, String reason, long timeoutMillis) {
        EntryImpl<?> e = require(id);
        return run(e, () -> source.resolve(e.type(), target, null), null, reason, timeoutMillis);
    }

    @Override
    public CompletionStage<SwapResult> rejuvenate(long id, boolean keepState, String reason) {
        EntryImpl<?> e = require(id);
        Implementation impl = e.implementation();
        if (impl instanceof Registered) {
            return CompletableFuture.completedFuture(finish(e, failedResult(e, null, "entry " + id
                    + " holds a registered object, which cannot be re-instantiated; swap it to a registered implementation instead", System.nanoTime()), true));
        }
        return run(e, () -> impl, keepState ? null : StateFormat.EMPTY, reason == null ? "rejuvenation" : reason, 0);
    }

    /** Moves every entry whose instance came from {@code origin} to the best other implementation, waiting for each. */
    void evacuate(Object origin, String why) {
        for (EntryImpl<?> e : entriesFrom(origin)) {
            Implementation current = e.implementation();
            Supplier<Implementation> next = () -> {
                try {
                    return source.resolve(e.type(), current.name(), origin);
                } catch (SwapException sameNameGone) {
                    try {
                        return source.resolve(e.type(), "(" + SwapConstants.IMPL_NAME + "=*)", origin);
                    } catch (SwapException none) {
                        throw new SwapException(why + " and no other implementation of " + e.type().getName()
                                + " is registered: the entry stays on its old instance and moves to the next implementation named "
                                + current.name() + " that is registered");
                    }
                }
            };
            // A swap already running on the entry is waited for (bounded), then the entry is moved.
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutOf(e, 0) * 2);
            SwapResult r;
            while (true) {
                r = execute(e, next, null, why, 0);
                if (!(r.outcome == SwapOutcome.FAILED && e.swapping.get() && System.nanoTime() < deadline)) {
                    break;
                }
                java.util.concurrent.locks.LockSupport.parkNanos(100_000);
            }
        }
    }

    private CompletionStage<SwapResult> run(EntryImpl<?> e, Supplier<Implementation> target, StateFormat<?> forced, String reason, long timeoutMillis) {
        if (!insideEntry(e)) {
            return CompletableFuture.completedFuture(execute(e, target, forced, reason, timeoutMillis));
        }
        CompletableFuture<SwapResult> f = new CompletableFuture<>();
        workers.execute(() -> f.complete(execute(e, target, forced, reason, timeoutMillis)));
        return f;
    }

    private static boolean insideEntry(EntryImpl<?> e) {
        String handle = e.handleClassName();
        return StackWalker.getInstance().walk(s -> s.anyMatch(f -> f.getClassName().equals(handle)));
    }

    private long timeoutOf(EntryImpl<?> e, long requested) {
        if (requested > 0) {
            return requested;
        }
        long perEntry = e.timeoutMillis;
        return perEntry > 0 ? perEntry : defaultTimeoutMillis;
    }

    /** Sets an entry's own quiescence timeout (0: the manager's default). */
    public void timeout(long id, long millis) {
        require(id).timeoutMillis = Math.max(0, millis);
    }

    /** Runs one swap on the calling thread. Never throws. */
    SwapResult execute(EntryImpl<?> e, Supplier<Implementation> target, StateFormat<?> forced, String reason, long timeoutMillis) {
        long start = System.nanoTime();
        if (!e.swapping.compareAndSet(false, true)) {
            return finish(e, failedResult(e, null, "entry " + e.id() + " is mid-swap; retry when the running swap has ended", start), false);
        }
        try {
            return swapLocked(e, target, forced, reason, timeoutOf(e, timeoutMillis), start);
        } finally {
            e.swapping.set(false);
        }
    }

    private SwapResult swapLocked(EntryImpl<?> e, Supplier<Implementation> target, StateFormat<?> forced, String reason, long timeoutMillis, long start) {
        if (EntryImpl.RELEASED.equals(e.state())) {
            return finish(e, failedResult(e, null, "entry " + e.id() + " was released", start), false);
        }
        Implementation from = e.implementation();
        Object old = e.instance();
        SwapResult r = new SwapResult();
        r.entryId = e.id();
        r.from = from.label();
        r.reason = reason;

        // 1. Instantiate.
        Implementation to;
        Object fresh;
        try {
            to = target.get();
            r.to = to.label();
            fresh = instantiate(e.type(), to);
        } catch (SwapException ex) {
            return finish(e, failedResult(e, r, ex.getMessage(), start), true);
        }
        r.instantiateNanos = System.nanoTime() - start;

        // Negotiate before anything changes.
        List<StateFormat<?>> exports = Negotiation.exports(old);
        List<StateFormat<?>> imports = Negotiation.imports(fresh);
        StateFormat<?> format = forced != null
                ? (exports.contains(forced) && imports.contains(forced) ? forced : null)
                : Negotiation.negotiate(exports, imports);
        if (format == null) {
            to.release(fresh);
            String why = forced != null
                    ? "starting empty needs both sides to list the format 'empty': " + from.label() + " exports " + Negotiation.names(exports) + ", " + to.label() + " imports " + Negotiation.names(imports)
                    : "no state format in common: " + from.label() + " exports " + Negotiation.names(exports) + ", " + to.label() + " imports " + Negotiation.names(imports)
                            + "; choose an implementation that imports one of the exported formats";
            return finish(e, failedResult(e, r, why, start), true);
        }
        r.format = format.name();
        post(SwapConstants.TOPIC_STARTED, e, r, reason);

        // 2. Interpose the mediator.
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        Mediator m = new Mediator(e, old);
        e.mediator = m;
        e.publish(e.proxy(m));
        e.state(EntryImpl.SWAPPING);
        String problem = null;
        try {
            // 3. Forward: wait for the calls that began before the mediator was interposed.
            long t = System.nanoTime();
            String running = Quiescence.awaitUntracked(e, old, deadline);
            r.forwardNanos = System.nanoTime() - t;
            if (running != null) {
                problem = "timed out after " + timeoutMillis + " ms in the forward phase: " + running;
            } else {
                // 4. Blocked: hold new calls, let tracked ones drain.
                t = System.nanoTime();
                m.block();
                boolean drained = m.awaitDrained(deadline);
                r.blockedNanos = System.nanoTime() - t;
                if (!drained) {
                    problem = "timed out after " + timeoutMillis + " ms in the blocked phase: calls still run on thread(s) " + m.insideThreads();
                } else {
                    // 5. Transfer.
                    t = System.nanoTime();
                    problem = transfer(e, old, fresh, format);
                    r.transferNanos = System.nanoTime() - t;
                }
            }
        } catch (RuntimeException | Error ex) {
            problem = "swap failed: " + ex;
        }
        if (problem != null) {
            // Roll back: the old instance is intact; waiting calls resume on it.
            e.publish(old);
            m.end();
            e.mediator = null;
            e.retire(m);
            e.state(EntryImpl.ACTIVE);
            to.release(fresh);
            r.waitedCalls = m.waited();
        r.longestWaitNanos = m.longestWait();
            r.outcome = SwapOutcome.ROLLED_BACK;
            r.reason = problem;
            e.rollbacks.incrementAndGet();
            return finish(e, stamp(r, start), true);
        }
        // 6. Complete.
        e.install(to, fresh);
        m.end();
        e.mediator = null;
        e.retire(m);
        e.state(EntryImpl.ACTIVE);
        byInstance.remove(old);
        byInstance.put(fresh, e);
        from.release(old);
        r.waitedCalls = m.waited();
        r.longestWaitNanos = m.longestWait();
        r.outcome = SwapOutcome.COMPLETED;
        e.swaps.incrementAndGet();
        return finish(e, stamp(r, start), true);
    }

    private String transfer(EntryImpl<?> e, Object old, Object fresh, StateFormat<?> format) {
        Object state = null;
        if (old instanceof StatefulComponent) {
            try {
                state = ((StatefulComponent) old).exportState(format);
                format.cast(state);
            } catch (Exception | LinkageError ex) {
                return "export in format '" + format + "' failed, the old instance stays: " + ex;
            }
        }
        if (fresh instanceof StatefulComponent) {
            try {
                ((StatefulComponent) fresh).importState(format, state, new Context(e.id()));
            } catch (Exception | LinkageError ex) {
                return "import in format '" + format + "' failed, the old instance stays: " + ex;
            }
        }
        return null;
    }

    private final class Context implements TransferContext {
        private final long id;

        Context(long id) {
            this.id = id;
        }

        @Override
        public java.util.concurrent.Executor executor() {
            return importers;
        }

        @Override
        public int parallelism() {
            return importers.getParallelism();
        }

        @Override
        public long entryId() {
            return id;
        }
    }

    private static SwapResult stamp(SwapResult r, long start) {
        r.totalNanos = System.nanoTime() - start;
        r.endedAtMillis = System.currentTimeMillis();
        return r;
    }

    private SwapResult failedResult(EntryImpl<?> e, SwapResult r, String why, long start) {
        if (r == null) {
            r = new SwapResult();
            r.entryId = e.id();
            r.from = e.implementationLabel();
        }
        r.outcome = SwapOutcome.FAILED;
        r.reason = why;
        return stamp(r, start);
    }

    private SwapResult finish(EntryImpl<?> e, SwapResult r, boolean record) {
        if (r.outcome == SwapOutcome.FAILED) {
            e.failures.incrementAndGet();
        }
        if (record) {
            e.last = r;
        }
        synchronized (history) {
            history.addFirst(r);
            while (history.size() > historySize) {
                history.removeLast();
            }
        }
        post(r.outcome == SwapOutcome.COMPLETED ? SwapConstants.TOPIC_COMPLETED
                : r.outcome == SwapOutcome.ROLLED_BACK ? SwapConstants.TOPIC_ROLLED_BACK : SwapConstants.TOPIC_FAILED, e, r, r.reason);
        return r;
    }

    private void post(String topic, EntryImpl<?> e, SwapResult r, String reason) {
        Map<String, Object> p = new HashMap<>();
        p.put(SwapConstants.EVENT_ENTRY_ID, e.id());
        p.put(SwapConstants.EVENT_INTERFACE, e.type().getName());
        if (r.from != null) {
            p.put(SwapConstants.EVENT_FROM, r.from);
        }
        if (r.to != null) {
            p.put(SwapConstants.EVENT_TO, r.to);
        }
        if (r.format != null) {
            p.put(SwapConstants.EVENT_FORMAT, r.format);
        }
        if (reason != null) {
            p.put(SwapConstants.EVENT_REASON, reason);
        }
        try {
            events.post(topic, p);
        } catch (RuntimeException ignored) {
            // events are best effort; a broken sink must not break a swap
        }
    }

    @Override
    public List<SwapResult> history(int max) {
        synchronized (history) {
            List<SwapResult> l = new ArrayList<>(Math.min(max, history.size()));
            for (SwapResult r : history) {
                if (l.size() >= max) {
                    break;
                }
                l.add(r);
            }
            return l;
        }
    }

    /** An object registered by {@link #register}: never instantiated or released by the platform. */
    private static final class Registered extends Implementation.Named {
        private final Object instance;

        Registered(String name, Object instance) {
            super(name, "0.0.0", null);
            this.instance = instance;
        }

        @Override
        public Object origin() {
            return this;
        }

        @Override
        public Object newInstance() {
            return instance;
        }

        @Override
        public void release(Object o) {
        }
    }
}
