package swap.kernel;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Map;

/**
 * Stacks of threads that have not run since they were last taken: most threads of a JVM are parked
 * (pools, timers, the framework's own), and taking their stacks again at every swap is most of an
 * idle swap's cost (each frame becomes a {@link StackTraceElement}).
 *
 * <p>A thread's CPU time ({@link ThreadMXBean#getThreadCpuTime(long)}) only grows while it runs. A stack
 * is remembered with the CPU time read <em>before</em> the stack was taken; if a later read (after the
 * mediators were published) returns the same time, the thread has not executed a single instruction
 * in between, so its stack is still the remembered one, at a moment after the publication: the same
 * evidence a fresh stack trace would give. Any other thread (it ran, it is new, or its time cannot be
 * read) gets a fresh stack. The swapping thread's volatile writes of the mediators precede its reads
 * of the CPU times, and a thread that has not run since will read the target only after it runs again.
 *
 * <p>Used only where the thread CPU clock counts every nanosecond a thread runs: Linux (the kernel's
 * per-thread {@code sum_exec_runtime}, which {@code CLOCK_THREAD_CPUTIME_ID} reads). Elsewhere, where
 * CPU time can be sampled at clock ticks, or with {@code -Dswap.quiescence.seenStacks=false}, every
 * stack is taken fresh.
 *
 * <p>Thread-safe (one lock around the remembered stacks; swaps of different entries may snapshot
 * at once).
 */
public final class SeenStacks {

    /** A stack, the CPU time read before it was taken, and whether it {@linkplain #matters matters} to a quiescence check. */
    private record Seen(long cpuNanos, StackTraceElement[] stack, boolean matters) {
    }

    /**
     * Whether a quiescence check has to look at {@code stack} at all: it shows a frame of a generated
     * handle class, or it may have been cut off ({@link Quiescence#isPending} is {@code false} for
     * any other). Decided once per stack taken, not at every swap that finds the thread where it was.
     */
    static boolean matters(StackTraceElement[] stack) {
        if (stack.length >= Quiescence.TRUNCATED_DEPTH) {
            return true;
        }
        for (StackTraceElement f : stack) {
            if (HandleFactory.isHandleClass(f.getClassName())) {
                return true;
            }
        }
        return false;
    }

    private static final ThreadMXBean THREADS = threadBean();
    static final boolean ENABLED = THREADS != null && System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")
            && !"false".equals(System.getProperty("swap.quiescence.seenStacks"));

    /**
     * The remembered stacks. A plain map (a weak one cost most of a swap's time with 2,000 threads):
     * the stacks of threads that ended are dropped whenever it holds twice as many as the last call
     * asked for, so it stays bounded by the live threads.
     */
    private static final Map<Thread, Seen> SEEN = new HashMap<>();

    /**
     * {@code com.sun.management.ThreadMXBean.getThreadCpuTime(long[])}, when the JDK has it: the CPU
     * times of many threads in one call into the VM (one thread-list walk) instead of one call each.
     * Looked up through the platform class loader, so no bundle import is needed; {@code null} if absent.
     */
    private static final java.lang.invoke.MethodHandle BATCH = batch();

    private static java.lang.invoke.MethodHandle batch() {
        if (THREADS == null) {
            return null;
        }
        try {
            Class<?> sun = ClassLoader.getPlatformClassLoader().loadClass("com.sun.management.ThreadMXBean");
            if (!sun.isInstance(THREADS)) {
                return null;
            }
            return java.lang.invoke.MethodHandles.publicLookup()
                    .findVirtual(sun, "getThreadCpuTime", java.lang.invoke.MethodType.methodType(long[].class, long[].class))
                    .bindTo(THREADS);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return null;
        }
    }

    /** The CPU times of {@code threads} (-1 where unknown), in one call where the JDK allows it. */
    static long[] cpuTimes(Thread[] threads) {
        long[] ids = new long[threads.length];
        for (int i = 0; i < threads.length; i++) {
            ids[i] = threads[i].getId();
        }
        if (BATCH != null) {
            try {
                return (long[]) BATCH.invokeExact(ids);
            } catch (Throwable e) {
                // fall back to one call per thread
            }
        }
        long[] cpu = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            cpu[i] = THREADS.getThreadCpuTime(ids[i]);
        }
        return cpu;
    }

    private SeenStacks() {
    }

    private static ThreadMXBean threadBean() {
        try {
            ThreadMXBean b = ManagementFactory.getThreadMXBean();
            if (!b.isThreadCpuTimeSupported()) {
                return null;
            }
            if (!b.isThreadCpuTimeEnabled()) {
                b.setThreadCpuTimeEnabled(true);
            }
            return b.isThreadCpuTimeEnabled() ? b : null;
        } catch (RuntimeException | LinkageError e) {
            return null; // no java.management, or not allowed: take every stack fresh
        }
    }

    /**
     * The stacks of {@code threads} (less the caller) that {@linkplain #matters matter}, each valid
     * at a moment after this call began; a thread whose stack does not matter is left out.
     *
     * @param fresh takes the stacks of the threads that ran (one by one, or all at once)
     */
    static Map<Thread, StackTraceElement[]> stacks(Thread[] threads, java.util.function.Function<java.util.List<Thread>, Map<Thread, StackTraceElement[]>> fresh) {
        Thread self = Thread.currentThread();
        Map<Thread, StackTraceElement[]> m = new HashMap<>();
        java.util.List<Thread> ran = new java.util.ArrayList<>();
        long[] cpu = cpuTimes(threads);
        synchronized (SEEN) {
            if (SEEN.size() > 2 * threads.length + 64) {
                SEEN.keySet().removeIf(t -> !t.isAlive());
            }
            for (int i = 0; i < threads.length; i++) {
                Thread t = threads[i];
                if (t == self) {
                    continue;
                }
                Seen s = SEEN.get(t);
                if (s != null && cpu[i] >= 0 && s.cpuNanos == cpu[i]) {
                    if (s.matters) {
                        m.put(t, s.stack);
                    }
                } else {
                    ran.add(t);
                }
            }
        }
        if (!ran.isEmpty()) {
            Map<Thread, StackTraceElement[]> taken = fresh.apply(ran); // after the CPU times were read
            synchronized (SEEN) {
                for (int i = 0; i < threads.length; i++) {
                    StackTraceElement[] st = taken.get(threads[i]);
                    if (st != null) {
                        boolean matters = matters(st);
                        if (matters) {
                            m.put(threads[i], st);
                        }
                        if (cpu[i] >= 0) {
                            SEEN.put(threads[i], new Seen(cpu[i], st, matters));
                        }
                    }
                }
            }
        }
        return m;
    }
}
