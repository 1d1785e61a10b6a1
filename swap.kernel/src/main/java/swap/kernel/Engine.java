package swap.kernel;


import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import swap.api.Batch;
import swap.api.BatchResult;
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
 * The swap manager without OSGi. {@code OsgiSwapManager} runs it as a DS component; tests,
 * benchmarks and plugin authors run it directly with a {@link StandaloneSource}:
 *
 * <pre>{@code
 * StandaloneSource source = new StandaloneSource();
 * source.add(Counter.class, "counter.simple", "1.0.0", SimpleCounter::new);
 * source.add(Counter.class, "counter.striped", "1.0.0", StripedCounter::new);
 * Engine engine = new Engine(source);
 * Counter c = engine.create(Counter.class, "counter.simple").handle();
 * engine.swap(Batch.select("counter.simple").to("counter.striped")).toCompletableFuture().join();
 * }</pre>
 *
 * <p>The engine is a front: the table of entries is {@link Table}, the swap protocol (single swaps and
 * batches alike) {@link SwapProtocol} with its per-entry steps in {@link SwapJob} and the quiescence
 * check in {@link Quiescence}, the history and events {@link History}. Features plug in through
 * interfaces the engine owns: safe swaps (a watch after the swap, a canary before it:
 * {@link swap.api.SwapOptions}) through {@link Guard}, the journal through {@link JournalSink},
 * events through {@link EventSink}; the engine constructs none of them.
 *
 * <p>A swap runs on the calling thread unless that thread is itself inside a call of an entry it
 * swaps (an implementation asking for its own replacement), in which case it runs on a swap worker
 * thread. Swaps of different entries are independent; a swap requested while the entry is
 * mid-swap is refused (REFUSED, nothing changes).
 *
 * <p>Thread-safe.
 */
public class Engine implements SwapManager {

    /** Default quiescence timeout: how long a swap may wait for calls to drain before it rolls back. */
    public static final long DEFAULT_TIMEOUT_MILLIS = 1000;

    /**
     * Default limit of a state transfer ({@link swap.api.SwapOptions#transferTimeout(long)}): one
     * minute, from the start of a copy made while the old instance serves to the last import.
     */
    public static final long DEFAULT_TRANSFER_TIMEOUT_MILLIS = 60_000;

    private final ImplementationSource source;
    private final Table table = new Table();
    private final History history = new History();
    private final SwapProtocol protocol;
    private final AtomicLong batches = new AtomicLong();
    private final ExecutorService workers;
    private final ForkJoinPool importers;
    private volatile Guard guard = Guard.NONE;
    private volatile long defaultTimeoutMillis = DEFAULT_TIMEOUT_MILLIS;

    public Engine(ImplementationSource source) {
        this.source = source;
        AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "swap-worker-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.importers = new ForkJoinPool(Math.max(2, Runtime.getRuntime().availableProcessors()));
        this.protocol = new SwapProtocol(table, history, importers, source);
    }


    /** For {@code Upgrades}: the table, the history, a transfer context and the default timeout. */
    public Table table() {
        return table;
    }

    public History history() {
        return history;
    }

    swap.api.TransferContext transferContext(long id) {
        return protocol.new Context(id);
    }

    public long defaultTimeoutMillis() {
        return defaultTimeoutMillis;
    }

    public ImplementationSource source() {
        return source;
    }

    public void events(EventSink sink) {
        history.events(sink);
    }

    public void journal(JournalSink sink) {
        history.journal(sink);
    }

    /** The pins every swap of this engine asks ({@link swap.api.EntryPin}s add and remove themselves here). */
    public Pins pins() {
        return protocol.pins;
    }

    /** Sets the default quiescence timeout (milliseconds, &gt; 0) and the history length. */
    public void configure(long timeoutMillis, int historyLength) {
        if (timeoutMillis <= 0 || historyLength < 0) {
            throw new IllegalArgumentException("timeout must be > 0 ms and history length >= 0");
        }
        defaultTimeoutMillis = timeoutMillis;
        history.size(historyLength);
    }

    /** Sets the default limit of a state transfer (milliseconds, &gt; 0; see {@link swap.api.SwapOptions#transferTimeout(long)}). */
    public void transferTimeout(long millis) {
        if (millis <= 0) {
            throw new IllegalArgumentException("transfer timeout must be > 0 ms");
        }
        protocol.defaultTransferMillis = millis;
    }

    /** @return the default limit of a state transfer, in ms */
    public long transferTimeoutMillis() {
        return protocol.defaultTransferMillis;
    }

