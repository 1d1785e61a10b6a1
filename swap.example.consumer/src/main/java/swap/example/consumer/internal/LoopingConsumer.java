package swap.example.consumer.internal;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

import swap.example.consumer.RequestLoop;
import swap.example.store.api.SessionStore;

/**
 * An ordinary consumer: nothing in it knows about the swap platform. Its reference is static and
 * mandatory (the default), so without the platform every restart of the store's bundle deactivates
 * and re-activates it. On activation it puts 5,000 user keys into an empty store, then a thread
 * serves requests (one increment of {@code session-0..99} each, with a 0.1 ms pause) until it is
 * deactivated. Also the Gogo command {@code store:stats}.
 */
@Component(immediate = true, property = {"osgi.command.scope=store", "osgi.command.function=stats"})
public class LoopingConsumer implements RequestLoop {

    static final int USERS = 5_000;

    private static final AtomicLong ACTIVATIONS = new AtomicLong();
    private static final AtomicLong SERVED = new AtomicLong();
    private static final AtomicLong FAILURES = new AtomicLong();
    private static final AtomicReference<String> FIRST_FAILURE = new AtomicReference<>();

    @Reference(target = "(store=main)")
    SessionStore store;

    private volatile boolean running = true;
    private Thread loop;

    @Activate
    void activate() {
        ACTIVATIONS.incrementAndGet();
        if (store.size() == 0) {
            for (int i = 0; i < USERS; i++) {
                store.put("user-" + i, i);
            }
        }
        loop = new Thread(this::serve, "example-consumer-loop");
        loop.setDaemon(true);
        loop.start();
    }

    private void serve() {
        long n = 0;
        while (running) {
            try {
                store.increment("session-" + (n++ % 100));
                SERVED.incrementAndGet();
            } catch (RuntimeException ex) {
                FAILURES.incrementAndGet();
                FIRST_FAILURE.compareAndSet(null, ex.toString());
            }
            LockSupport.parkNanos(100_000);
        }
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        stop();
    }

    @Override
    public void stop() throws InterruptedException {
        running = false;
        Thread t = loop;
        if (t != null) {
            t.join(10_000);
        }
    }

    @Override
    public long activations() {
        return ACTIVATIONS.get();
    }

    @Override
    public long served() {
        return SERVED.get();
    }

    @Override
    public long failures() {
        return FAILURES.get();
    }

    @Override
    public String firstFailure() {
        return FIRST_FAILURE.get();
    }

    @Override
    public String stats() {
        return "activations " + activations() + ", requests served " + served() + ", failed " + failures()
                + ", store " + store.version() + " holds " + store.size() + " keys (service object " + store.getClass().getSimpleName() + ")";
    }
}
