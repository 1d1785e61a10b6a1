package swap.kernel;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

import swap.api.StateFormat;
import swap.api.StatefulComponent;

/**
 * An entry's state kept while it has no implementation to run on: what {@link Engine#park} swaps an
 * entry to (with the ordinary protocol: mediator, quiescence, export) and what {@link Engine#resume}
 * moves it off again. The engine's one way of keeping a state between two implementations; the
 * in-place upgrade of a bundle and a swappable service whose provider is away both use it.
 *
 * <p>It is an {@link Implementation} whose only instance is a proxy of the entry's interface and of
 * {@link StatefulComponent}. The park's transfer hands it the old instance's state in <em>every</em>
 * format it accepts that the old instance exports ({@link #keep}), in the order given, so that the
 * resume can choose, after seeing what each candidate imports, the first format that candidate
 * reads (an export leaves the old instance intact, so exporting several times is allowed). No call
 * ever runs on it: calls wait until {@link #open()}, then go through the entry again, to whatever
 * it points at by then; a call that waited longer than the bound fails with the parker's exception.
 *
 * <p>The state stays until the entry is resumed or released (an explicit decision of whoever
 * releases it): nothing drops it.
 *
 * <p>Concurrency: the formats are written by the park's swapping thread before the entry points at
 * the proxy (the entry's monitor gives the happens-before to every later reader); {@link #open()} is
 * called after the entry's next target was published, so a waiter that wakes re-reads that target
 * (the lock gives the happens-before). Any thread may call.
 */
public final class Parked extends Implementation.Named implements InvocationHandler {

    private volatile EntryImpl<?> entry;
    private final Implementation was;
    private final List<StateFormat<?>> accepts;
    private final List<String> notKept;
    private final String reason;
    private volatile long maxWaitNanos;
    private final Function<String, RuntimeException> failure;
    private final Object proxy;
    private final long since = System.currentTimeMillis();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition opened = lock.newCondition();
    private final AtomicLong waited = new AtomicLong();
    /** format -> state, in the order the park accepted them; written once by the park's transfer */
    private volatile Map<StateFormat<?>, Object> states = Map.of();
    private volatile boolean open;
    /** Why the last resume did not take the state, or {@code null}. */
    private volatile String problem;

    /**
     * @param accepts   the formats to keep, most portable first ({@link StateFormat#EMPTY} for a stateless entry)
     * @param notKept   formats the parker left out, each as {@code name: why} (for the park's result)
     * @param maxWaitMillis how long a call may wait for the entry's next implementation
     * @param failure   what a call that waited too long throws, given the message
     */
    Parked(Class<?> type, Implementation was, List<StateFormat<?>> accepts, List<String> notKept, String reason, long maxWaitMillis,
            Function<String, RuntimeException> failure) {
        super(was.name(), was.version(), was.bundle());
        this.was = was;
        this.accepts = List.copyOf(accepts);
        this.notKept = List.copyOf(notKept);
        this.reason = reason;
        this.maxWaitNanos = TimeUnit.MILLISECONDS.toNanos(maxWaitMillis);
        this.failure = failure;
        this.proxy = Proxy.newProxyInstance(LOADERS.get(type), new Class<?>[] {type, StatefulComponent.class}, this);
    }

    /** Names the entry this park keeps; before the entry can reach the proxy. */
    Parked attach(EntryImpl<?> e) {
        entry = e;
        return this;
    }

    /** Keeps an empty state (an entry made parked, which never ran). */
    void keepEmpty() {
        Map<StateFormat<?>, Object> m = new LinkedHashMap<>();
        m.put(StateFormat.EMPTY, null);
        states = m;
    }

    /** A parked entry's state, if {@code instance} is a park's proxy; else {@code null}. */
    static Parked of(Object instance) {
        return instance != null && Proxy.isProxyClass(instance.getClass()) && Proxy.getInvocationHandler(instance) instanceof Parked p ? p : null;
    }

    /** @return the implementation the entry ran before it was parked */
    public Implementation was() {
        return was;
    }

    String reason() {
        return reason;
    }

    long since() {
        return since;
    }

    /** @return the formats of the kept state, in the park's order */
    List<StateFormat<?>> formats() {
        return List.copyOf(states.keySet());
    }

