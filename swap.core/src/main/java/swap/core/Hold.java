package swap.core;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.osgi.framework.ServiceException;

import swap.api.StateFormat;
import swap.api.StatefulComponent;

/**
 * What a front's entry points at while its provider is away (between the original's
 * UNREGISTERING and the next matching registration): a proxy of the service interface and
 * {@link StatefulComponent}. The swap manager swaps the entry to it with the ordinary protocol
 * (quiescence, export from the old instance), so it imports the old instance's state and keeps it;
 * its calls wait until {@link #open()} and then go through the entry again, to whatever it points
 * at by then (the new provider instance, or the released entry's error). No call ever runs on it.
 *
 * <p>Concurrency: {@link #open()} is called after the entry's new target was published, so a
 * waiter that wakes re-reads that target (the lock gives the happens-before). Any thread may call.
 */
final class Hold implements InvocationHandler {

    /** Used when the front is gone for good or swap.core stops: calls must not wait longer. */
    private final long maxWaitNanos;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition opened = lock.newCondition();
    private final List<StateFormat<?>> accepts;
    private volatile EntryImpl<?> entry;
    private volatile boolean open;
    private volatile StateFormat<?> format;
    private volatile Object state;

    /** @param accepts the formats it imports (the old instance's exports, the ones usable across bundle revisions first) */
    Hold(List<StateFormat<?>> accepts, long maxWaitMillis) {
        this.accepts = accepts;
        this.maxWaitNanos = TimeUnit.MILLISECONDS.toNanos(maxWaitMillis);
    }

    void entry(EntryImpl<?> e) {
        entry = e;
    }

    /** @return the format of the state it holds ({@code null}: none, e.g. made for a consumer that came while the provider was away) */
    StateFormat<?> format() {
        return format;
    }

    Object state() {
        return state;
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

    /** @return the proxy (the entry's instance) for a hold of an entry of {@code type} */
    Object newProxy(Class<?> type) {
        return Proxy.newProxyInstance(LOADERS.get(type), new Class<?>[] {type, StatefulComponent.class}, this);
    }

    static Hold of(Object instance) {
        return instance != null && Proxy.isProxyClass(instance.getClass()) && Proxy.getInvocationHandler(instance) instanceof Hold h ? h : null;
    }

    private static final ClassValue<ClassLoader> LOADERS = new ClassValue<>() {
        @Override
        protected ClassLoader computeValue(Class<?> type) {
            return new JoinedLoader(java.util.Arrays.asList(type.getClassLoader(), Hold.class.getClassLoader()));
        }
    };

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        if (method.getDeclaringClass() == Object.class) {
            return switch (method.getName()) {
                case "equals" -> proxy == args[0];
                case "hashCode" -> System.identityHashCode(proxy);
                default -> "hold of " + entry;
            };
        }
        if (method.getDeclaringClass() == StatefulComponent.class) {
            return switch (method.getName()) {
                case "exportFormats" -> format == null ? List.of(StateFormat.EMPTY) : List.of(format);
                case "importFormats" -> accepts;
                case "exportState" -> state;
                default -> { // importState, called once by the swap that put this hold in place
                    format = (StateFormat<?>) args[0];
                    state = args[1];
                    yield null;
                }
            };
        }
        await();
        EntryImpl<?> e = entry;
        if (!open || e == null || Hold.of(e.inner().target) == this) {
            throw new ServiceException("the provider of " + (e == null ? "this service" : e.type().getName())
                    + " went away and no matching provider came back", ServiceException.UNREGISTERED);
        }
        return Mediator.call(e.inner(), method, args);
    }

    private void await() {
        if (open) {
            return;
        }
        long deadline = System.nanoTime() + maxWaitNanos;
        lock.lock();
        try {
            while (!open) {
                long left = deadline - System.nanoTime();
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

    /** The implementation a front's entry is swapped to when its provider goes away: makes one hold, keeps it. */
    static final class Impl extends Implementation.Named {
        private final Hold hold;
        private final Class<?> type;

        Impl(Class<?> type, Hold hold, String label) {
            super("hold", "0.0.0", label);
            this.type = type;
            this.hold = hold;
        }

        Hold hold() {
            return hold;
        }

        @Override
        public Object origin() {
            return hold;
        }

        @Override
        public Object newInstance() {
            return hold.newProxy(type);
        }

        @Override
        public void release(Object instance) {
            // nothing to give back; waiting calls are let through by whoever ends the hold
        }

        @Override
        public String label() {
            return "hold (provider " + bundle() + " away)";
        }
    }
}
