package swap.example.striped;

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
 * A counter for many threads: a {@link LongAdder} spreads increments over cells, so threads do not
 * contend on one cache line; reading the count costs more. Carries its state in the counter's
 * canonical format, so it can replace {@code counter.simple} and be replaced by it.
 */
@Component(service = Counter.class, scope = ServiceScope.PROTOTYPE, property = {
        SwapConstants.IMPL_NAME + "=counter.striped",
        SwapConstants.IMPL_VERSION + "=1.1.0",
        "concurrency=distributed"})
public class StripedCounter implements Counter, StatefulComponent {

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
        return count.sum();
    }

    @Override
    public void importState(StateFormat<?> format, Object state, TransferContext context) {
        if (format.equals(Counter.VALUE)) {
            count.add(Counter.VALUE.cast(state));
        }
    }
}