    /** Sets how long calls wait, counted from when each began; 0 ends every wait at once. */
    void maxWait(long millis) {
        maxWaitNanos = TimeUnit.MILLISECONDS.toNanos(millis);
        if (millis == 0) {
            lock.lock();
            try {
                opened.signalAll(); // waiters re-check; with no wait left they fail
            } finally {
                lock.unlock();
            }
        }
    }

    /** @return the old instance's formats the parker left out, each as {@code name: why} */
    List<String> notKept() {
        return notKept;
    }

    /** Records why a resume did not take the state (shown with the entry). */
    void problem(String why) {
        problem = why;
    }

    /** @return a line for the entry's state reason */
    public String describe() {
        String p = problem;
        return reason + "; state kept in " + Negotiation.names(formats()) + " since " + java.time.Instant.ofEpochMilli(since)
                + (p == null ? "" : "; not resumed: " + p);
    }

    /**
     * The park's transfer: exports {@code old}'s state in every format this park accepts that
     * {@code old} exports, in the park's order. @return the formats kept; empty if none
     */
    List<StateFormat<?>> keep(Object old) throws Exception {
        List<StateFormat<?>> exports = Negotiation.exports(old);
        Map<StateFormat<?>, Object> m = new LinkedHashMap<>();
        for (StateFormat<?> f : accepts) {
            for (StateFormat<?> out : exports) {
                if (f.name().equals(out.name()) && f.type() == out.type()) {
                    Object s = old instanceof StatefulComponent ? ((StatefulComponent) old).exportState(out) : null;
                    out.cast(s);
                    m.put(out, s);
                }
            }
        }
        states = m;
        return new ArrayList<>(m.keySet());
    }

    /** Lets every waiting and later call through the entry again. */
    void open() {
        lock.lock();
        try {
            open = true;
            opened.signalAll();
        } finally {
            lock.unlock();
        }
    }

    long waited() {
        return waited.get();
    }

    // ------------------------------------------------------------------ the implementation

    @Override
    public String label() {
        return was.label() + " (parked)";
    }

    @Override
    public long bundleId() {
        return was.bundleId();
    }

    @Override
    public Map<String, Object> properties() {
        return was.properties(); // batch selectors and rollouts still find the entry by what it ran
    }

    @Override
    public Object origin() {
        return this;
    }

    @Override
    public Object newInstance() {
        return proxy;
    }

    @Override
    public void release(Object instance) {
        open(); // whoever moved the entry off the park published its next target first
    }

    // ------------------------------------------------------------------ the proxy

    @Override
    public Object invoke(Object p, Method method, Object[] args) throws Throwable {
        if (method.getDeclaringClass() == Object.class) {
            return switch (method.getName()) {
                case "equals" -> p == args[0];
                case "hashCode" -> System.identityHashCode(p);
                default -> "parked state of " + entry;
            };
        }
        if (method.getDeclaringClass() == StatefulComponent.class) {
            return switch (method.getName()) {
                case "exportFormats" -> formats();
                case "importFormats" -> accepts;
                case "exportState" -> states.get(args[0]);
                default -> throw new IllegalStateException("a park takes its state through keep(), not importState");
            };
        }
        await();
        EntryImpl<?> entry = this.entry;
        if (!open || Parked.of(entry.inner().target) == this) {
            throw failure.apply("entry " + entry.id() + " (" + entry.type().getName() + ") is parked: " + reason
                    + "; the call waited " + TimeUnit.NANOSECONDS.toMillis(maxWaitNanos) + " ms for an implementation that can take its state");
        }
        return Mediator.call(entry.inner(), method, args);
    }

    private void await() {
        if (open) {
            return;
        }
        waited.incrementAndGet();
        long start = System.nanoTime();
        lock.lock();
        try {
            while (!open) {
                long left = start + maxWaitNanos - System.nanoTime(); // re-read: maxWait(0) ends every wait
                if (left <= 0) {
                    return;
                }
                opened.awaitNanos(left);
            }
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
    }

    /** One proxy class loader per component interface, so that every park of it shares one proxy class. */
    private static final ClassValue<ClassLoader> LOADERS = new ClassValue<>() {
        @Override
        protected ClassLoader computeValue(Class<?> type) {
            return new JoinedLoader(java.util.Arrays.asList(type.getClassLoader(), Parked.class.getClassLoader()));
        }
    };
}
