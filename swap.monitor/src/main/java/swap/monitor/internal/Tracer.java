package swap.monitor.internal;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ServiceScope;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import swap.api.Interposer;
import swap.api.Invocation;
import swap.api.Monitor;
import swap.api.SwapConstants;

/**
 * Traces calls to the OSGi log (logger {@code swap.trace}, level INFO): entry id, method, a summary
 * of the arguments and the result or what was thrown. Rate-limited: at most
 * {@code max.per.second} lines a second; the rest are counted as suppressed.
 */
@Component(service = Interposer.class, scope = ServiceScope.PROTOTYPE, configurationPid = "swap.monitor.tracer",
        property = SwapConstants.INTERPOSER_NAME + "=tracer")
@Designate(ocd = Tracer.Config.class)
public class Tracer implements Monitor {

    @ObjectClassDefinition(id = "swap.monitor.tracer", name = "Call tracer", description = "Traces the calls of the entries it is put on to the OSGi log.")
    public @interface Config {
        @AttributeDefinition(name = "Lines per second", description = "The most calls traced per second; the others are counted as suppressed.", min = "1")
        int max_per_second() default 100;

        @AttributeDefinition(name = "Summary length", description = "Arguments and results are cut to this many characters.", min = "8")
        int summary_length() default 80;
    }

    private final Logger logger;
    private final int maxPerSecond;
    private final int summaryLength;
    private final AtomicLong traced = new AtomicLong();
    private final AtomicLong suppressed = new AtomicLong();
    private final AtomicLong windowStart = new AtomicLong(System.nanoTime());
    private final AtomicLong inWindow = new AtomicLong();

    @Activate
    public Tracer(@Reference(service = LoggerFactory.class) Logger logger, Config config) {
        this(logger, config.max_per_second(), config.summary_length());
    }

    Tracer(Logger logger, int maxPerSecond, int summaryLength) {
        this.logger = logger;
        this.maxPerSecond = maxPerSecond;
        this.summaryLength = summaryLength;
    }

    @Override
    public Object invoke(Invocation call) throws Throwable {
        boolean trace = admit();
        try {
            Object r = call.proceed();
            if (trace) {
                logger.info("entry {} {}({}) -> {}", call.entryId(), call.method().getName(), summary(call.arguments()), summary(r));
            }
            return r;
        } catch (Throwable t) {
            if (trace) {
                logger.info("entry {} {}({}) threw {}", call.entryId(), call.method().getName(), summary(call.arguments()), summary(t));
            }
            throw t;
        }
    }

    private boolean admit() {
        long now = System.nanoTime();
        long start = windowStart.get();
        if (now - start >= 1_000_000_000L && windowStart.compareAndSet(start, now)) {
            inWindow.set(0);
        }
        if (inWindow.incrementAndGet() <= maxPerSecond) {
            traced.incrementAndGet();
            return true;
        }
        suppressed.incrementAndGet();
        return false;
    }

    String summary(Object o) {
        String s = o instanceof Object[] ? Arrays.deepToString((Object[]) o) : o instanceof byte[] ? "byte[" + ((byte[]) o).length + "]" : String.valueOf(o);
        if (o instanceof Object[]) {
            s = s.substring(1, s.length() - 1);
        }
        return s.length() <= summaryLength ? s : s.substring(0, summaryLength - 3) + "...";
    }

    @Override
    public Map<String, Object> statistics() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("traced", traced.get());
        m.put("suppressed", suppressed.get());
        return m;
    }
}
