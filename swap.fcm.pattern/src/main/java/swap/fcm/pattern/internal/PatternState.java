package swap.fcm.pattern.internal;

import java.nio.channels.FileChannel;
import java.nio.file.Path;

import swap.api.fcm.support.PageMap;
import swap.api.fcm.support.SingleMapFile;

/**
 * Everything a pattern FCM holds: the file and one map of pages with the implementation's
 * replacement, guarded by this object's monitor, plus the read-ahead state of the sequential FCM.
 *
 * <p>Happens-before: every field of the map and of this object is read and written only while
 * holding this object's monitor (reads of cached pages without it go through
 * {@link #readWithoutLock}, as in the shared FCM).
 */
public final class PatternState extends SingleMapFile {

    /** Read-ahead: the page after the last page read ahead (where the stream's next miss is expected), or -1. */
    long aheadEnd = -1;
    /** Read-ahead: pages to read ahead next (grows from {@link ReadAheadFcm#MIN_WINDOW} to {@link ReadAheadFcm#MAX_WINDOW}). */
    int window;
    /** Read-ahead: the last page of the last read that took the monitor. */
    long lastPage = -2;
    /** Read-ahead: the last page of the last read that took the monitor and did not continue the stream (a new stream may start after it), or -2. */
    long candidate = -2;
    /** Read-ahead: the stream's first page (drop-behind never goes below it). */
    long streamStart;

    PatternState(Path path, FileChannel channel, long size, int pageSize, int budget, PageMap.Replacement replacement) {
        super(path, channel, size, pageSize, budget, replacement);
    }
}
