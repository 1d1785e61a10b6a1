package swap.example.bad;

import java.util.concurrent.atomic.AtomicLong;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ServiceScope;

import swap.api.SwapConstants;
import swap.example.counter.Counter;

/** {@code counter.lying}: right for its first 50 {@link #get()} calls, then one too many. A canary swap to it is aborted. */
@Component(service = Counter.class, scope = ServiceScope.PROTOTYPE, property = {
        SwapConstants.IMPL_NAME + "=counter.lying",
        SwapConstants.IMPL_VERSION + "=1.0.0"})
public class LyingCounter extends ValueCounter {
    private final AtomicLong gets = new AtomicLong();

    @Override
    public long get() {
        return gets.incrementAndGet() > 50 && !held() ? super.get() + 1 : super.get();
    }
}