    /** Plugs in safe swaps (what runs a swap or batch that asks for a watch or canary); {@code null}: none. */
    public void guard(Guard g) {
        guard = g == null ? Guard.NONE : g;
    }

    /** The engine's worker threads, for features that run their work off the caller's thread. */
    public ExecutorService workers() {
        return workers;
    }

    /** Stops the worker threads; entries stay as they are (a watch or canary in progress ends without a verdict). */
    public void shutdown() {
        guard.shutdown();
        workers.shutdownNow();
        importers.shutdownNow();
    }

    // ---------------------------------------------------------------- entries

    /** The trust gate for a new entry's first implementation (every later one passes it in the protocol). */
    private Implementation trusted(Class<?> type, Implementation impl) {
        String refused = source.refusal(impl, type);
        if (refused != null) {
            throw new SwapException("implementation " + impl.label() + " is refused by the trust policy: " + refused);
        }
        return impl;
    }

    @Override
    public <T> Entry<T> create(Class<T> type, String target) {
        Implementation impl = trusted(type, source.resolve(type, target, null));
        Object instance = instantiate(type, impl);
        return add(type, impl, instance);
    }

    @Override
    public <T, S> Entry<T> create(Class<T> type, String target, StateFormat<S> format, S state) {
        Implementation impl = trusted(type, source.resolve(type, target, null));
        Object instance = instantiate(type, impl);
        if (!Negotiation.imports(instance).contains(format) || !(instance instanceof StatefulComponent)) {
            impl.release(instance);
            throw new SwapException("implementation " + impl.label() + " does not import the format '" + format
                    + "' (it imports " + Negotiation.names(Negotiation.imports(instance)) + ")");
        }
        try {
            ((StatefulComponent) instance).importState(format, format.cast(state), protocol.new Context(0));
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
            e = new EntryImpl<>(table.nextId(), type, this, impl, instance);
        } catch (RuntimeException ex) {
            impl.release(instance);
            throw ex;
        }
        table.add(e, instance);
        history.created(e);
        return e;
    }

    public static Object instantiate(Class<?> type, Implementation impl) {
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
        return table.require(id);
    }

    @Override
    public Optional<Entry<?>> entryOf(Object instance) {
        return Optional.ofNullable(table.of(instance));
    }

    @Override
    public List<EntryDTO> list() {
        return table.describe();
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
        table.forget(instance);
        impl.release(instance); // a park's release lets its waiting calls fail: the entry was released, and its state with it
        history.released(e, impl);
        return true;
    }

    /**
     * Moves every entry whose implementation is named {@code name} and whose instance came from a
     * source that {@code gone} says is no longer available (a parked entry's source is its {@link Parked}) (e.g. its service was unregistered and
     * registered anew after a configuration change) to {@code target}, on a worker thread.
     */
    public void adopt(String name, java.util.function.Predicate<Object> gone, String target, String why) {
        for (EntryImpl<?> e : table.entries()) {
            Implementation impl = e.implementation();
            if (name.equals(impl.name()) && gone.test(impl.origin()) && !EntryImpl.RELEASED.equals(e.state())) {
                workers.execute(Initiator.carry(() -> execute(e, () -> source.resolve(e.type(), target, null), null, why, 0)));
            }
        }
    }

    /** Entries whose instance came from {@code origin}. */
    public List<EntryImpl<?>> entriesFrom(Object origin) {
        return table.from(origin);
    }

    // ---------------------------------------------------------------- interposers

    @Override
    public void interpose(long id, String name, Interposer interposer) {
        add(require(id), new InterposerChain.Named(name, interposer));
        history.interposer(id, name, true);
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
        history.interposer(id, name, true);
    }

    public static void add(EntryImpl<?> e, InterposerChain.Named n) {
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
        boolean gone = remove(require(id), name);
        if (gone) {
            history.interposer(id, name, false);
        }
        return gone;
    }

