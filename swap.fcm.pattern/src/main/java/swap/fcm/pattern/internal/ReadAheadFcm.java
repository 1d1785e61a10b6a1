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
 * the lock until the window's end. A read that does not continue the stream resets the window.
 * <b>Drop-behind</b>: pages the stream has passed (up to two windows behind it) are made the next
 * to evict, so a stream does not push out other pages. CLOCK otherwise. Pages read ahead count as
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

    @Override
    void afterLockedRead(PatternState st, long position, int n) {
        long first = st.pageOf(position);
        long last = st.lastPageOf(position, n);
        boolean stream = first == st.lastPage || first == st.lastPage + 1 || first == st.aheadEnd;
        st.lastPage = last;
        int max = Math.min(MAX_WINDOW, st.budget() / 4);
        if (!stream || max < 1) {
            st.window = 0;
            st.aheadEnd = -1;
            return;
        }
        st.window = st.window == 0 ? Math.min(MIN_WINDOW, max) : Math.min(max, 2 * st.window);
        for (long p = first - 1; p >= Math.max(0, first - 2L * max); p--) {
            st.dropBehindLocked(p);
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
