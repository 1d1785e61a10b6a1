package swap.core;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The mediator K42 interposes on an entry for the length of one swap.
 *
 * <p>Phases: {@link Phase#FORWARD}: calls are counted and forwarded to the old instance while the
 * swap waits for calls that began before the mediator was interposed (see {@link Quiescence}).
 * {@link Phase#BLOCKED}: new calls wait, except calls from a thread already inside (recursion,
 * callbacks), until the counted calls have drained: the old instance is quiescent.
 * {@link Phase#ENDED}: the swap completed or rolled back; the entry points at the instance to keep
 * and every call that still reaches this mediator (waiting ones included) goes back through the
 * entry's inner handle, so it is seen by whatever comes next.
 *
 * <p>Every call that this mediator sends straight to an instance is counted in {@link #inFlight()}
 * for its whole duration; the count only falls once the phase is ENDED, so a later swap waits for
 * it (the entry keeps ended mediators with calls in flight as <em>retired</em>).
 *
 * <p>Concurrency: all state is guarded by {@link #lock}; {@link #invoke} may be called by any thread,
 * the phase methods only by the swapping thread. Happens-before: the phase change to ENDED happens
 * after the entry's new target was published, so a released waiter re-reads the new target.
 */
final class Mediator implements InvocationHandler {

    enum Phase { FORWARD, BLOCKED, ENDED }

    private final EntryImpl<?> entry;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Map<Thread, int[]> depth = new HashMap<>();
    private Phase phase = Phase.FORWARD;
    private final Object target;
    private int inFlight;
    private long waited;

    Mediator(EntryImpl<?> entry, Object oldInstance) {
        this.entry = entry;
        this.target = oldInstance;
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        Thread self = Thread.currentThread();
        boolean direct;
        lock.lock();
        try {
            boolean counted = false;
            while (true) {
                if (phase == Phase.FORWARD) {
                    direct = true;
                    break;
                }
                if (phase == Phase.BLOCKED && depth.containsKey(self)) {
                    direct = true; // recursion from a thread already inside: let it through
                    break;
                }
                if (phase == Phase.ENDED) {
                    direct = false;
                    break;
                }
                if (!counted) {
                    counted = true;
                    waited++;
                }
                changed.awaitUninterruptibly();
            }
            if (direct) {
                inFlight++;
                depth.computeIfAbsent(self, t -> new int[1])[0]++;
            }
        } finally {
            lock.unlock();
        }
        if (!direct) {
            return call(entry.inner(), method, args);
        }
        try {
            return call(target, method, args);
        } finally {
            lock.lock();
            try {
                inFlight--;
                int[] d = depth.get(self);
                if (--d[0] == 0) {
                    depth.remove(self);
                }
                if (inFlight == 0) {
                    changed.signalAll();
                }
            } finally {
                lock.unlock();
            }
        }
    }

    static Object call(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** Swapping thread: FORWARD to BLOCKED. */
    void block() {
        lock.lock();
        try {
            phase = Phase.BLOCKED;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Swapping thread, in BLOCKED: waits until no counted call is in flight.
     *
     * @return whether it drained before the deadline
     */
    boolean awaitDrained(long deadlineNanos) {
        lock.lock();
        try {
            while (inFlight > 0) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                changed.awaitNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(10)));
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.unlock();
        }
    }

    /** Swapping thread: the entry's target is final; waiting calls go back through the entry. */
    void end() {
        lock.lock();
        try {
            phase = Phase.ENDED;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** @return how many calls this mediator is running on an instance right now */
    int inFlight() {
        lock.lock();
        try {
            return inFlight;
        } finally {
            lock.unlock();
        }
    }

    /** @return the threads inside with a counted call, for timeout messages */
    String insideThreads() {
        lock.lock();
        try {
            StringBuilder b = new StringBuilder();
            for (Thread t : depth.keySet()) {
                b.append(b.length() == 0 ? "" : ", ").append(t.getName());
            }
            return b.toString();
        } finally {
            lock.unlock();
        }
    }

    /** @return how many calls waited in BLOCKED */
    long waited() {
        lock.lock();
        try {
            return waited;
        } finally {
            lock.unlock();
        }
    }
}
