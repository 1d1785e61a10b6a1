package swap.kernel;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import swap.api.Entry;
import swap.api.EntryDTO;
import swap.api.SwapResult;

/**
 * One entry of the object translation table.
 *
 * <p>Two handles of the generated class: {@link #outer} is the one clients hold; {@link #inner}
 * is where an interposer chain ends. Without interposers the outer handle points straight at the
 * same target as the inner one, so an ordinary call is one volatile read and one interface call.
 *
 * <p>Concurrency: the structure (targets, interposers, implementation, retired mediators) changes
 * only under this object's monitor; calls never take it. {@link #swapping} admits one swap at a time.
 */
public final class EntryImpl<T> implements Entry<T> {

    static final String ACTIVE = "ACTIVE";
    static final String SWAPPING = "SWAPPING";
    public static final String RELEASED = "RELEASED";
    /** Shown (never stored) while the entry runs on a {@link Parked}: its state kept, its calls waiting, no implementation. */
    static final String PARKED = "PARKED";
    /** Shown (never stored) while the entry's implementation is gone: {@link Implementation#goneBecause()}. */
    static final String ORPHANED = "ORPHANED";

    private final long id;
    private final Class<T> type;
    private final Engine engine;
    private final AbstractHandle outer;
    private final AbstractHandle inner;
    private final String handleClassName;
    private final String proxyClassName;
    private final Object released;
    /** The constructor of this interface's proxy class (mediators), or {@code null} if not accessible. */
    private final java.lang.reflect.Constructor<?> proxyConstructor;

    final AtomicBoolean swapping = new AtomicBoolean();
    final AtomicLong swaps = new AtomicLong();
    public final AtomicLong rollbacks = new AtomicLong();
    final AtomicLong failures = new AtomicLong();
    volatile long timeoutMillis;
    volatile SwapResult last;
    /** A feature's line about this entry (e.g. the watch or canary in progress), for {@link EntryDTO#safety}, or {@code null}. */
    private volatile java.util.function.Supplier<String> status;
    /** The state transfer in progress, as one line for {@link EntryDTO#transfer}, or {@code null}; set by the swapping thread. */
    volatile String transfer;
    /** The mediator of the swap in progress, or {@code null}: for diagnostics and tests. */
    volatile Mediator mediator;
    private volatile String state = ACTIVE;
    /** Counters of virtual-thread calls; created by the first such call. */
    private volatile VirtualCalls virtualCalls;
    private static final java.util.concurrent.atomic.AtomicReferenceFieldUpdater<EntryImpl, VirtualCalls> VIRTUAL_CALLS =
            java.util.concurrent.atomic.AtomicReferenceFieldUpdater.newUpdater(EntryImpl.class, VirtualCalls.class, "virtualCalls");

    // guarded by this
    private Implementation implementation;
    private Object instance;
    private List<InterposerChain.Named> interposers = List.of();
    private final List<Mediator> retired = new ArrayList<>();

    EntryImpl(long id, Class<T> type, Engine engine, Implementation implementation, Object instance) {
        this.id = id;
        this.type = type;
        this.engine = engine;
        this.outer = HandleFactory.newHandle(type);
        this.inner = HandleFactory.newHandle(type);
        outer.entry = this;
        inner.entry = this;
        this.handleClassName = outer.getClass().getName();
        InvocationHandler gone = (proxy, method, args) -> {
            throw new IllegalStateException("entry " + id + " (" + type.getName()
                    + ") was released; get a new entry from the swap manager");
        };
        this.released = proxy(gone);
        this.proxyClassName = released.getClass().getName();
        this.proxyConstructor = constructor(released.getClass());
        this.implementation = implementation;
        this.instance = instance;
        publish(instance);
    }

