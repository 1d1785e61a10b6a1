package swap.kernel;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import swap.api.SwapException;

/**
 * Per-instance evidence for the quiescence check: a handle class's <em>counted mode</em>, and the
 * reports its callers make of themselves.
 *
 * <p><b>Counted mode.</b> Each generated handle class has a {@code public static boolean swap$counting}.
 * Its methods test it (one plain static load) before anything else: while it is set, every call
 * through any handle of the class, on any kind of thread, takes the counted path: it is counted on
 * <em>its own entry</em> ({@link VirtualCalls}), and the stack shows a frame of a generated
 * {@code swap$counted$n} method, which {@link Quiescence} tells apart from an uncounted call. The flag
 * is set when a swap of an entry of the interface is prepared and cleared {@link #LINGER_MILLIS}
 * after the last such swap ended (so a burst of swaps keeps it set). Each time it goes from clear to
 * set, the class's <em>counting epoch</em> (volatile) is incremented, after the flag was written.
 *
 * <p><b>Reports.</b> A platform thread's first counted call of an epoch walks its own stack
 * ({@link StackWalker}, no safepoint, no handshake) and, if it shows no uncounted frame of the handle
 * class, records "clean at epoch e" ({@link #report}). A swap then needs no stack of that thread:
 * <ul>
 * <li>the thread read epoch {@code e} (volatile) before its walk, and {@code e} was written after
 * the flag was set, so every later read of the flag by that thread returns {@code true} until the
 * flag is cleared (the only later write); the swap checks the report while its own job keeps the
 * flag set and sees the same epoch, so the flag has not been cleared since the report;</li>
 * <li>so every call the thread began through a handle of the class since the report was counted on
 * its entry, and the entry's drain waits for those that may have read the old target;</li>
 * <li>and at the report no uncounted call of the class was running on the thread (its own walk), so
 * none is running now.</li>
 * </ul>
 * A thread that is descheduled (runnable, not on a CPU) is cleared without running again, which
 * neither a stack trace nor a handshake can do: on a machine with more busy threads than cores, that
 * is what a swap used to wait for.
 *
 * <p>The flag is only a hint for the calls themselves: a thread that has not made a report and reads
 * a stale {@code false} takes the uncounted path, and the stack check treats that call exactly as it
 * treated every platform-thread call before. (Nor can the JIT keep a stale value in a caller's loop
 * for ever: each call reads the volatile {@link AbstractHandle#target} after the flag, and a later
 * plain load cannot be moved above that acquire.)
 *
 * <p>Cost: nothing on the uncounted path but the flag's load. While the flag is set, each call on a
 * platform thread pays the counted path (two atomic updates of a striped counter) and one lookup of
 * its report. Virtual threads make no report (they are in no stack snapshot anyway).
 *
 * <p>Thread-safe.
 */
final class Counting {

    /**
     * How long the flag stays set after the last swap of the class ended, in milliseconds
     * ({@code -Dswap.quiescence.lingerMillis}, default 50): within a burst of swaps, callers stay
     * counted and their reports stay valid.
     */
    static final long LINGER_MILLIS = Long.getLong("swap.quiescence.lingerMillis", 50);

    /**
     * The longest a swap waits for runnable threads that call the class to report themselves before
     * it takes their stacks, in milliseconds ({@code -Dswap.quiescence.reportMillis}, default 50).
     * Where the thread CPU clock is not used (see {@link SeenStacks}), 2 ms.
     */
    static final long REPORT_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(Long.getLong("swap.quiescence.reportMillis", 50));
    static final long SHORT_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    /** A caller that ran this long since the wait began without a report is busy elsewhere: its stack is taken. */
    static final long RAN_NANOS = TimeUnit.MICROSECONDS.toNanos(500);

    private static final MethodHandle IS_VIRTUAL = isVirtual();

    private static MethodHandle isVirtual() {
        try {
            return MethodHandles.publicLookup().findVirtual(Thread.class, "isVirtual", MethodType.methodType(boolean.class));
        } catch (ReflectiveOperationException e) {
            return null; // Java 17: no virtual threads
        }
    }

    /** The timer's threads: they run only {@link #expire}, never a call through a handle, so a swap needs no stack of them. */
    private static final class TimerThread extends Thread {
        TimerThread(Runnable r) {
            super(r, "swap-counting");
        }
    }

    private static final ScheduledThreadPoolExecutor TIMER = timer();

