package swap.disttest.support;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ServiceScope;

import swap.api.StateFormat;
import swap.api.StatefulComponent;
import swap.api.SwapConstants;
import swap.api.TransferContext;
import swap.example.counter.Counter;

/**
 * Test support: a counter whose import waits until the file {@value #GATE} exists in the working
 * directory (at most 60 s), so a test can hold a swap in its transfer phase, try a second swap of the
 * same entry, and then let the first one finish by creating the file.
 */
@Component(service = Counter.class, scope = ServiceScope.PROTOTYPE, property = {
        SwapConstants.IMPL_NAME + "=counter.slow",
        SwapConstants.IMPL_VERSION + "=1.0.0",
        "concurrency=shared"})
public class SlowCounter implements Counter, StatefulComponent {
    public static final String GATE = "slow-counter.gate";

    private final AtomicLong count = new AtomicLong();

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
        return List.of(Counter.VALUE);
    }

    @Override
    public Object exportState(StateFormat<?> format) {
        return count.get();
    }

    @Override
    public void importState(StateFormat<?> format, Object state, TransferContext context) throws InterruptedException {
        Path gate = Paths.get(GATE).toAbsolutePath();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(gate) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        count.set(Counter.VALUE.cast(state));
    }
}
