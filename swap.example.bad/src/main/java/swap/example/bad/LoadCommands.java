package swap.example.bad;

import java.util.concurrent.atomic.AtomicLong;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import swap.api.Entry;
import swap.api.SwapManager;
import swap.example.counter.Counter;

/**
 * Demo load for the example counter, as Gogo commands ({@code counter:load}, {@code counter:read},
 * {@code counter:status}, {@code counter:get}): threads that increment an entry's counter through its handle and count the
 * increments that succeeded and failed, so a transcript can show that a swap back kept every one.
 */
@Component(service = LoadCommands.class, immediate = true, property = {"osgi.command.scope=counter", "osgi.command.function=load",
        "osgi.command.function=read", "osgi.command.function=status", "osgi.command.function=get"})
public class LoadCommands {

    @Reference
    SwapManager manager;

    private final AtomicLong ok = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong running = new AtomicLong();

    /** Starts {@code threads} threads that increment entry {@code id} for {@code seconds} seconds. */
    public String load(long id, int threads, int seconds) {
        return start(id, threads, seconds, true);
    }

    /** Starts {@code threads} threads that read entry {@code id} ({@code get}, a read-only call) for {@code seconds} seconds. */
    public String read(long id, int threads, int seconds) {
        return start(id, threads, seconds, false);
    }

    private String start(long id, int threads, int seconds, boolean increments) {
        Counter c = counter(id);
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        if (increments) {
            ok.set(0);
            failed.set(0);
        }
        for (int i = 0; i < threads; i++) {
            running.incrementAndGet();
            Thread t = new Thread(() -> {
                try {
                    while (System.nanoTime() < end) {
                        try {
                            if (increments) {
                                c.increment();
                                ok.incrementAndGet();
                            } else {
                                c.get();
                                java.util.concurrent.locks.LockSupport.parkNanos(50_000);
                            }
                        } catch (RuntimeException e) {
                            failed.incrementAndGet();
                        }
                    }
                } finally {
                    running.decrementAndGet();
                }
            }, "counter-load-" + i);
            t.setDaemon(true);
            t.start();
        }
        return "load on entry " + id + ": " + threads + " thread(s) " + (increments ? "incrementing" : "reading") + " for " + seconds + " s";
    }

    /** What the load did so far. */
    public String status() {
        return (running.get() > 0 ? "running" : "done") + ": " + ok.get() + " increments succeeded, " + failed.get() + " failed";
    }

    /** The counter's value. */
    public long get(long id) {
        return counter(id).get();
    }

    private Counter counter(long id) {
        Entry<?> e = manager.entry(id).orElseThrow(() -> new IllegalArgumentException("no entry " + id + "; swap:list shows the entries"));
        if (e.type() != Counter.class) {
            throw new IllegalArgumentException("entry " + id + " is a " + e.type().getName() + ", not a counter");
        }
        return (Counter) e.handle();
    }
}
