package swap.fcm.pattern.internal;

import java.io.IOException;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ServiceScope;

import swap.api.StateFormat;
import swap.api.SwapConstants;
import swap.api.fcm.FileCacheManager;
import swap.api.fcm.support.PageMap;

/**
 * The FCM for sequential streams, after Linux's on-demand read-ahead: a read that needed the lock
 * (a miss, mostly) and continues the stream (it starts on the page after the previous such read's
 * last page, on that page, or where the last read-ahead ended) reads the next pages ahead, a
 * window that starts at {@value #MIN_WINDOW} pages and doubles with each such read up to
 * {@value #MAX_WINDOW} (at most a quarter of the budget); the stream's next reads then hit without
 * the lock until the window's end. A read that does not continue the stream leaves it be (a hot
 * page read between two reads of a scan does not end the scan); a read on or after such a read's
 * last page starts a new stream in its place, with the smallest window.
 * <b>Drop-behind</b>: pages the stream has passed (up to two windows behind it) are made the next
 * to evict, before the stream's next miss reads its page (only pages from the stream's first read
 * on), so a stream does not push out other pages. CLOCK otherwise. Pages read ahead count as
 * {@code readAhead}, not as misses, and as {@code readAheadWasted} when evicted unused.
 */
@Component(service = FileCacheManager.class, scope = ServiceScope.PROTOTYPE, property = {
        SwapConstants.IMPL_NAME + "=" + ReadAheadFcm.NAME,
        SwapConstants.IMPL_VERSION + "=1.0.0",
        FileCacheManager.PATTERN + "=sequential"})
public final class ReadAheadFcm extends PatternFcm {

    public static final String NAME = "fcm.readahead";

    static final int MIN_WINDOW = 4;
    static final int MAX_WINDOW = 32;

    /** The structure (and its read-ahead state), by reference, between two read-ahead FCMs. */
    public static final StateFormat<PatternState> MAP = StateFormat.byReference("fcm.readahead.map.v1", PatternState.class);

    @Override
    StateFormat<PatternState> byReference() {
        return MAP;
    }

    @Override
    PageMap.Replacement replacement() {
        return PageMap.Replacement.CLOCK;
    }

    /** @return whether a read starting on page {@code first} continues the stream (caller holds the monitor) */
    private static boolean continues(PatternState st, long first) {
        return first == st.aheadEnd || st.lastPage >= 0 && (first == st.lastPage || first == st.lastPage + 1);
    }

    private static int maxWindow(PatternState st) {
        return Math.min(MAX_WINDOW, st.budget() / 4);
    }

    @Override
    void beforeLockedRead(PatternState st, long position) {
        long first = st.pageOf(position);
        if (continues(st, first)) {
            // Drop-behind before the read's own miss takes a page: it takes one the stream has passed.
            // Only pages of this stream: not the pages before its first read (a hot set the stream
            // happened to run through before it was seen as one).
            for (long p = first - 1; p >= Math.max(st.streamStart, first - 2L * maxWindow(st)); p--) {
                st.dropBehindLocked(p);
            }
        }
    }

    @Override
    void afterLockedRead(PatternState st, long position, int n) {
        long first = st.pageOf(position);
        long last = st.lastPageOf(position, n);
        int max = maxWindow(st);
        if (continues(st, first)) {
            st.window = st.window == 0 ? Math.min(MIN_WINDOW, max) : Math.min(max, 2 * st.window);
        } else if (st.candidate >= 0 && (first == st.candidate || first == st.candidate + 1)) {
            // A new stream replaces the old one, whose last pages (read or read ahead) go first: the
            // new stream's window grows into their room, not into other pages'.
            if (st.lastPage >= 0) {
                long end = Math.max(st.aheadEnd, st.lastPage + 1);
                for (long p = Math.max(st.streamStart, end - 3L * max); p < end; p++) {
                    if (p < first || p > last) {
                        st.dropBehindLocked(p);
                    }
                }
            }
            st.window = Math.min(MIN_WINDOW, max);
            st.streamStart = st.candidate;
        } else {
            // Not this stream (another read between its reads, e.g. a hot page): the stream goes on;
            // this read may start the next one.
            st.candidate = last;
            return;
        }
        st.lastPage = last;
        st.candidate = -2;
        if (max < 1) {
            st.window = 0;
            st.aheadEnd = -1;
            return;
        }
        long end = last + 1;
        try {
            for (; end <= last + st.window; end++) {
                if (end * st.pageSize() >= st.size()) {
                    break;
                }
                st.readAheadLocked(end);
            }
        } catch (IOException e) {
            // Only a hint: the read itself succeeded; a read of that page will report the error.
        }
        st.aheadEnd = end;
    }
}
