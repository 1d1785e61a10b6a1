package swap.monitor.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ServiceScope;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import swap.api.Interposer;
import swap.api.Invocation;
import swap.api.Monitor;
import swap.api.SwapConstants;

/**
 * Adds a configured delay before or after every call of an entry: for exploring races and for
 * making swaps time out in tests. Configuration PID {@code swap.monitor.delay}.
 */
@Component(service = Interposer.class, scope = ServiceScope.PROTOTYPE, configurationPid = "swap.monitor.delay",
        property = SwapConstants.INTERPOSER_NAME + "=delay")
@Designate(ocd = DelayInjector.Config.class)
public class DelayInjector implements Monitor {

    @ObjectClassDefinition(id = "swap.monitor.delay", name = "Delay injector", description = "Delays the calls of the entries it is put on.")
    public @interface Config {
        @AttributeDefinition(name = "Delay (microseconds)", min = "0")
        long delay_micros() default 1000;

        @AttributeDefinition(name = "Where", description = "before: the delay runs before the call reaches the instance; after: once it returned.",
                options = {@org.osgi.service.metatype.annotations.Option(value = "before"), @org.osgi.service.metatype.annotations.Option(value = "after")})
        String where() default "before";
    }

    private final long delayNanos;
    private final boolean before;
    private final LongAdder delayed = new LongAdder();

    @Activate
    public DelayInjector(Config config) {
        this(config.delay_micros(), !"after".equals(config.where()));
    }

    DelayInjector(long delayMicros, boolean before) {
        this.delayNanos = TimeUnit.MICROSECONDS.toNanos(delayMicros);
        this.before = before;
    }

    @Override
    public Object invoke(Invocation call) throws Throwable {
        if (before) {
            pause();
        }
        try {
            return call.proceed();
        } finally {
            if (!before) {
                pause();
            }
        }
    }

    private void pause() {
        delayed.increment();
        long end = System.nanoTime() + delayNanos;
        for (long left = delayNanos; left > 0; left = end - System.nanoTime()) {
            LockSupport.parkNanos(left);
        }
    }

    @Override
    public Map<String, Object> statistics() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("delayedCalls", delayed.sum());
        m.put("delayMicros", TimeUnit.NANOSECONDS.toMicros(delayNanos));
        m.put("where", before ? "before" : "after");
        return m;
    }
}
