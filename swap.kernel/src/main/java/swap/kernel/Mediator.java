package swap.kernel;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
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
 * <p>Every call this mediator sends straight to an instance is counted in {@link #inFlight()} for
 * its whole duration. The entry keeps an ended mediator with calls in flight as <em>retired</em>,
 * and the next swap waits for them.
 *
 * <p>Concurrency: a call increments {@code inFlight} and then reads the volatile {@code phase};
 * the swapping thread writes {@code phase} and then reads {@code inFlight} (a Dekker pair: both
 * sequentially consistent), so either the call sees BLOCKED and backs off, or the swapping thread
 * sees the call and waits for it. Nothing on the forward path takes a lock; waiting and waking use
 * {@link #lock}. {@link #invoke} may be called by any thread; {@link #block}, {@link #awaitDrained}
 * and {@link #end} only by the swapping thread. Happens-before: {@link #end} is called after the
 * entry's final target was published, so a released waiter re-reads that target.
 */
public final class Mediator implements InvocationHandler {

    enum Phase { FORWARD, BLOCKED, ENDED }

    /**
     * The longest a new call waits in the forward phase before it is forwarded to the old instance
     * ({@code -Dswap.mediator.holdMicros}, default 1,000; 0: new calls are forwarded at once, as
     * before issue 22). See {@link #holdNew(Class)}.
     */
    static final long HOLD_NANOS = TimeUnit.MICROSECONDS.toNanos(Long.getLong("swap.mediator.holdMicros", 1_000));
    /** {@link #HOLD_NANOS}, which tests may change. */
    static volatile long holdNanos = HOLD_NANOS;

    private final EntryImpl<?> entry;
    private final Object target;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final ConcurrentHashMap<Thread, int[]> depth = new ConcurrentHashMap<>();
    private final AtomicLong waited = new AtomicLong();
    private final AtomicLong firstWaitStart = new AtomicLong(Long.MAX_VALUE);
    /** The earliest start of a hold, and the longest hold that ended before the swap did (released at its bound). */
    private final AtomicLong firstHoldStart = new AtomicLong(Long.MAX_VALUE);
    private final AtomicLong longestHold = new AtomicLong();
    private volatile long endedAt;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private volatile Phase phase = Phase.FORWARD;
    /** Whether new calls in the forward phase are still held; cleared for good when a hold reaches its bound. */
    private volatile boolean holding = true;

    Mediator(EntryImpl<?> entry, Object oldInstance) {
        this.entry = entry;
        this.target = oldInstance;
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        Thread self = Thread.currentThread();
        int[] mine = depth.get(self); // non-null only while this thread is inside: only it changes its own entry
        inFlight.incrementAndGet();
        Phase p = phase;
        if (p == Phase.FORWARD || (p == Phase.BLOCKED && mine != null)) {
            if (p == Phase.FORWARD && mine == null) {
                // Give the CPU to the swapping thread (and the VM thread that takes its stack
                // snapshot) if they are waiting for one: on a busy machine they otherwise wait for
                // a scheduling quantum while callers run through the mediator. (Counted calls were
                // held before they got here, see holdNew.)
                Thread.yield();
            }
            return direct(self, mine, method, args);
        }
        leave();
        if (p == Phase.BLOCKED) {
            waitForEnd();
        }
        return call(entry.inner(), method, args); // ENDED: through the entry's current target
    }

    private Object direct(Thread self, int[] mine, Method method, Object[] args) throws Throwable {
        if (mine == null) {
            mine = new int[1];
            depth.put(self, mine);
        }
        mine[0]++;
        try {
            return call(target, method, args);
        } finally {
            if (--mine[0] == 0) {
                depth.remove(self);
            }
            leave();
        }
    }

    private void leave() {
        if (inFlight.decrementAndGet() == 0 && phase != Phase.FORWARD) {
            lock.lock();
            try {
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * Called on the counted path ({@link AbstractHandle#enter()}) before the call is counted: a new call
     * in the forward phase waits, at most {@link #HOLD_NANOS}, for the swap to end, before
     * it is counted. Calls that began before the swap then get the CPU they need to return (on a busy
     * machine a caller preempted in the middle of a call otherwise waits for callers that keep running
     * through the mediator), so the swap does not wait a scheduling round for them. Past the bound the
     * call is forwarded to the old instance as K42's forward phase does, and so is every later call of
     * this swap, at once: a long call that began before the swap delays new calls by the bound once
     * per swap, not once per call. The held time counts as a wait
     * ({@link #longestWait()}).
     */
    void holdNew(Class<?> handleClass) {
        long bound = holdNanos;
        if (bound <= 0 || !holding || phase != Phase.FORWARD || depth.containsKey(Thread.currentThread()) || inside(handleClass)) {
            return; // a thread already inside a call of the interface (recursion, callbacks) is never held
        }
        waited.incrementAndGet();
        long start = System.nanoTime();
        firstHoldStart.accumulateAndGet(start, Math::min);
        long until = start + bound;
        boolean released = false;
        lock.lock();
        try {
            while (phase != Phase.ENDED) {
                if (phase == Phase.BLOCKED) {
                    changed.awaitUninterruptibly(); // it would wait for the end anyway; end() wakes it
                    continue;
                }
                if (!holding) {
                    released = true;
                    break; // another held call found the forward phase slow: forward, as K42 does
                }
                long left = until - System.nanoTime();
                if (left <= 0) {
                    // Still forwarding after the bound: the call goes to the old instance, counted, and so
                    // does every call after it in this swap, at once (a slow call the swap waits for must
                    // not cost each new call the bound).
                    holding = false;
                    changed.signalAll();
                    released = true;
                    break;
                }
                changed.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // forward the call; its own code sees the interrupt
            released = true;
        } finally {
            lock.unlock();
        }
        if (released) {
            longestHold.accumulateAndGet(System.nanoTime() - start, Math::max); // it waits no more
        }
    }

    /**
     * @return whether the calling thread is already inside a call through a handle of
     *         {@code handleClass} (its own stack, walked without stopping anyone): a call that began
     *         before the swap may be waiting for this one, so holding it would only delay the swap
     */
    private static boolean inside(Class<?> handleClass) {
        String name = handleClass.getName();
        return StackWalker.getInstance().walk(frames -> {
            int run = 0; // 0: above this call's handle frames, 1: in them, 2: below them
            for (java.util.Iterator<StackWalker.StackFrame> i = frames.iterator(); i.hasNext();) {
                boolean handle = i.next().getClassName().equals(name);
                if (run == 2 && handle) {
                    return true;
                }
                run = handle ? 1 : run == 1 ? 2 : run;
            }
            return false;
        });
    }

    private void waitForEnd() {
        waited.incrementAndGet();
        firstWaitStart.accumulateAndGet(System.nanoTime(), Math::min);
        lock.lock();
        try {
            while (phase != Phase.ENDED) {
                changed.awaitUninterruptibly();
            }
        } finally {
            lock.unlock();
        }
    }

    public static Object call(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** Swapping thread: FORWARD to BLOCKED. */
    void block() {
        phase = Phase.BLOCKED;
    }

    /**
     * Swapping thread, in BLOCKED: waits until no counted call is in flight.
     *
     * @return whether it drained before the deadline
     */
    boolean awaitDrained(long deadlineNanos) {
        for (int spins = 0; spins < 100; spins++) {
            if (inFlight.get() == 0) {
                return true;
            }
            Thread.onSpinWait();
        }
        lock.lock();
        try {
            while (inFlight.get() > 0) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                changed.awaitNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(1)));
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
        endedAt = System.nanoTime();
        lock.lock();
        try {
            phase = Phase.ENDED;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** @return how many calls this mediator is running on an instance right now (a racy snapshot once ENDED) */
    int inFlight() {
        return inFlight.get();
    }

    /** @return the threads inside with a counted call, for timeout messages */
    String insideThreads() {
        StringBuilder b = new StringBuilder();
        for (Thread t : depth.keySet()) {
            b.append(b.length() == 0 ? "" : ", ").append(t.getName());
        }
        return b.toString();
    }

    /**
     * @return the longest time a call waited, in nanoseconds: held in the forward phase (until the end,
     *         or until its bound if it was released then) or waiting in BLOCKED until the end; valid after {@link #end}
     */
    long longestWait() {
        long first = firstWaitStart.get();
        long w = first == Long.MAX_VALUE ? 0 : Math.max(0, endedAt - first);
        long hold = firstHoldStart.get();
        if (hold != Long.MAX_VALUE && holding) {
            w = Math.max(w, endedAt - hold); // no hold reached its bound: every held call waited for the end
        }
        return Math.max(w, longestHold.get()); // holds released at the bound waited only that long
    }

    Phase phase() {
        return phase;
    }

    /** @return how many calls were held (in the forward phase) or waited (in BLOCKED) */
    long waited() {
        return waited.get();
    }
}
