package swap.kernel;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The counted call path for threads that no stack snapshot can see, virtual threads (Java 21+), and
 * for every thread while a swap of the entry's interface runs ({@link Counting}): K42's generation
 * counts, paid only then.
 *
 * <p>A platform thread's call through a handle records nothing; the swap finds it on its stack
 * ({@link Quiescence}). A virtual thread that is parked (or mounted) inside a call is in no
 * {@link Thread#getAllStackTraces()} snapshot, so the generated handle sends a virtual thread's call
 * through {@link AbstractHandle#enter()} / {@link AbstractHandle#exit(int)}: it increments a counter
 * of the entry's current <em>epoch</em>, then reads the target, calls it, and decrements the same
 * counter. The counters are striped by thread id (and padded) so concurrent callers do not
 * serialise on one cache line.
 *
 * <p>A swap publishes its mediator, then {@link Drain#poll() drains}: it waits for the epoch that is
 * about to become current to be empty (stragglers of an earlier, rolled-back swap), flips the
 * epoch, then waits for the previous epoch's counters to reach zero.
 *
 * <p>Why this is safe (memory model): every access here is volatile or atomic, so all of them lie in
 * one synchronization order consistent with each thread's program order. A call does
 * {@code R(epoch)=e; RMW(cell[e])++; R(target)}; the swap does {@code W(target=mediator); W(epoch=e+1);
 * R(cell[e])}. If the swap reads a cell as zero, a call counted in it either ended before that read
 * or incremented it after; in the second case its {@code R(target)} follows {@code W(target)} and it
 * sees the mediator (or what came after), so it never runs on the old instance unseen. A call that
 * read the epoch {@code e} just before the flip and increments after the swap's read sees the mediator
 * for the same reason. Cells never go negative (a call increments and decrements the same cell), so
 * reading them one by one is enough: each cell that reads zero has no call of that epoch that
 * read the old target.
 *
 * <p>Created lazily, on an entry's first virtual-thread call, so entries only ever called by platform
 * threads pay no memory for it. Thread-safe.
 */
public final class VirtualCalls {

    /** Stripes per epoch: a power of two, about twice the number of carrier threads. */
    static final int STRIPES = Integer.highestOneBit(Math.max(2, Runtime.getRuntime().availableProcessors()) * 2 - 1) * 2;
    /** Longs per cell: 128 bytes, so two cells never share a cache line (nor an adjacent-line prefetch pair). */
    private static final int PAD = 16;

    private final AtomicLongArray cells = new AtomicLongArray(2 * STRIPES * PAD);
    private volatile int epoch;

    /** Called by a virtual thread before it reads the target. @return the cell to give to {@link #exit} */
    int enter() {
        int stripe = (int) Thread.currentThread().getId() & (STRIPES - 1);
        int index = (((epoch & 1) * STRIPES) + stripe) * PAD;
        cells.getAndIncrement(index);
        return index;
    }

    /** Called by the same thread when its call returned or threw. */
    void exit(int cell) {
        cells.getAndDecrement(cell);
    }

    /** @return the number of calls counted in epoch slot {@code slot}, for tests and messages */
    long count(int slot) {
        long n = 0;
        for (int s = 0; s < STRIPES; s++) {
            n += cells.get((slot * STRIPES + s) * PAD);
        }
        return n;
    }

    private boolean empty(int slot) {
        for (int s = 0; s < STRIPES; s++) {
            if (cells.get((slot * STRIPES + s) * PAD) != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Called by the swapping thread right after it published the mediator. Flips the epoch at once
     * unless stragglers of an earlier swap hold the other one, so calls that begin after the
     * publication (and reach the mediator, which counts them itself) are not waited for here.
     */
    Drain drain() {
        Drain d = new Drain();
        d.poll();
        return d;
    }

    /** One swap's wait for the virtual-thread calls that may have read the old target. Used by one thread. */
    public final class Drain {
        private final int old = epoch & 1;
        private boolean flipped;

        /** @return whether every counted call that may have read the old target has returned */
        boolean poll() {
            if (!flipped) {
                if (!empty(old ^ 1)) {
                    return false; // stragglers of an earlier swap that did not wait them out (rolled back)
                }
                epoch = epoch + 1; // only swapping threads write, and one swap runs per entry at a time
                flipped = true;
            }
            return empty(old);
        }

        /** @return how many calls still hold the epoch being drained */
        long running() {
            return count(old) + (flipped ? 0 : count(old ^ 1));
        }
    }
}