    /** @return whether {@code t} is one of this class's own timer threads, which never call a handle */
    static boolean timerThread(Thread t) {
        return t instanceof TimerThread;
    }

    private static ScheduledThreadPoolExecutor timer() {
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
            Thread th = new TimerThread(r);
            th.setDaemon(true);
            th.setContextClassLoader(null); // holds no bundle's class loader
            return th;
        });
        t.setKeepAliveTime(1, TimeUnit.SECONDS);
        t.allowCoreThreadTimeOut(true); // no thread while no swap ran for a second
        t.setRemoveOnCancelPolicy(true);
        return t;
    }

    /** One handle class's counted mode. Guarded by itself, except the volatile fields. */
    private static final class Mode {
        final Class<?> handleClass;
        final Field flag;
        int running;
        boolean on;
        long lastEnd;
        /** Whether an expiry is scheduled. */
        boolean expiry;
        volatile long epoch;
        /** Each thread's own report; written by that thread only, cleared when a new epoch begins. */
        final ConcurrentHashMap<Thread, Report> reports = new ConcurrentHashMap<>();

        Mode(Class<?> handleClass) {
            this.handleClass = handleClass;
            try {
                this.flag = handleClass.getField(HandleFactory.COUNTING_FIELD);
            } catch (NoSuchFieldException e) {
                throw new SwapException(handleClass.getName() + " is not a generated handle class", e);
            }
        }

        void set(boolean value) {
            try {
                flag.setBoolean(null, value);
            } catch (IllegalAccessException e) {
                throw new SwapException("cannot set the counting flag of " + handleClass.getName() + ": " + e, e);
            }
        }
    }

    /** A thread's last report for one handle class. */
    private static final class Report {
        /** The epoch in which the thread's stack showed no uncounted call of the class; 0: none. */
        volatile long clean;
        /** The epoch of the last walk that found an uncounted call, and how many counted calls to make before walking again. */
        long dirty;
        int skip;
        /**
         * Whether the thread made a counted call of the class since its last {@link #inside} walk
         * (or ever, if it made none): written and read by the thread itself only.
         */
        boolean called = true;
        /** Whether the thread has called the class (reported from the counted path), not only asked {@link #inside}: a hint for {@link #awaitReports}. */
        volatile boolean calls;
    }

    /** One mode per handle class, kept with the class (so it goes away with the interface's class loader). */
    private static final ClassValue<Mode> MODE = new ClassValue<>() {
        @Override
        protected Mode computeValue(Class<?> c) {
            return new Mode(c); // if two threads race, ClassValue keeps one and both get it
        }
    };

    private Counting() {
    }

    /**
     * Whether swaps turn counted mode on ({@code -Dswap.quiescence.counted=false}: never, every call
     * of a platform thread is judged by its stack as before; see docs/measurements.md for when that
     * is faster).
     */
    static final boolean ENABLED = !"false".equals(System.getProperty("swap.quiescence.counted"));

    /** A swap of an entry whose handles are of {@code handleClass} begins: calls through them are counted until it ends. */
    static void on(Class<?> handleClass) {
        if (!ENABLED) {
            return;
        }
        Mode m = MODE.get(handleClass);
        synchronized (m) {
            m.running++;
            if (!m.on) {
                m.on = true;
                m.reports.keySet().removeIf(t -> !t.isAlive()); // the others stay known as callers (awaitReports)
                m.set(true);
                m.epoch = m.epoch + 1; // after the flag: see the class comment
            }
        }
    }

    /** That swap has ended: the flag is cleared {@link #LINGER_MILLIS} later unless another swap began. */
    static void off(Class<?> handleClass) {
        if (!ENABLED) {
            return;
        }
        Mode m = MODE.get(handleClass);
        synchronized (m) {
            if (--m.running > 0) {
                return;
            }
            m.lastEnd = System.nanoTime();
            if (LINGER_MILLIS <= 0) {
                clear(m);
                return;
            }
            if (m.expiry) {
                return; // the pending expiry looks at lastEnd and waits on if it moved
            }
            m.expiry = true;
        }
        TIMER.schedule(() -> expire(m), LINGER_MILLIS, TimeUnit.MILLISECONDS);
    }

    /**
     * One pending expiry per class, not one per swap: a burst of thousands of swaps a second would
     * otherwise keep the timer thread busy, and a swap's {@code on}/{@code off} would wait for the
     * class's monitor while that thread, holding it, waits for a core.
     */
    private static void expire(Mode m) {
        long left;
        synchronized (m) {
            m.expiry = false;
            if (!m.on || m.running > 0) {
                return; // a running swap schedules the next expiry when it ends
            }
            left = TimeUnit.MILLISECONDS.toNanos(LINGER_MILLIS) - (System.nanoTime() - m.lastEnd);
            if (left <= 1_000_000) {
                clear(m);
                return;
            }
            m.expiry = true;
        }
        TIMER.schedule(() -> expire(m), left, TimeUnit.NANOSECONDS);
    }

    private static void clear(Mode m) {
        m.on = false;
        m.set(false);
    }

    /** @return whether calls through handles of {@code handleClass} are counted now (for tests) */
    static boolean isOn(Class<?> handleClass) {
        Mode m = MODE.get(handleClass);
        synchronized (m) {
            return m.on;
        }
    }

    /**
     * Called on the counted path, before the call is counted: the calling platform thread's report
     * for the current epoch of its handle's class. Costs a map lookup once the thread has reported.
     */
    static void report(Class<?> handleClass) {
        Thread self = Thread.currentThread();
        if (IS_VIRTUAL != null && virtual(self)) {
            return;
        }
        Mode m = MODE.get(handleClass);
        long epoch = m.epoch; // volatile: read before the walk
        if (epoch == 0) {
            return;
        }
        Report r = m.reports.get(self);
        if (r != null && r.clean == epoch) {
            r.called = true;
            return;
        }
        if (r == null) {
            r = new Report();
            m.reports.put(self, r);
        }
        r.called = true;
        if (!r.calls) {
            r.calls = true;
        }
        if (r.dirty == epoch && --r.skip > 0) {
            return; // an uncounted call of the class ran below: walk again only now and then
        }
        String name = handleClass.getName();
        boolean uncounted = StackWalker.getInstance().walk(frames -> {
            boolean[] calleeCounted = {false};
            return frames.anyMatch(f -> {
                boolean handle = f.getClassName().equals(name);
                boolean counted = handle && HandleFactory.isCounted(f.getMethodName());
                boolean found = handle && !counted && !calleeCounted[0];
                calleeCounted[0] = counted;
                return found;
            });
        });
        if (uncounted) {
            r.dirty = epoch;
            r.skip = 64;
        } else {
            r.clean = epoch;
        }
    }

    /**
     * Whether the calling thread is inside a call through a handle of one of {@code handleClasses}:
     * then a swap of their entries must not wait on it for quiescence ({@link Engine} runs such a
     * swap on another thread). A walk of the thread's own stack answers, as it always did; it costs
     * some microseconds, a few more for each frame.
     *
     * <p>A platform thread needs no new walk while, for each class, counted mode has been on since
     * its last walk (same epoch, flag set now) and it has made no counted call of the class since
     * ({@link Report#called}): the walk found no frame of the class, after the thread read the epoch
     * with the flag set, so every call it began since was counted (see the class comment) and made
     * it call {@link #report}, which marks the report. A swapping thread that never calls the
     * interface, the usual case, walks once per epoch. A walk that finds no frame records itself as
     * the thread's report for the epoch: it is also the evidence {@link #clean} gives other swaps.
     */
    static boolean inside(List<Class<?>> handleClasses) {
        Thread self = Thread.currentThread();
        boolean reports = ENABLED && !(IS_VIRTUAL != null && virtual(self));
        long[] epochs = new long[handleClasses.size()];
        if (reports) {
            boolean known = true;
            for (int i = 0; i < epochs.length; i++) {
                Mode m = MODE.get(handleClasses.get(i));
                synchronized (m) {
                    epochs[i] = m.on ? m.epoch : 0;
                }
                Report r = m.reports.get(self);
                known &= epochs[i] != 0 && r != null && r.clean == epochs[i] && !r.called;
            }
            if (known) {
                return false;
            }
        }
        java.util.Set<String> names = new java.util.HashSet<>();
        for (Class<?> c : handleClasses) {
            names.add(c.getName());
        }
        boolean in = StackWalker.getInstance().walk(frames -> frames.anyMatch(f -> names.contains(f.getClassName())));
        if (!in && reports) {
            for (int i = 0; i < epochs.length; i++) {
                if (epochs[i] != 0) {
                    Report r = MODE.get(handleClasses.get(i)).reports.computeIfAbsent(self, t -> new Report());
                    r.called = false;
                    r.clean = epochs[i];
                }
            }
        }
        return in;
    }

    private static boolean virtual(Thread t) {
        try {
            return (boolean) IS_VIRTUAL.invokeExact(t);
        } catch (Throwable e) {
            return false;
        }
    }

    /**
     * Called by a swap that holds the counted mode of every class in {@code handleClasses} (its
     * jobs are prepared and not ended): whether {@code t} reported itself clean in the current epoch
     * of each, so no uncounted call of those classes runs on it and none can begin.
     */
    static boolean clean(Thread t, List<Class<?>> handleClasses) {
        for (Class<?> c : handleClasses) {
            Mode m = MODE.get(c);
            Report r = m.reports.get(t);
            if (r == null || r.clean != m.epoch) {
                return false;
            }
        }
        return true;
    }

    /**
     * {@link #clean} for many threads, with each class's mode and epoch looked up once: for a swap
     * whose jobs hold the counted mode of every class (so the epochs cannot change while it runs).
     */
    static java.util.function.Predicate<Thread> cleanCheck(List<Class<?>> handleClasses) {
        int n = handleClasses.size();
        Mode[] modes = new Mode[n];
        long[] epochs = new long[n];
        for (int i = 0; i < n; i++) {
            modes[i] = MODE.get(handleClasses.get(i));
            epochs[i] = modes[i].epoch;
        }
        return t -> {
            for (int i = 0; i < n; i++) {
                Report r = modes[i].reports.get(t);
                if (r == null || r.clean != epochs[i]) {
                    return false;
                }
            }
            return true;
        };
    }

    /** @return whether {@code t} made a report for one of {@code handleClasses}, in this epoch or an earlier one (it calls them) */
    private static boolean caller(Thread t, List<Class<?>> handleClasses) {
        for (Class<?> c : handleClasses) {
            Report r = MODE.get(c).reports.get(t);
            if (r != null && r.calls) {
                return true;
            }
        }
        return false;
    }

    /**
     * Gives the threads among {@code threads} that call the classes (they made a report, in this
     * epoch or an earlier one) a chance to report themselves clean at their next call, without being
     * stopped. A thread is waited for while it is runnable and either has not been on a CPU since
     * the wait began (a stack trace or handshake would wait for it to be scheduled too) or has run
     * for less than {@link #RAN_NANOS}; a thread that parks or waits, or runs longer without a report
     * (it is busy elsewhere), has its stack taken. (A thread blocked on a monitor is waited for: that
     * is brief on a caller's path.) The wait ends at {@link #REPORT_WAIT_NANOS} or the
     * swap's deadline.
     *
     * @return the threads that are not clean, whose stacks must be taken
     */
    static List<Thread> awaitReports(List<Thread> threads, List<Class<?>> handleClasses, long deadlineNanos) {
        List<Thread> left = new ArrayList<>(threads.size());
        List<Thread> candidates = new ArrayList<>();
        for (Thread t : threads) {
            if (!clean(t, handleClasses)) {
                left.add(t);
                if (caller(t, handleClasses)) {
                    candidates.add(t);
                }
            }
        }
        if (candidates.isEmpty()) {
            return left;
        }
        boolean cpuClock = SeenStacks.ENABLED;
        Thread[] watched = candidates.toArray(new Thread[0]);
        boolean[] done = new boolean[watched.length];
        long[] cpu0 = cpuClock ? SeenStacks.cpuTimes(watched) : null;
        long until = Math.min(deadlineNanos, System.nanoTime() + (cpuClock ? REPORT_WAIT_NANOS : SHORT_WAIT_NANOS));
        long pause = 1_000;
        while (true) {
            left.removeIf(t -> clean(t, handleClasses) || !t.isAlive());
            long[] cpu = cpuClock ? SeenStacks.cpuTimes(watched) : null;
            boolean waiting = false;
            for (int i = 0; i < watched.length; i++) {
                Thread t = watched[i];
                if (done[i]) {
                    continue;
                }
                boolean ranElsewhere = cpuClock && (cpu[i] < 0 || cpu0[i] < 0 || cpu[i] - cpu0[i] > RAN_NANOS);
                Thread.State state = t.getState();
                boolean parked = state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING || state == Thread.State.TERMINATED;
                if (clean(t, handleClasses) || parked || ranElsewhere) {
                    done[i] = true;
                } else {
                    waiting = true;
                }
            }
            if (!waiting || System.nanoTime() - until >= 0) {
                return left;
            }
            if (pause < 20_000) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(pause);
            }
            pause = Math.min(pause * 2, 100_000);
        }
    }
}
