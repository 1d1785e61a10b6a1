package swap.shell.internal;

import java.nio.channels.ClosedChannelException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

import swap.api.fcm.FileCacheManager;

/**
 * The background loads of {@code fcm:load}: per entry, a few daemon threads that read and write
 * small records at random positions through the entry's handle (so a swap can be watched under
 * load) until their time is up, the entry is released, or the shell stops.
 *
 * <p>Thread-safe; one load per entry at a time.
 */
final class Loads {
    /** Records are this long; positions are spread over the file's first {@value #SPAN} bytes. */
    static final int RECORD = 64;
    static final int SPAN = 1 << 20;

    private final Map<Long, Run> runs = new ConcurrentHashMap<>();

    Dtos.Load start(long id, FileCacheManager fcm, int threads, int seconds) {
        Run previous = runs.get(id);
        if (previous != null && previous.running()) {
            throw new ShellException("fcm", "a load is already running on entry " + id + " (" + Render.loadLine(previous.snapshot())
                    + "); wait for it to end (swap:stats " + id + ")");
        }
        Run r = new Run(id, fcm, threads, seconds);
        runs.put(id, r);
        r.start();
        return r.snapshot();
    }

    Dtos.Load snapshot(long id) {
        Run r = runs.get(id);
        return r == null ? null : r.snapshot();
    }

    void forget(long id) {
        Run r = runs.remove(id);
        if (r != null) {
            r.stop();
        }
    }

    void stopAll() {
        for (Run r : runs.values()) {
            r.stop();
        }
        runs.clear();
    }

    private static final class Run {
        final long id;
        final FileCacheManager fcm;
        final int threads;
        final int seconds;
        final LongAdder reads = new LongAdder();
        final LongAdder writes = new LongAdder();
        final LongAdder errors = new LongAdder();
        final AtomicReference<String> lastError = new AtomicReference<>();
        final AtomicInteger alive = new AtomicInteger();
        volatile boolean stop;
        volatile long started;
        volatile long ended;

        Run(long id, FileCacheManager fcm, int threads, int seconds) {
            this.id = id;
            this.fcm = fcm;
            this.threads = threads;
            this.seconds = seconds;
        }

        void start() {
            started = System.nanoTime();
            long deadline = started + seconds * 1_000_000_000L;
            alive.set(threads);
            for (int i = 0; i < threads; i++) {
                Thread t = new Thread(() -> work(deadline), "fcm-load-" + id + "-" + (i + 1));
                t.setDaemon(true);
                t.start();
            }
        }

        void work(long deadline) {
            byte[] buf = new byte[RECORD];
            ThreadLocalRandom rnd = ThreadLocalRandom.current();
            try {
                while (!stop && System.nanoTime() < deadline) {
                    long pos = (long) rnd.nextInt(SPAN / RECORD) * RECORD;
                    try {
                        if (rnd.nextInt(10) < 8) {
                            fcm.read(pos, buf, 0, RECORD);
                            reads.increment();
                        } else {
                            byte v = (byte) ('a' + rnd.nextInt(26));
                            java.util.Arrays.fill(buf, v);
                            fcm.write(pos, buf, 0, RECORD);
                            writes.increment();
                        }
                    } catch (ClosedChannelException | IllegalStateException gone) {
                        errors.increment();
                        lastError.set("entry closed or released: " + gone);
                        return; // the file was closed or the entry released: nothing more to load
                    } catch (Exception | LinkageError e) {
                        errors.increment();
                        lastError.set(String.valueOf(e));
                    }
                }
            } finally {
                if (alive.decrementAndGet() == 0) {
                    ended = System.nanoTime();
                }
            }
        }

        boolean running() {
            return alive.get() > 0;
        }

        void stop() {
            stop = true;
        }

        Dtos.Load snapshot() {
            Dtos.Load l = new Dtos.Load();
            l.entryId = id;
            l.threads = threads;
            l.seconds = seconds;
            l.running = running();
            l.reads = reads.sum();
            l.writes = writes.sum();
            l.errors = errors.sum();
            long end = l.running || ended == 0 ? System.nanoTime() : ended;
            long elapsed = Math.max(1, end - started);
            l.elapsedMillis = elapsed / 1_000_000;
            l.opsPerSecond = (l.reads + l.writes) * 1e9 / elapsed;
            l.lastError = lastError.get();
            return l;
        }
    }
}
