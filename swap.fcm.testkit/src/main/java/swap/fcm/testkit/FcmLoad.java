package swap.fcm.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import swap.api.fcm.FileCacheManager;

/** A load for the object-trigger tests: new threads reading 4 KiB and writing 10 bytes, page after page. */
public final class FcmLoad {
    private FcmLoad() {
    }

    /**
     * Runs {@code threads} new threads on {@code f} for about {@code millis}, each reading a page and
     * writing 10 bytes into it, cycling over the first {@code pages} pages of 4 KiB; rethrows the
     * first error a thread met.
     */
    public static void run(FileCacheManager f, int threads, long millis, int pages) throws InterruptedException {
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicReference<Throwable> failed = new AtomicReference<>();
        List<Thread> l = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread th = new Thread(() -> {
                byte[] b = new byte[4096];
                long pos = 0;
                try {
                    while (running.get()) {
                        f.read(pos, b, 0, b.length);
                        f.write(pos + 100, b, 0, 10);
                        pos = (pos + 4096) % (pages * 4096L);
                    }
                } catch (Throwable e) {
                    failed.compareAndSet(null, e);
                }
            });
            l.add(th);
            th.start();
        }
        Thread.sleep(millis);
        running.set(false);
        for (Thread th : l) {
            th.join();
        }
        if (failed.get() != null) {
            throw new AssertionError("a load thread failed", failed.get());
        }
    }
}