    /** Takes the interposer {@code name} off {@code e} and releases it. @return whether it was there */
    public static boolean remove(EntryImpl<?> e, String name) {
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
    public CompletionStage<SwapResult> swap(long id, String target, String reason, swap.api.SwapOptions options) {
        if (options == null || !(options.isWatch() || options.isCanary())) {
            EntryImpl<?> e = require(id);
            return run(e, () -> source.resolve(e.type(), target, null), null, reason, options == null ? 0 : options.timeoutMillis(),
                    options == null ? 0 : options.transferTimeoutMillis());
        }
        return guard.swap(require(id), target, reason, options);
    }

    @Override
    public CompletionStage<SwapResult> rejuvenate(long id, boolean keepState, String reason) {
        EntryImpl<?> e = require(id);
        Implementation impl = e.implementation();
        if (impl instanceof Registered) {
            SwapResult r = new SwapResult();
            r.entryId = id;
            r.from = impl.label();
            r.outcome = SwapOutcome.REFUSED;
            r.reason = "entry " + id + " holds a registered object, which cannot be re-instantiated; swap it to a registered implementation instead";
            r.endedAtMillis = System.currentTimeMillis();
            return CompletableFuture.completedFuture(r);
        }
        return run(e, () -> impl, keepState ? null : StateFormat.EMPTY, reason == null ? "rejuvenation" : reason, 0);
    }

    @Override
    public CompletionStage<BatchResult> swap(Batch batch) {
        if (batch.options() != null && (batch.options().isWatch() || batch.options().isCanary())) {
            return guard.batch(batch);
        }
        long batchId = batches.incrementAndGet();
        long start = System.nanoTime();
        List<EntryImpl<?>> entries;
        try {
            if (batch.target() == null || batch.target().isBlank()) {
                throw new SwapException("a batch needs a target: Batch...to(\"name\") or to(\"(filter)\")");
            }
            entries = select(batch);
            if (entries.isEmpty()) {
                throw new SwapException("the batch selects no entry: " + (batch.ids() != null ? "no ids given" : "no entry runs an implementation matching " + batch.selector())
                        + "; swap:list shows the entries");
            }
        } catch (SwapException ex) {
            BatchResult r = new BatchResult();
            r.batchId = batchId;
            r.atomic = batch.isAtomic();
            r.outcome = SwapOutcome.REFUSED;
            r.reason = ex.getMessage();
            r.results = List.of();
            r.totalNanos = System.nanoTime() - start;
            history.batch(batchId, batch.isAtomic(), new long[0], batch.target(), batch.reason(), r); // journaled only
            return CompletableFuture.completedFuture(r);
        }
        long[] ids = entries.stream().mapToLong(EntryImpl::id).toArray();
        List<SwapJob> jobs = new ArrayList<>(entries.size());
        for (EntryImpl<?> e : entries) {
            jobs.add(new SwapJob(e, batch.reason(), start));
        }
        // The target is resolved once per interface for the whole batch (a resolution that fails refuses every entry of that interface).
        Map<Class<?>, Supplier<Implementation>> resolved = new java.util.HashMap<>();
        SwapProtocol.Request q = new SwapProtocol.Request(jobs, j -> resolved.computeIfAbsent(j.entry.type(), type -> {
            Implementation impl;
            try {
                impl = source.resolve(type, batch.target(), null);
            } catch (SwapException ex) {
                return () -> {
                    throw ex;
                };
            }
            return () -> impl;
        }), null, batch.isAtomic(), timeoutOf(null, batch.timeoutMillis()), batchId,
                batch.options() == null ? 0 : batch.options().transferTimeoutMillis());
        Supplier<BatchResult> work = () -> {
            history.batch(batchId, batch.isAtomic(), ids, batch.target(), batch.reason(), null);
            BatchResult r = protocol.run(q);
            r.totalNanos = System.nanoTime() - start;
            history.batch(batchId, batch.isAtomic(), ids, batch.target(), batch.reason(), r);
            return r;
        };
        if (!insideAny(entries)) {
            return CompletableFuture.completedFuture(work.get());
        }
        return CompletableFuture.supplyAsync(Initiator.carrySupplier(work), workers);
    }

    /** The entries a batch names: by id (unknown ids refuse the batch) or by a selector over their current implementation. */
    public List<EntryImpl<?>> select(Batch batch) {
        List<EntryImpl<?>> l = new ArrayList<>();
        if (batch.ids() != null) {
            for (long id : batch.ids()) {
                l.add(require(id));
            }
            return l;
        }
        java.util.function.Predicate<Map<String, Object>> match = source.selector(batch.selector());
        for (EntryImpl<?> e : table.entries()) {
            if (!EntryImpl.RELEASED.equals(e.state()) && match.test(e.properties())) {
                l.add(e);
            }
        }
        l.sort(Comparator.comparingLong(EntryImpl::id));
        return l;
    }

    /** Moves every entry whose instance came from {@code origin} to the best other implementation, waiting for each. */
    public void evacuate(Object origin, String why) {
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
                if (!(r.outcome == SwapOutcome.REFUSED && e.swapping.get() && System.nanoTime() < deadline)) {
                    break;
                }
                java.util.concurrent.locks.LockSupport.parkNanos(100_000);
            }
        }
    }

    private CompletionStage<SwapResult> run(EntryImpl<?> e, Supplier<Implementation> target, StateFormat<?> forced, String reason, long timeoutMillis) {
        return run(e, target, forced, reason, timeoutMillis, 0);
    }

    private CompletionStage<SwapResult> run(EntryImpl<?> e, Supplier<Implementation> target, StateFormat<?> forced, String reason, long timeoutMillis,
            long transferMillis) {
        if (!insideAny(List.of(e))) {
            return CompletableFuture.completedFuture(execute(e, target, forced, reason, timeoutMillis, transferMillis));
        }
        CompletableFuture<SwapResult> f = new CompletableFuture<>();
        workers.execute(Initiator.carry(() -> f.complete(execute(e, target, forced, reason, timeoutMillis, transferMillis))));
        return f;
    }

    /** @return whether the calling thread is inside a call of one of these entries (then it must not wait for their quiescence) */
    private static boolean insideAny(List<EntryImpl<?>> entries) {
        List<Class<?>> handles = new ArrayList<>();
        for (EntryImpl<?> e : entries) {
            if (!handles.contains(e.handleClass())) {
                handles.add(e.handleClass());
            }
        }
        return Counting.inside(handles);
    }

    /** A transfer context for a state import outside a swap (a canary's copy). */
    TransferContext context(long id) {
        return protocol.new Context(id);
    }

    public long timeoutOf(EntryImpl<?> e, long requested) {
        if (requested > 0) {
            return requested;
        }
        long perEntry = e == null ? 0 : e.timeoutMillis;
        return perEntry > 0 ? perEntry : defaultTimeoutMillis;
    }

    /** Sets an entry's own quiescence timeout (0: the manager's default). */
    public void timeout(long id, long millis) {
        require(id).timeoutMillis = Math.max(0, millis);
    }

    /** Runs one swap on the calling thread. Never throws. */
    public SwapResult execute(EntryImpl<?> e, Supplier<Implementation> target, StateFormat<?> forced, String reason, long timeoutMillis) {
        return execute(e, target, forced, reason, timeoutMillis, 0);
    }

    /** Runs one swap on the calling thread, with a transfer limit ({@code transferMillis}, 0: the default). Never throws. */
    public SwapResult execute(EntryImpl<?> e, Supplier<Implementation> target, StateFormat<?> forced, String reason, long timeoutMillis,
            long transferMillis) {
        SwapJob job = new SwapJob(e, reason, System.nanoTime());
        protocol.run(new SwapProtocol.Request(List.of(job), j -> target, forced, false, timeoutOf(e, timeoutMillis), 0, transferMillis));
        return job.result;
    }

    // ---------------------------------------------------------------- park, resume, copy, dry run

    /**
     * Parks entry {@code e}: one swap with the ordinary protocol (mediator, quiescence, trust gate,
     * journal) moves it from its instance to a {@link Parked} that keeps its state in every format of
     * {@code formats} the instance exports ({@code notKept}: the formats left out, as {@code name: why},
     * for the result); from then on its calls wait (at most {@code callWaitMillis},
     * then they throw what {@code failure} makes) until the entry is resumed or released. A swap
     * already running on the entry is waited for (bounded). Never throws.
     *
     * @return the park's result: {@code COMPLETED} when the entry is parked
     */
    public SwapResult park(long id, List<StateFormat<?>> formats, List<String> notKept, long callWaitMillis,
            java.util.function.Function<String, RuntimeException> failure, String reason) {
        EntryImpl<?> e = require(id);
        Parked p = new Parked(e.type(), e.implementation(), formats, notKept, reason, callWaitMillis, failure).attach(e);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutOf(e, 0) * 2);
        while (true) {
            SwapResult r = execute(e, () -> p, null, reason, 0);
            if (!(r.outcome == SwapOutcome.REFUSED && e.swapping.get() && System.nanoTime() < deadline)) {
                return r;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(100_000);
        }
    }

    /**
     * An entry made parked, with an empty state, for a caller that came while the implementation
     * is away (a consumer of a swappable service whose provider is gone): its calls wait like those
     * of a parked entry, and {@link #resume} gives it its first instance.
     */
    public <T> Entry<T> parkedEntry(Class<T> type, Implementation like, String reason, long callWaitMillis,
            java.util.function.Function<String, RuntimeException> failure) {
        Parked p = new Parked(type, like, List.of(StateFormat.EMPTY), List.of(), reason, callWaitMillis, failure);
        p.keepEmpty();
        EntryImpl<T> e = add(type, p, p.newInstance());
        p.attach(e);
        return e;
    }

    /**
     * Resumes a parked entry on the first of {@code candidates} that can take its state: each is
     * tried with the ordinary protocol (trust gate, instantiation, negotiation of what it imports
     * against every format the park kept, import, journal), in the order given (best first). If none
     * can, the entry stays parked with its state and the result says why each could not.
     *
     * @return the last attempt's result: {@code COMPLETED} when the entry runs on a candidate; else {@code ROLLED_BACK}
     *         (recorded in the history) with every candidate's reason when candidates were tried and the entry stays
     *         parked, {@code REFUSED} when the entry is not parked or there was no candidate
     */
    public SwapResult resume(long id, List<Implementation> candidates, String reason) {
        EntryImpl<?> e = require(id);
        Parked p = Parked.of(e.instance());
        List<String> problems = new ArrayList<>();
        if (p == null) {
            return refused(e, "entry " + e.id() + " is not parked");
        }
        for (Implementation c : candidates) {
            SwapResult r = execute(e, () -> c, null, reason, 0);
            if (r.outcome == SwapOutcome.COMPLETED) {
                return r;
            }
            problems.add(c.label() + ": " + r.reason);
            if (Parked.of(e.instance()) != p) {
                break; // something else moved it meanwhile
            }
        }
        String why = candidates.isEmpty() ? "no implementation of " + e.type().getName() + " is available" : String.join("; ", problems);
        p.problem(why);
        SwapResult r = refused(e, (reason == null ? "" : reason + ": ") + "entry " + e.id() + " stays parked with its state (it resumes on an implementation of its name that can take the state;"
                + " swap:swap moves it, swap:release drops it): " + why);
        if (!candidates.isEmpty() && Parked.of(e.instance()) == p) {
            r.outcome = SwapOutcome.ROLLED_BACK; // tried and given up: shown in the history (and the health check), not only journaled
            history.record(e, r, 0);
        }
        return r;
    }

    private static SwapResult refused(EntryImpl<?> e, String why) {
        SwapResult r = new SwapResult();
        r.entryId = e.id();
        r.from = e.implementationLabel();
        r.outcome = SwapOutcome.REFUSED;
        r.reason = why;
        r.endedAtMillis = System.currentTimeMillis();
        return r;
    }

    /** Sets how long the calls of parked entry {@code id} wait from now on (0: they fail at once). */
    public void parkedCallWait(long id, long millis) {
        Parked p = Parked.of(require(id).instance());
        if (p != null) {
            p.maxWait(millis);
        }
    }

    /** @return whether entry {@code id} is parked */
    public boolean isParked(long id) {
        return Parked.of(require(id).instance()) != null;
    }

    /** @return the entries that are parked */
    public List<Long> parked() {
        List<Long> l = new ArrayList<>();
        for (EntryImpl<?> e : table.entries()) {
            if (Parked.of(e.instance()) != null) {
                l.add(e.id());
            }
        }
        return l;
    }

    /**
     * For a canary: copies the prepared job's state into its replacement, while the entry serves if
     * both instances can pre-copy (then only the last delta while calls are held); see
     * {@link SwapProtocol#copy}.
     *
     * @param transferTimeoutMillis the transfer's limit ({@code SwapOptions.transferTimeout}; &lt;= 0: the engine's default)
     */
    public String copyState(SwapJob job, long timeoutMillis, long transferTimeoutMillis, Runnable quiescent) {
        return protocol.copy(job, timeoutMillis, transferTimeoutMillis, quiescent);
    }

    /**
     * A dry run of moving entries {@code ids} to {@code target}: each is prepared (trust gate,
     * instantiation, negotiation) and given up; nothing changes and nothing is recorded.
     */
    public BatchResult dryRun(List<Long> ids, String target, String reason) {
        List<SwapJob> jobs = new ArrayList<>();
        for (long id : ids) {
            jobs.add(new SwapJob(require(id), reason, System.nanoTime()));
        }
        return protocol.dryRun(new SwapProtocol.Request(jobs, j -> () -> source.resolve(j.entry.type(), target, null), null, false, 0, 0));
    }

    // ---------------------------------------------------------------- swappable services (ServiceFronts)

    /** An entry for {@code instance}, which the caller obtained from {@code impl} (a front service's entry). */
    public <T> EntryImpl<T> entry(Class<T> type, Implementation impl, Object instance) {
        return add(type, impl, instance);
    }

    @Override
    public List<SwapResult> history(int max) {
        return history.last(max);
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
