package swap.example.bad;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import swap.api.StateFormat;
import swap.api.StatefulComponent;
import swap.api.TransferContext;
import swap.example.counter.Counter;

/** A correct counter that moves its state in the canonical {@link Counter#VALUE} format; the bad ones below break it on purpose. */
abstract class ValueCounter implements Counter, StatefulComponent {
    final AtomicLong count = new AtomicLong();

    /** For tests and demos: while the system property {@code swap.example.bad.hold} is {@code true} the bad counters behave. */
    static boolean held() {
        return Boolean.getBoolean("swap.example.bad.hold");
    }

    @Override
    public long increment() {
        return count.incrementAndGet();
    }

    @Override
    public long get() {
        return count.get();
    }

    @Override
    public List<StateFormat<?>> exportFormats() {
        return List.of(Counter.VALUE);
    }

    @Override
    public List<StateFormat<?>> importFormats() {
        return List.of(Counter.VALUE, StateFormat.EMPTY);
    }

    @Override
    public Object exportState(StateFormat<?> format) {
        return format.equals(Counter.VALUE) ? count.get() : null;
    }

    @Override
    public void importState(StateFormat<?> format, Object state, TransferContext context) {
        if (format.equals(Counter.VALUE)) {
            count.set(Counter.VALUE.cast(state));
        }
    }
}
