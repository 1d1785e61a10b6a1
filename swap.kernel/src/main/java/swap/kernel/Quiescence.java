package swap.kernel;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;

/**
 * Finds the calls that entered the old instances of the entries being swapped <em>before</em> their
 * mediators were interposed, and waits for them to return: Linux livepatch's consistency model,
 * applied to a batch of entries at once.
 *
 * <p><b>Platform threads.</b> Nothing on their call path records a call, so the only trace of such a
 * call is on its thread's stack: a frame of the entry's generated handle class directly below a
 * frame of the implementation. Right after every mediator of the batch is published, one snapshot
 * of every thread is taken ({@link Thread#getAllStackTraces()}: each thread is stopped at a
 * safepoint or handshake, which orders the publications before everything the thread does after
 * it; on Java 19+ each thread's stack is taken by a handshake with that thread alone, see
 * {@link #snapshot()}). A thread whose snapshot shows a handle frame whose callee is not the mediator or an
 * interposer chain (a generated class, {@link ChainFactory#isChainClass}, that ends at the entry's
 * inner handle, so the inner handle's own frame decides) is <em>pending</em> for the entries of that
 * handle and callee class: it either runs a call on an old instance or has read the target and is about to call it. Pending threads
 * are re-checked ({@link Thread#getStackTrace()}) until that frame is gone; a thread that was not
 * pending cannot call an old instance except through a mediator, because its next read of the
 * volatile target follows the snapshot. One snapshot serves the whole batch: its cost does not
 * grow with the number of entries.
 *
 * <p>Frames name classes, not instances. Entries of one interface share one handle class, so they
 * are grouped by (handle class, class of the old instance): a handle frame whose callee's class is
 * not in the old instance's class hierarchy belongs to another group and is ignored (a call on an
 * instance runs, first, a method declared by its class, a superclass or an interface of it). A call
 * on another entry whose instance has the same class looks alike and makes the check wait longer,
 * never shorter; the swap's timeout bounds the wait. A stack as deep as the VM's reporting limit
 * might hide a frame, so it counts as pending too.
 *
 * <p><b>Virtual threads</b> (Java 21+) are in no snapshot; their calls are counted instead and
 * drained per entry ({@link VirtualCalls}). <b>Retired mediators</b> (of earlier, rolled-back swaps)
 * with calls in flight are waited for too.
 *
 * <p>Called only by the swapping thread.
 */
public final class Quiescence {

    /** HotSpot's default -XX:MaxJavaStackTraceDepth: a stack this deep may have been cut off. */
    static final int TRUNCATED_DEPTH = 1024;

    private static final ClassValue<Set<String>> CALLEES = new ClassValue<>() {
        @Override
        protected Set<String> computeValue(Class<?> c) {
            return hierarchy(c);
        }
    };

    private Quiescence() {
    }

    /** The jobs whose old instances share a handle class and an implementation class, and the threads pending for them. */
    private static final class Group {
        final String handleClass;
        final String proxyClass;
        final Set<String> callees;
        final List<SwapJob> jobs = new ArrayList<>();
        final List<Thread> pending = new ArrayList<>();

        Group(String handleClass, String proxyClass, Set<String> callees) {
            this.handleClass = handleClass;
            this.proxyClass = proxyClass;
            this.callees = callees;
        }

        Class<?> handleClass() {
            return jobs.get(0).entry.handleClass();
        }

        boolean pending(StackTraceElement[] stack) {
            return isPending(stack, handleClass, proxyClass, callees);
        }
    }

