package swap.monitor.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ServiceScope;

import swap.api.Interposer;
import swap.api.Invocation;
import swap.api.Monitor;
import swap.api.SwapConstants;

/**
 * Senses contention on an entry: how many calls are in flight at once (now and at most), and how
 * many distinct threads called it in the last complete time window (1 s) and in the current one.
 * Policies read {@link #threadsLastWindow()} and {@link #maxInFlight()} to decide whether a
 * component is used by several threads at once.
 */
@Component(service = Interposer.class, scope = ServiceScope.PROTOTYPE, property = SwapConstants.INTERPOSER_NAME + "=contention")
public class ContentionSensor implements Monitor {

    private final long windowNanos;

    public ContentionSensor() {
        this(1000);
    }

    /** A sensor with windows of {@code windowMillis} (outside OSGi: tests, benchmarks). */
    public ContentionSensor(long windowMillis) {
        this.windowNanos = windowMillis * 1_000_000L;
    }

    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private volatile Window current = new Window(System.nanoTime());
    private volatile int lastThreads;
    private volatile int lastMaxInFlight;

    private static final class Window {
        final long start;
        final Set<Long> threads = ConcurrentHashMap.newKeySet();

        Window(long start) {
            this.start = start;
        }
    }

    @Override
    public Object invoke(Invocation call) throws Throwable {
        Window w = roll(System.nanoTime());
        w.threads.add(Thread.currentThread().getId());
        int n = inFlight.incrementAndGet();
        if (n > maxInFlight.get()) {
            maxInFlight.accumulateAndGet(n, Math::max);
        }
        try {
            return call.proceed();
        } finally {
            inFlight.decrementAndGet();
        }
    }

    private Window roll(long now) {
        Window w = current;
        if (now - w.start < windowNanos) {
            return w;
        }
        synchronized (this) {
            w = current;
            if (now - w.start >= windowNanos) {
                boolean skipped = now - w.start >= 2 * windowNanos; // a whole window without calls
                lastThreads = skipped ? 0 : w.threads.size();
                lastMaxInFlight = skipped ? 0 : maxInFlight.getAndSet(inFlight.get());
                w = new Window(now);
                current = w;
            }
            return w;
        }
    }

    /** @return distinct calling threads in the last complete window (0 if it had no calls) */
    public int threadsLastWindow() {
        roll(System.nanoTime());
        return lastThreads;
    }

    /** @return the most calls in flight at once in the last complete window */
    public int maxInFlight() {
        roll(System.nanoTime());
        return lastMaxInFlight;
    }

    @Override
    public Map<String, Object> statistics() {
        roll(System.nanoTime());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("inFlight", inFlight.get());
        m.put("maxInFlightLastWindow", lastMaxInFlight);
        m.put("threadsLastWindow", lastThreads);
        m.put("threadsThisWindow", current.threads.size());
        m.put("windowMillis", windowNanos / 1_000_000);
        return m;
    }
}
