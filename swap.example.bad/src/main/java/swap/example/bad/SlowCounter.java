package swap.example.bad;

import java.util.concurrent.locks.LockSupport;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ServiceScope;

import swap.api.SwapConstants;
import swap.example.counter.Counter;

/** {@code counter.slow}: correct, but every {@link #increment()} takes 2 ms more (parked): its p99 is far above any in-memory counter's. */
@Component(service = Counter.class, scope = ServiceScope.PROTOTYPE, property = {
        SwapConstants.IMPL_NAME + "=counter.slow",
        SwapConstants.IMPL_VERSION + "=1.0.0"})
public class SlowCounter extends ValueCounter {
    @Override
    public long increment() {
        if (!held()) {
            LockSupport.parkNanos(2_000_000);
        }
        return super.increment();
    }
}
