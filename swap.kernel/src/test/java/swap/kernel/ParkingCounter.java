package swap.kernel;

import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import swap.api.StateFormat;
import swap.api.StatefulComponent;
import swap.api.TransferContext;

/**
 * A counter whose every increment parks inside the instance before it counts: it sleeps, waits on a
 * blocking queue, or parks on a contended {@link ReentrantLock}. A virtual thread parked this way
 * is unmounted, so no stack snapshot shows it: the swap must see it some other way. State moves as
 * a canonical value only, so an increment that lands on an instance after its export is lost from
 * the total, and is also counted in {@link #LATE}.
 */
class ParkingCounter implements Counter, StatefulComponent {

    static final StateFormat<Long> VALUE = StateFormat.canonical("parking.value", Long.class);
    /** Increments that ran on an instance after its state was exported: must stay 0. */
    static final AtomicLong LATE = new AtomicLong();

    private final ReentrantLock lock = new ReentrantLock();
    private final BlockingQueue<Object> never = new ArrayBlockingQueue<>(1);
    private final AtomicLong value = new AtomicLong();
    private volatile boolean exported;

    @Override
    public long increment() {
        try {
            switch (ThreadLocalRandom.current().nextInt(3)) {
                case 0 -> Thread.sleep(1);
                case 1 -> never.poll(1, TimeUnit.MILLISECONDS);
                default -> {
                    lock.lock(); // 200 callers contend: most park here
                    try {
                        Thread.onSpinWait();
                    } finally {
                        lock.unlock();
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        if (exported) {
            LATE.incrementAndGet();
        }
        return value.incrementAndGet();
    }

    @Override
    public long get() {
        return value.get();
    }

    @Override
    public List<StateFormat<?>> exportFormats() {
        return List.of(VALUE);
    }

    @Override
    public List<StateFormat<?>> importFormats() {
        return List.of(VALUE);
    }

    @Override
    public Object exportState(StateFormat<?> format) {
        exported = true;
        return value.get();
    }

    @Override
    public void importState(StateFormat<?> format, Object state, TransferContext context) {
        value.set((Long) state);
    }

    /** The same code under a second class, so swaps alternate between two implementation classes. */
    static final class Other extends ParkingCounter {
    }
}
