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
    /** Read-ahead: the most pages the stream reads ahead at once (the room it has less one, at least {@link ReadAheadFcm#MIN_WINDOW}, at most {@link ReadAheadFcm#MAX_WINDOW}). */
    int windowCap = ReadAheadFcm.MAX_WINDOW;
    /** Read-ahead: the kept head, pages {@code [keptStart, keptEnd)}, never dropped behind (empty: none). */
    long keptStart;
    long keptEnd;
    /** Read-ahead: the most pages the kept head holds. */
    int keptLimit;
    /** Read-ahead: where the loop's last pass ended (its stream's read-ahead stops there), or -1. */
    long loopEnd = -1;
    /** Read-ahead: whether the stream is the one whose head is kept (its pages join the head up to {@link #keptLimit}). */
    boolean keeping;

    PatternState(Path path, FileChannel channel, long size, int pageSize, int budget, PageMap.Replacement replacement) {
        super(path, channel, size, pageSize, budget, replacement);
    }
}