    /**
     * Waits until no thread has an untracked call in any job's entry, every retired mediator has
     * drained and every virtual-thread call that may have read an old target has returned.
     *
     * @return the jobs that were not quiescent at the deadline, each with a description of what still
     *         runs; empty when all are
     */
    static Map<SwapJob, String> await(List<SwapJob> jobs, long deadlineNanos) {
        Map<List<Object>, Group> groups = new LinkedHashMap<>();
        Map<SwapJob, Group> groupOf = new IdentityHashMap<>();
        for (SwapJob j : jobs) {
            Object old = j.oldInstance();
            List<Object> key = List.of(j.entry.handleClassName(), j.entry.proxyClassName(), old.getClass());
            Group g = groups.computeIfAbsent(key, k -> new Group(j.entry.handleClassName(), j.entry.proxyClassName(), calleeClasses(old)));
            g.jobs.add(j);
            groupOf.put(j, g);
        }
        Thread self = Thread.currentThread();
        List<Class<?>> handleClasses = new ArrayList<>();
        for (SwapJob j : jobs) {
            if (!handleClasses.contains(j.entry.handleClass())) {
                handleClasses.add(j.entry.handleClass());
            }
        }
        for (Map.Entry<Thread, StackTraceElement[]> e : snapshot(handleClasses, deadlineNanos).entrySet()) {
            if (e.getKey() == self) {
                continue;
            }
            for (Group g : groups.values()) {
                if (g.pending(e.getValue())) {
                    g.pending.add(e.getKey());
                }
            }
        }
        List<SwapJob> waiting = new ArrayList<>(jobs);
        long pause = 1_000; // ns, doubled up to 1 ms
        boolean first = true;
        boolean rechecked = false;
        while (true) {
            if (!first) {
                recheck(groups.values());
                rechecked = true;
            }
            first = false;
            waiting.removeIf(j -> groupOf.get(j).pending.isEmpty() && j.entry.retiredInFlight() == 0 && j.virtualDrained());
            if (waiting.isEmpty()) {
                return Map.of();
            }
            if (System.nanoTime() - deadlineNanos >= 0) {
                if (!rechecked) {
                    rechecked = true; // the snapshot itself outlasted the deadline: look once more before giving up
                    continue;
                }
                Map<SwapJob, String> late = new IdentityHashMap<>();
                for (SwapJob j : waiting) {
                    late.put(j, describe(j, groupOf.get(j)));
                }
                return late;
            }
            if (pause < 20_000) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(pause);
            }
            pause = Math.min(pause * 2, 1_000_000);
        }
    }

    /** On Java 17, past this many pending threads one new snapshot is cheaper than a stack trace (a safepoint) each. */
    static final int RESNAPSHOT = 8;

    /**
     * Whether {@link Thread#getStackTrace()} of another thread is a per-thread handshake (Java 19+)
     * rather than a safepoint of its own (Java 17): then the snapshot visits the threads one by one
     * and never stops all of them at once.
     */
    static final boolean HANDSHAKES = Runtime.version().feature() >= 19
            && !"false".equals(System.getProperty("swap.quiescence.handshakes")); // -Dswap.quiescence.handshakes=false: one global snapshot, for comparison

    /**
     * The stacks of every live platform thread, each taken after the call (after the mediators were
     * published). Java 17: one {@link Thread#getAllStackTraces()} (one safepoint). Java 19+: the
     * threads are listed without stopping them, then each stack is taken by a handshake with that
     * thread alone; a thread started after the listing started after the publication, so it can
     * reach an old instance only through a mediator.
     */
    /** Above this many live threads, the snapshot is one global safepoint again (measured: see docs/design.md). */
    static final int HANDSHAKE_LIMIT = Integer.getInteger("swap.quiescence.handshakeLimit", 64);

    static Map<Thread, StackTraceElement[]> snapshot(List<Class<?>> handleClasses, long deadlineNanos) {
        // Threads that reported themselves clean in the current counting epoch need no stack (Counting).
        Thread self = Thread.currentThread();
        Thread[] live = liveThreads();
        List<Thread> unknown = new ArrayList<>(live.length);
        java.util.function.Predicate<Thread> clean = Counting.cleanCheck(handleClasses);
        for (Thread t : live) {
            if (t != self && !Counting.timerThread(t) && !clean.test(t)) {
                unknown.add(t);
            }
        }
        java.util.function.Function<List<Thread>, Map<Thread, StackTraceElement[]>> ran = threads -> {
            // Of the threads that ran, those that call these handles report themselves at their next call.
            List<Thread> left = Counting.awaitReports(threads, handleClasses, deadlineNanos);
            return left.isEmpty() ? Map.of() : fresh(left);
        };
        if (SeenStacks.ENABLED) {
            // Threads that have not run since their stack was last taken keep it; the others are taken fresh.
            // Left out: threads whose stack shows no handle frame (SeenStacks.matters), which isPending would pass.
            return SeenStacks.stacks(unknown.toArray(new Thread[0]), ran);
        }
        return ran.apply(unknown);
    }

    /**
     * Fresh stacks of {@code threads}: one handshake each on Java 19+ (one snapshot above the
     * handshake limit), one snapshot on Java 17 unless only a few threads are asked for.
     */
    private static Map<Thread, StackTraceElement[]> fresh(List<Thread> threads) {
        if (HANDSHAKES ? threads.size() > HANDSHAKE_LIMIT : threads.size() > RESNAPSHOT) {
            return Thread.getAllStackTraces(); // many threads: one safepoint costs less than a handshake (or a safepoint) each
        }
        Map<Thread, StackTraceElement[]> m = new HashMap<>();
        Thread self = Thread.currentThread();
        for (Thread t : threads) {
            if (t != self) {
                m.put(t, t.getStackTrace());
            }
        }
        return m;
    }

    private static Thread[] liveThreads() {
        ThreadGroup root = Thread.currentThread().getThreadGroup();
        while (root.getParent() != null) {
            root = root.getParent();
        }
        Thread[] threads = new Thread[root.activeCount() + 16];
        int n;
        while ((n = root.enumerate(threads, true)) == threads.length) {
            threads = new Thread[threads.length * 2];
        }
        return java.util.Arrays.copyOf(threads, n);
    }

    /** Re-checks each pending thread once (one stack trace per thread, whatever the number of groups it is pending for). */
    private static void recheck(Iterable<Group> groups) {
        Set<Thread> pending = new HashSet<>();
        for (Group g : groups) {
            pending.addAll(g.pending);
        }
        Map<Thread, StackTraceElement[]> stacks = !HANDSHAKES && pending.size() > RESNAPSHOT ? Thread.getAllStackTraces() : new HashMap<>();
        for (Group g : groups) {
            g.pending.removeIf(t -> {
                if (!t.isAlive() || Counting.clean(t, List.of(g.handleClass()))) {
                    return true;
                }
                StackTraceElement[] stack = stacks.computeIfAbsent(t, Thread::getStackTrace);
                return !g.pending(stack);
            });
        }
    }

    private static String describe(SwapJob j, Group g) {
        List<String> parts = new ArrayList<>();
        if (!g.pending.isEmpty()) {
            StringBuilder b = new StringBuilder();
            for (Thread t : g.pending) {
                b.append(b.length() == 0 ? "" : ", ").append(t.getName());
            }
            parts.add("calls that began before the swap still run on thread(s) " + b);
        }
        int retired = j.entry.retiredInFlight();
        if (retired > 0) {
            parts.add(retired + " call(s) of an earlier, rolled-back swap still run");
        }
        String virtual = j.virtualRunning();
        if (!virtual.isEmpty()) {
            parts.add(virtual);
        }
        return parts.isEmpty() ? "calls that began before the swap were still running" : String.join("; ", parts);
    }

    /**
     * The classes whose methods a direct call on {@code instance} can run first: its class, its
     * superclasses and every interface they implement (default methods); cached per class.
     * {@code null} (any class) when the instance's class is hidden or synthetic (a lambda): its
     * frames are not reported.
     */
    static Set<String> calleeClasses(Object instance) {
        Class<?> c = instance.getClass();
        if (c.isHidden() || c.isSynthetic()) {
            return null;
        }
        return CALLEES.get(c);
    }

    private static Set<String> hierarchy(Class<?> c) {
        Set<String> names = new HashSet<>();
        Deque<Class<?>> todo = new ArrayDeque<>();
        todo.add(c);
        while (!todo.isEmpty()) {
            Class<?> k = todo.poll();
            if (k != null && names.add(k.getName())) {
                todo.add(k.getSuperclass() == null ? Object.class : k.getSuperclass());
                todo.addAll(List.of(k.getInterfaces()));
            }
        }
        return Set.copyOf(names);
    }

    /**
     * @param callees the classes a direct call on the old instance can run first ({@code null}: any)
     * @return whether {@code stack} (top frame first) shows a call through a handle of class
     *         {@code handleClass} that runs on the old instance, or is about to: a handle frame at the
     *         top, or one whose callee is neither a mediator nor a generated interposer chain
     *         ({@link ChainFactory#isChainClass}) nor a class another instance's call would show.
     *         Another entry whose instance is of the same class looks alike and is waited for too.
     */
    static boolean isPending(StackTraceElement[] stack, String handleClass, String proxyClass, Set<String> callees) {
        if (stack.length >= TRUNCATED_DEPTH) {
            return true;
        }
        for (int i = 0; i < stack.length; i++) {
            if (!stack[i].getClassName().equals(handleClass)) {
                continue;
            }
            if (HandleFactory.isCounted(stack[i].getMethodName())) {
                continue; // a counted call: its own entry's drain waits for it (VirtualCalls), not the stack check
            }
            if (i == 0) {
                return true; // inside the handle itself: it may have read the old target
            }
            String callee = stack[i - 1].getClassName();
            if (callee.equals(handleClass) && HandleFactory.isCounted(stack[i - 1].getMethodName())) {
                continue; // the handle method that chose the counted path: decided by that frame
            }
            if (ChainFactory.isChainClass(callee)) {
                continue; // an interposer chain: it ends at the inner handle, whose own frame decides
            }
            if (callee.equals(proxyClass)) {
                if (i == 1) {
                    return true; // entering a proxy: which one is not known yet
                }
                String handler = stack[i - 2].getClassName();
                if (handler.equals(Mediator.class.getName())) {
                    continue; // counted by the mediator
                }
            }
            if (callees == null || Objects.requireNonNull(callees).contains(callee)) {
                return true;
            }
        }
        return false;
    }
}
