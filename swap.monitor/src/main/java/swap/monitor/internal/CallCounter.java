package swap.monitor.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ServiceScope;

import swap.api.Interposer;
import swap.api.Invocation;
import swap.api.Monitor;
import swap.api.SwapConstants;

/**
 * Counts calls and the calls that threw, and their rate since the monitor was put on the entry.
 * A {@link LongAdder} per count: callers on many threads do not contend.
 */
@Component(service = Interposer.class, scope = ServiceScope.PROTOTYPE, property = SwapConstants.INTERPOSER_NAME + "=calls")
public class CallCounter implements Monitor {

    private final LongAdder calls = new LongAdder();
    private final LongAdder thrown = new LongAdder();
    private final long since = System.nanoTime();

    @Override
    public Object invoke(Invocation call) throws Throwable {
        calls.increment();
        try {
            return call.proceed();
        } catch (Throwable t) {
            thrown.increment();
            throw t;
        }
    }

    @Override
    public Map<String, Object> statistics() {
        long n = calls.sum();
        double seconds = Math.max(1e-9, (System.nanoTime() - since) / 1e9);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("calls", n);
        m.put("thrown", thrown.sum());
        m.put("callsPerSecond", Math.round(n / seconds));
        return m;
    }
}
