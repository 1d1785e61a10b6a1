package swap.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * Platform threads that call one {@link Cache} (a handle) in a tight loop until closed: the busy
 * callers of an entry, or of a look-alike of the swapped entry.
 */
final class HotThreads implements AutoCloseable {
    private volatile boolean running = true;
    private final List<Thread> threads = new ArrayList<>();

    /** Starts {@code count} daemon threads named {@code name-0}, {@code name-1}, ... calling {@code target.get}. */
    HotThreads(int count, String name, Cache target) {
        for (int t = 0; t < count; t++) {
            Thread th = new Thread(() -> {
                long sink = 0;
                while (running) {
                    sink += target.get(sink);
                }
            }, name + "-" + t);
            th.setDaemon(true);
            threads.add(th);
            th.start();
        }
    }

    /** Stops the threads and waits for each to end. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        for (Thread t : threads) {
            t.join();
        }
    }
}
