package swap.example.simple;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.ServiceScope;

import swap.api.StateFormat;
import swap.api.StatefulComponent;
import swap.api.SwapConstants;
import swap.api.TransferContext;
import swap.example.counter.Counter;

/**
 * Version 1.1.0 of the simplest counter: the same state and formats as 1.0.0, so entries upgrade
 * to it with their count.
 *
 * <p>For the upgrade tests it can be told to refuse every import (configuration PID
 * {@code swap.example.simple.faults}, {@code fail.import=true}): a new version that is broken in
 * a way only a real swap shows; or to throw on every n-th increment ({@code fail.every=10}, or the
 * manifest header {@code X-Fail-Every: 10} of a build: 10 % of
 * calls fail, before counting, so no successful increment is lost): a new version that is worse in a
 * way only a watch shows.
 */
@Component(service = Counter.class, scope = ServiceScope.PROTOTYPE, configurationPid = "swap.example.simple.faults", property = {
        SwapConstants.IMPL_NAME + "=counter.simple",
        SwapConstants.IMPL_VERSION + "=1.1.0",
        "concurrency=shared"})
public class SimpleCounter implements Counter, StatefulComponent {

    static final StateFormat<AtomicLong> CELL = StateFormat.byReference("swap.example.counter.simple.cell", AtomicLong.class);

    private AtomicLong count = new AtomicLong();
    private volatile boolean failImport;
    private volatile long failEvery;
    private final AtomicLong calls = new AtomicLong();

    @Activate
    @Modified
    void configure(Map<String, Object> properties) {
        failImport = Boolean.parseBoolean(String.valueOf(properties.get("fail.import")));
        Object every = properties.get("fail.every");
        // or its own bundle's manifest says so (X-Fail-Every: 10): a build that is bad whatever the configuration, for the feed tests
        String header = org.osgi.framework.FrameworkUtil.getBundle(SimpleCounter.class) == null ? null
                : org.osgi.framework.FrameworkUtil.getBundle(SimpleCounter.class).getHeaders().get("X-Fail-Every");
        failEvery = every != null ? Long.parseLong(String.valueOf(every).trim()) : header != null ? Long.parseLong(header.trim()) : 0;
    }

    @Override
    public long increment() {
        long n = failEvery;
        if (n > 0 && calls.incrementAndGet() % n == 0) {
            throw new IllegalStateException("counter.simple 1.1.0 is configured to fail every " + n + "th increment (swap.example.simple.faults fail.every)");
        }
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
        return format.equals(CELL) ? count : (Object) count.get();
    }

    @Override
    public void importState(StateFormat<?> format, Object state, TransferContext context) {
        if (failImport) {
            throw new IllegalStateException("counter.simple 1.1.0 is configured to refuse imports (swap.example.simple.faults fail.import=true)");
        }
        if (format.equals(CELL)) {
            count = CELL.cast(state);
        } else if (format.equals(Counter.VALUE)) {
            count.set(Counter.VALUE.cast(state));
        }
    }
}
