package swap.example.bad;

import java.util.concurrent.atomic.AtomicLong;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ServiceScope;

import swap.api.SwapConstants;
import swap.example.counter.Counter;

/**
 * {@code counter.bad}: every tenth {@link #increment()} throws (before counting, so no successful
 * increment is lost): 10 % of the calls fail. A watched swap to it is swapped back.
 */
@Component(service = Counter.class, scope = ServiceScope.PROTOTYPE, property = {
        SwapConstants.IMPL_NAME + "=counter.bad",
        SwapConstants.IMPL_VERSION + "=1.0.0"})
public class FailingCounter extends ValueCounter {
    private final AtomicLong calls = new AtomicLong();

    @Override
    public long increment() {
        if (!held() && calls.incrementAndGet() % 10 == 0) {
            throw new IllegalStateException("counter.bad: every tenth increment fails");
        }
        return super.increment();
    }
}