    Object proxy(InvocationHandler handler) {
        if (proxyConstructor == null) {
            return Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler);
        }
        try {
            return proxyConstructor.newInstance(handler); // what newProxyInstance does, without looking the class up again
        } catch (ReflectiveOperationException e) {
            return Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler);
        }
    }

    private static java.lang.reflect.Constructor<?> constructor(Class<?> proxyClass) {
        try {
            java.lang.reflect.Constructor<?> c = proxyClass.getConstructor(InvocationHandler.class);
            return c.trySetAccessible() || java.lang.reflect.Modifier.isPublic(proxyClass.getModifiers()) ? c : null;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    @Override
    public long id() {
        return id;
    }

    @Override
    public Class<T> type() {
        return type;
    }

    @Override
    public T handle() {
        return type.cast(outer);
    }

    AbstractHandle inner() {
        return inner;
    }

    /** @return the counters of virtual-thread calls, created on first use (by a virtual-thread call) */
    VirtualCalls virtualCalls() {
        VirtualCalls v = virtualCalls;
        if (v == null) {
            VIRTUAL_CALLS.compareAndSet(this, null, new VirtualCalls());
            v = virtualCalls;
        }
        return v;
    }

    /** @return the counters if a virtual thread ever called, else {@code null}: read by a swap after it published its mediator */
    VirtualCalls virtualCallsIfAny() {
        return virtualCalls;
    }

    /** @return the generated class of this entry's handles (shared by every entry of the interface) */
    Class<?> handleClass() {
        return outer.getClass();
    }

    String handleClassName() {
        return handleClassName;
    }

    String proxyClassName() {
        return proxyClassName;
    }

    public String state() {
        return state;
    }

    void state(String s) {
        state = s;
    }

    public synchronized Implementation implementation() {
        return implementation;
    }

    public synchronized Object instance() {
        return instance;
    }

    public String implementationLabel() {
        Implementation i = implementation();
        return i == null ? "none" : i.label();
    }

    /** Points the entry at {@code target} (an instance or a mediator proxy). */
    synchronized void publish(Object target) {
        inner.target = target;
        if (interposers.isEmpty()) {
            outer.target = target;
        }
    }

    /** The swap completed: {@code newInstance} of {@code impl} is the entry's instance from now on. */
    synchronized void install(Implementation impl, Object newInstance) {
        implementation = impl;
        instance = newInstance;
        publish(newInstance);
    }

    synchronized void retire(Mediator m) {
        if (m.inFlight() > 0) {
            retired.add(m);
        }
    }

    synchronized int retiredInFlight() {
        int n = 0;
        for (var it = retired.iterator(); it.hasNext();) {
            int f = it.next().inFlight();
            if (f == 0) {
                it.remove();
            }
            n += f;
        }
        return n;
    }

    synchronized void setInterposers(List<InterposerChain.Named> list) {
        if (state == RELEASED) {
            return;
        }
        interposers = List.copyOf(list);
        outer.target = interposers.isEmpty() ? inner.target : ChainFactory.newChain(type, id, interposers, inner);
    }

    synchronized List<InterposerChain.Named> interposers() {
        return interposers;
    }

    /** Makes every later call fail with a clear message. */
    synchronized void markReleased() {
        state = RELEASED;
        interposers = List.of();
        inner.target = released;
        outer.target = released;
    }

    /** @return the current implementation's properties plus {@code objectClass} (the entry's interface), for batch selectors */
    java.util.Map<String, Object> properties() {
        java.util.Map<String, Object> p = new java.util.HashMap<>(implementation().properties());
        p.putIfAbsent("objectClass", new String[] {type.getName()});
        return p;
    }

    @Override
    public EntryDTO describe() {
        EntryDTO d = new EntryDTO();
        Implementation impl;
        Object inst;
        List<InterposerChain.Named> ips;
        synchronized (this) {
            impl = implementation;
            inst = instance;
            ips = interposers;
        }
        d.id = id;
        d.iface = type.getName();
        d.implementation = impl.name();
        d.version = impl.version();
        d.bundle = impl.bundle();
        d.state = state;
        Parked parked = Parked.of(inst);
        if (parked != null && ACTIVE.equals(d.state)) {
            d.state = PARKED;
            d.stateReason = parked.describe();
        }
        String gone = ACTIVE.equals(d.state) ? impl.goneBecause() : null;
        if (gone != null) {
            d.state = ORPHANED;
            d.stateReason = gone;
        }
        d.bundleId = impl.bundleId();
        d.revision = impl.revision(inst);
        d.swaps = swaps.get();
        d.rollbacks = rollbacks.get();
        d.failures = failures.get();
        List<String> names = new ArrayList<>();
        for (InterposerChain.Named n : ips) {
            names.add(n.name());
        }
        d.interposers = names;
        d.exportFormats = Negotiation.names(Negotiation.exports(inst));
        d.importFormats = Negotiation.names(Negotiation.imports(inst));
        d.lastSwap = last;
        java.util.function.Supplier<String> s = status;
        d.safety = s == null ? null : s.get();
        d.transfer = transfer;
        return d;
    }

    /** Sets the one status line a feature shows with this entry ({@code null}: none). */
    public void status(java.util.function.Supplier<String> line) {
        status = line;
    }

    @Override
    public CompletionStage<SwapResult> swap(String target, String reason) {
        return engine.swap(id, target, reason);
    }

    @Override
    public String toString() {
        return "entry " + id + " (" + type.getName() + " -> " + implementationLabel() + ")";
    }
}
