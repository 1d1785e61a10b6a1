package swap.example.fcm;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ServiceScope;

import swap.api.Interposer;
import swap.api.Invocation;

/**
 * An example monitor: counts the calls of an entry, the ones that threw, and their mean time.
 *
 * <p>Offered to operators as an {@link Interposer} service with the property
 * {@code swap.interposer.name} ({@code swap:interpose ID example.calls}); prototype scope, so each
 * entry gets its own counts. Its statistics are what {@link #get()} returns: the shell's
 * {@code swap:stats ID} shows them for every monitor that is a {@code Supplier<Map<String, Object>>}.
 *
 * <p>Thread-safe: the counters are {@link LongAdder}s, so concurrent callers do not contend.
 */
@Component(service = Interposer.class, scope = ServiceScope.PROTOTYPE, property = "swap.interposer.name=example.calls")
public class CallCounter implements Interposer, Supplier<Map<String, Object>> {
    private final LongAdder calls = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder nanos = new LongAdder();

    @Override
    public Object invoke(Invocation call) throws Throwable {
        long t = System.nanoTime();
        try {
            return call.proceed();
        } catch (Throwable e) {
            failed.increment();
            throw e;
        } finally {
            nanos.add(System.nanoTime() - t);
            calls.increment();
        }
    }

    @Override
    public Map<String, Object> get() {
        long n = calls.sum();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("calls", n);
        m.put("failed", failed.sum());
        m.put("mean-us", n == 0 ? 0.0 : nanos.sum() / 1e3 / n);
        return m;
    }
}
