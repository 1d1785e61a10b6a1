package ${package};

import java.util.List;
import java.util.concurrent.atomic.LongAdder;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ServiceScope;

import swap.api.StateFormat;
import swap.api.StatefulComponent;
import swap.api.SwapConstants;
import swap.api.TransferContext;
import swap.example.counter.Counter;

/**
 * A counter implementation for the swap platform: a DS component of prototype scope (one instance
 * per swappable entry), registered under the component interface with a name, a version and a
 * characteristic that swap targets select on, carrying its count across swaps in the canonical
 * format {@link Counter#VALUE} that every counter implementation reads.
 */
@Component(service = Counter.class, scope = ServiceScope.PROTOTYPE, property = {
        SwapConstants.IMPL_NAME + "=${implName}",
        SwapConstants.IMPL_VERSION + "=1.0.0",
        "concurrency=distributed"})
public class MyCounter implements Counter, StatefulComponent {

    private final LongAdder count = new LongAdder();

    @Override
    public long increment() {
        count.increment();
        return count.sum();
    }

    @Override
    public long get() {
        return count.sum();
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
        // Runs while no call runs in this instance; leaves it intact (a failed import rolls back to it).
        return count.sum();
    }

    @Override
    public void importState(StateFormat<?> format, Object state, TransferContext context) {
        if (format.equals(Counter.VALUE)) {
            count.add(Counter.VALUE.cast(state));
        } // StateFormat.EMPTY: start at zero
    }
}
