package swap.example.simple;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ServiceScope;

import swap.api.StateFormat;
import swap.api.StatefulComponent;
import swap.api.SwapConstants;
import swap.api.TransferContext;
import swap.example.counter.Counter;

/**
 * The simplest counter: one {@link AtomicLong}, the cheapest for one thread.
 *
 * <p>This class is everything an implementation bundle needs: a DS component of prototype scope
 * (one instance per swappable entry), registered under the component interface with a name, a
 * version and characteristics, that exports and imports its state.
 */
@Component(service = Counter.class, scope = ServiceScope.PROTOTYPE, property = {
        SwapConstants.IMPL_NAME + "=counter.simple",
        SwapConstants.IMPL_VERSION + "=1.0.0",
        "concurrency=shared"})
public class SimpleCounter implements Counter, StatefulComponent {

    /** This implementation's own format: the AtomicLong itself, handed over by reference in O(1). */
    static final StateFormat<AtomicLong> CELL = StateFormat.byReference("swap.example.counter.simple.cell", AtomicLong.class);

    private AtomicLong count = new AtomicLong();

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
        return List.of(CELL, Counter.VALUE);
    }

    @Override
    public List<StateFormat<?>> importFormats() {
        return List.of(CELL, Counter.VALUE, StateFormat.EMPTY);
    }

    @Override
    public Object exportState(StateFormat<?> format) {
        // Called only when no call runs in this instance; must leave it intact (a failed import rolls back).
        return format.equals(CELL) ? count : (Object) count.get();
    }

    @Override
    public void importState(StateFormat<?> format, Object state, TransferContext context) {
        if (format.equals(CELL)) {
            count = CELL.cast(state);
        } else if (format.equals(Counter.VALUE)) {
            count.set(Counter.VALUE.cast(state));
        } // EMPTY: start at zero
    }
}
