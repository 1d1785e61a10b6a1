package swap.disttest.support;

import java.util.List;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ServiceScope;

import swap.api.StateFormat;
import swap.api.StatefulComponent;
import swap.api.SwapConstants;
import swap.api.TransferContext;
import swap.example.counter.Counter;

/**
 * Test support: a counter that imports only a format of its own, so no other counter can be swapped
 * to it ("no state format in common").
 */
@Component(service = Counter.class, scope = ServiceScope.PROTOTYPE, property = {
        SwapConstants.IMPL_NAME + "=counter.alien",
        SwapConstants.IMPL_VERSION + "=1.0.0",
        "concurrency=alien"})
public class AlienCounter implements Counter, StatefulComponent {
    static final StateFormat<long[]> OWN = StateFormat.canonical("swap.disttest.alien.v1", long[].class);

    private long count;

    @Override
    public synchronized long increment() {
        return ++count;
    }

    @Override
    public synchronized long get() {
        return count;
    }

    @Override
    public List<StateFormat<?>> exportFormats() {
        return List.of(OWN);
    }

    @Override
    public List<StateFormat<?>> importFormats() {
        return List.of(OWN);
    }

    @Override
    public synchronized Object exportState(StateFormat<?> format) {
        return new long[] {count};
    }

    @Override
    public synchronized void importState(StateFormat<?> format, Object state, TransferContext context) {
        count = OWN.cast(state)[0];
    }
}
