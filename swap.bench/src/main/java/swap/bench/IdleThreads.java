package swap.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Platform threads that do nothing, parked a few frames deep as pool threads are: what a stack
 * snapshot has to visit besides the threads that call the swapped entries.
 */
final class IdleThreads implements AutoCloseable {
    private final CountDownLatch release = new CountDownLatch(1);
    private final List<Thread> threads = new ArrayList<>();

    IdleThreads(int count) {
        CountDownLatch started = new CountDownLatch(count);
        for (int i = 0; i < count; i++) {
            Thread t = new Thread(() -> park(8, started), "idle-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        try {
            started.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void park(int depth, CountDownLatch started) {
        if (depth > 0) {
            park(depth - 1, started);
            return;
        }
        started.countDown();
        try {
            release.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        release.countDown();
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
