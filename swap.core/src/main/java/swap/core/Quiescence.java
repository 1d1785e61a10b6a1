package swap.core;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * Finds the calls that entered an entry's old instance <em>before</em> the mediator was interposed
 * and waits for them to return: Linux livepatch's consistency model, applied to one entry.
 *
 * <p>Nothing on the normal call path records a call, so the only trace of such a call is on its
 * thread's stack: a frame of the entry's generated handle class directly below a frame of the
 * implementation. Right after the mediator is published, one snapshot of every thread is taken
 * ({@link Thread#getAllStackTraces()}: each thread is stopped at a safepoint or handshake, which
 * orders the publication before everything the thread does after it). A thread whose snapshot
 * shows a handle frame whose callee is not the mediator or an interposer chain is <em>pending</em>:
 * it either runs a call on the old instance or has read the target and is about to call it.
 * Pending threads are re-checked one at a time ({@link Thread#getStackTrace()}) until that frame is
 * gone; a thread that was not pending cannot call the old instance except through the mediator,
 * because its next read of the volatile target follows the snapshot.
 *
 * <p>Frames name classes, not instances. A handle frame whose callee's class is not in the old
 * instance's class hierarchy belongs to another entry and is ignored (a call on an instance runs,
 * first, a method declared by its class, a superclass or an interface of it). A call on another
 * entry whose instance has the same class looks alike and makes the check wait longer, never
 * shorter; the swap's timeout bounds the wait. A stack as
 * deep as the VM's reporting limit might hide a frame, so it counts as pending too.
 *
 * <p>Called only by the swapping thread.
 */
final class Quiescence {

    /** HotSpot's default -XX:MaxJavaStackTraceDepth: a stack this deep may have been cut off. */
    static final int TRUNCATED_DEPTH = 1024;

    private Quiescence() {
    }

    /**
     * Waits until no thread has an untracked call in {@code entry} and every retired mediator has
     * drained.
     *
     * @return {@code null} when done, else a description of what still runs at the deadline
     */
    static String awaitUntracked(EntryImpl<?> entry, Object oldInstance, long deadlineNanos) {
        Thread self = Thread.currentThread();
        String handleClass = entry.handleClassName();
        String proxyClass = entry.proxyClassName();
        Set<String> callees = calleeClasses(oldInstance);
        List<Thread> pending = new ArrayList<>();
        for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
            if (e.getKey() != self && isPending(e.getValue(), handleClass, proxyClass, callees)) {
                pending.add(e.getKey());
            }
        }
        long pause = 1_000; // ns, doubled up to 1 ms
        while (true) {
            pending.removeIf(t -> !t.isAlive() || !isPending(t.getStackTrace(), handleClass, proxyClass, callees));
            int retired = entry.retiredInFlight();
            if (pending.isEmpty() && retired == 0) {
                return null;
            }
            if (System.nanoTime() - deadlineNanos >= 0) {
                StringBuilder b = new StringBuilder();
                for (Thread t : pending) {
                    b.append(b.length() == 0 ? "" : ", ").append(t.getName());
                }
                return (pending.isEmpty() ? "" : "calls that began before the swap still run on thread(s) " + b)
                        + (retired == 0 ? "" : (pending.isEmpty() ? "" : "; ") + retired + " call(s) of an earlier, rolled-back swap still run");
            }
            if (pause < 20_000) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(pause);
            }
            pause = Math.min(pause * 2, 1_000_000);
        }
    }

    /**
     * The classes whose methods a direct call on {@code instance} can run first: its class, its
     * superclasses and every interface they implement (default methods). {@code null} (any class)
     * when the instance's class is hidden or synthetic (a lambda): its frames are not reported.
     */
    static Set<String> calleeClasses(Object instance) {
        Class<?> c = instance.getClass();
        if (c.isHidden() || c.isSynthetic()) {
            return null;
        }
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
        return names;
    }

    /**
     * @param callees the classes a direct call on the old instance can run first ({@code null}: any)
     * @return whether {@code stack} (top frame first) shows a call through a handle of class
     *         {@code handleClass} that runs on the old instance, or is about to: a handle frame at the
     *         top, or one whose callee is neither a mediator or interposer chain nor a class another
     *         instance's call would show. Another entry whose instance is of the same class looks
     *         alike and is waited for too.
     */
    static boolean isPending(StackTraceElement[] stack, String handleClass, String proxyClass, Set<String> callees) {
        if (stack.length >= TRUNCATED_DEPTH) {
            return true;
        }
        for (int i = 0; i < stack.length; i++) {
            if (!stack[i].getClassName().equals(handleClass)) {
                continue;
            }
            if (i == 0) {
                return true; // inside the handle itself: it may have read the old target
            }
            String callee = stack[i - 1].getClassName();
            if (callee.equals(proxyClass)) {
                if (i == 1) {
                    return true; // entering a proxy: which one is not known yet
                }
                String handler = stack[i - 2].getClassName();
                if (handler.equals(Mediator.class.getName()) || handler.equals(InterposerChain.class.getName())) {
                    continue; // counted by a mediator, or the inner handle's own frame decides
                }
            }
            if (callees == null || callees.contains(callee)) {
                return true;
            }
        }
        return false;
    }
}
