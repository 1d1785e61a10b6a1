package swap.fcm.shared.internal;

import java.nio.channels.FileChannel;
import java.nio.file.Path;

import swap.api.fcm.support.PagedFile;
import swap.api.fcm.support.SingleMapFile;

/**
 * Everything a shared FCM holds: the file ({@link PagedFile}) and one map for all its
 * pages, guarded by this object's monitor ({@code synchronized (this)}), so the lock travels with
 * the structure when a shared FCM hands it to another shared FCM by reference.
 *
 * <p>Happens-before: every field of the map, and the object trigger's window below, is read and
 * written only while holding this object's monitor.
 */
public final class SharedState extends SingleMapFile {

    /** The object trigger's window: its start, and the changes of the calling thread within it. */
    long windowStart = System.nanoTime();
    int windowSwitches;

    SharedState(Path path, FileChannel channel, long size, int pageSize, int budget) {
        super(path, channel, size, pageSize, budget);
    }

    /**
     * Caller holds the monitor: records the calling thread; true once it changed
     * {@code switches} times within {@code windowNanos} (then a new window starts).
     */
    boolean contended(Thread t, int switches, long windowNanos) {
        if (!map.use(t) || ++windowSwitches < switches) {
            return false;
        }
        long now = System.nanoTime();
        boolean hot = now - windowStart <= windowNanos;
        windowStart = now;
        windowSwitches = 0;
        return hot;
    }
}
