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
 * {@value #MAX_WINDOW} (at most a quarter of the budget, and at most the room the stream has, see
 * below); read-ahead stops at a page already cached (the stream reads it without the lock). The
 * stream's next reads then hit without the lock until the window's end. A read that does not
 * continue the stream leaves it be (a hot page read between two reads of a scan does not end the
 * scan); a read on or after such a read's last page starts a new stream in its place, with the
 * smallest window.
 * <b>Drop-behind</b>: pages the stream has passed (up to two windows behind it) are made the next
 * to evict, before the stream's next miss reads its page (only pages from the stream's first read
 * on), so a stream does not push out other pages. CLOCK otherwise. Pages read ahead count as
 * {@code readAhead}, not as misses, and as {@code readAheadWasted} when evicted unused.
 * <b>The kept head</b> (a loop over more pages than the budget: keep a fixed part of it, as LIRS
 * and ARC effectively do, instead of dropping it behind): a new stream keeps its first pages, as
 * many as the budget holds beside the pages read again since cached (the hot set, {@link
 * swap.api.fcm.support.PageMap#rereadPages}) and a room of {@value #KEEP_ROOM} pages for its
 * read-ahead (a window, the page read and {@value #SLACK} pages of slack); the loop's next pass, or a reread of the file, finds them cached. A stream that
 * continues the head (starts on it, or just after it with the page before cached), resumes the
 * last stream, or will run into the head (starts at most a budget of pages before it, as a scan
 * wrapping round) keeps it and keeps nothing more; any other new stream takes the head over (the
 * old head's pages are made the next to evict). A stream that reads through the head to its end
 * from a page inside it (more than two windows in: the lowest of the head's last pages all read
 * since the last such pass, {@link swap.api.fcm.support.PageMap#referencedFrom}) shows where the
 * loop's passes start: the head moves there (the pages before go first) and the stream grows it
 * on. At each new stream the head shrinks to what the budget holds beside the hot set then. A new
 * pass of the loop reads ahead no further than the page after the last pass's last read (what the
 * last pass read ahead past it goes first). No
 * stream drops the head behind, and each reads ahead at most the room the hot set and the head
 * leave it, less the page it reads and the slack (at least {@value #MIN_WINDOW} pages), or up to {@value #MAX_WINDOW} when the rest of
 * the file fits in the cache's free pages.
 */
@Component(service = FileCacheManager.class, scope = ServiceScope.PROTOTYPE, property = {
        SwapConstants.IMPL_NAME + "=" + ReadAheadFcm.NAME,
        SwapConstants.IMPL_VERSION + "=1.0.0",
        FileCacheManager.PATTERN + "=sequential"})
public final class ReadAheadFcm extends PatternFcm {

    public static final String NAME = "fcm.readahead";

    static final int MIN_WINDOW = 4;
    static final int MAX_WINDOW = 32;
    /** Pages of a stream's room its read-ahead leaves free (a restarting stream's first misses take them). */
    static final int SLACK = 3;
    /** The pages a kept head leaves beside the hot set for its stream: a read-ahead window of 16, the page read and the slack. */
    static final int KEEP_ROOM = 16 + 1 + SLACK;

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

    /** How far behind a stream drop-behind reaches: a quarter of the budget, at most {@value #MAX_WINDOW} pages. */
    private static int span(PatternState st) {
        return Math.min(MAX_WINDOW, st.budget() / 4);
    }

    private static boolean kept(PatternState st, long page) {
        return page >= st.keptStart && page < st.keptEnd;
    }

    @Override
    void beforeLockedRead(PatternState st, long position) {
        long first = st.pageOf(position);
        if (continues(st, first)) {
            if (st.keeping) {
                // Every page before this read is the stream's: the head grows up to its limit.
                st.keptEnd = Math.max(st.keptEnd, Math.min(st.keptStart + st.keptLimit, first));
            }
            // Drop-behind before the read's own miss takes a page: it takes one the stream has passed.
            // Only pages of this stream: not the pages before its first read (a hot set the stream
            // happened to run through before it was seen as one), nor the kept head.
            for (long p = first - 1; p >= Math.max(st.streamStart, first - 2L * span(st)); p--) {
                if (!kept(st, p)) {
                    st.dropBehindLocked(p);
                }
            }
        }
    }

    /** Caller holds the monitor: a stream starts on page {@code start}; decides its head and its room. */
    private static void startStream(PatternState st, long start) {
        int budget = st.budget();
        boolean head = st.keptEnd > st.keptStart;
        boolean continuesHead = start == st.keptStart
                || start > st.keptStart && start <= st.keptEnd + 2L * span(st) && st.pageMap().peek(start - 1) != null;
        boolean moved = false;
        if (head && continuesHead && start >= st.keptEnd) {
            // It read through the head to its end: from the page where it entered it (the lowest
            // of the head's last pages all read since the last such pass), which is where a pass of
            // the loop starts. Inside the head: the head moves there (and this stream grows it on).
            PageMap m = st.pageMap();
            long entered = m.referencedFrom(st.keptStart, st.keptEnd);
            m.clearReferenced(st.keptStart, st.keptEnd);
            if (entered > st.keptStart + 2L * span(st) && entered < st.keptEnd) {
                for (long p = st.keptStart; p < entered; p++) {
                    st.dropBehindLocked(p);
                }
                st.keptStart = entered;
                moved = true;
            }
        }
        boolean resumes = st.lastPage >= 0 && start > st.lastPage && start <= Math.max(st.aheadEnd, st.lastPage + 1) + 2L * span(st);
        if (head && (continuesHead || resumes || start < st.keptStart && st.keptStart - start <= budget)) {
            // It continues the kept head (it starts on it, or at most two windows after it with the
            // page before cached: it read through the head), resumes the last stream (a little
            // after its end), or will run into the head (a loop's next pass): it keeps the head, as
            // much of it as the budget holds beside the hot set now (the rest is released).
            if (!resumes && st.lastPage >= st.keptEnd) {
                // A new pass of the loop: the last stream was the last pass, which ended at its last
                // page read; what it read ahead past it is waste, and this pass reads ahead no further.
                long end = Math.max(st.aheadEnd, st.lastPage + 1);
                st.loopEnd = st.pageMap().unusedReadAheadFrom(st.lastPage + 1, end);
                for (long p = st.loopEnd; p < end; p++) {
                    st.dropBehindLocked(p);
                }
            }
            int hot = st.pageMap().rereadPages(st.keptStart, st.keptEnd);
            int limit = Math.max(0, budget - hot - KEEP_ROOM);
            st.keptLimit = moved ? limit : Math.min(st.keptLimit, limit);
            st.keeping = moved && st.keptLimit > st.keptEnd - st.keptStart;
            for (long p = st.keptStart + st.keptLimit; p < st.keptEnd; p++) {
                st.dropBehindLocked(p); // released: go first (and are not counted as in use)
            }
            st.keptEnd = Math.min(st.keptEnd, st.keptStart + st.keptLimit);
        } else {
            // Another stream: it takes the head over; the old head's pages go first.
            for (long p = st.keptStart; p < st.keptEnd; p++) {
                st.dropBehindLocked(p);
            }
            int hot = st.pageMap().rereadPages(start, start);
            st.keptStart = start;
            st.keptEnd = start;
            st.keptLimit = Math.max(0, budget - hot - KEEP_ROOM);
            st.keeping = st.keptLimit > 0;
        }
        // Its window, the page read and the slack fit in the room the hot set and the head leave
        // (at least the smallest window), so its read-ahead evicts only pages it passed.
        int room = budget - st.pageMap().rereadPages(st.keptStart, st.keptStart + st.keptLimit) - st.keptLimit;
        st.windowCap = Math.min(span(st), Math.max(MIN_WINDOW, room - 1 - SLACK));
    }

    @Override
    void afterLockedRead(PatternState st, long position, int n) {
        long first = st.pageOf(position);
        long last = st.lastPageOf(position, n);
        if (continues(st, first)) {
            // The rest of the file fits in the free pages: reading ahead evicts nothing, whatever the room.
            long toEnd = (st.size() + st.pageSize() - 1) / st.pageSize() - (last + 1);
            int cap = toEnd <= st.budget() - st.pageMap().cachedPages() ? span(st) : st.windowCap;
            st.window = st.window == 0 ? Math.min(MIN_WINDOW, cap) : Math.min(cap, 2 * st.window);
        } else if (st.candidate >= 0 && (first == st.candidate || first == st.candidate + 1)) {
            // A new stream replaces the old one, whose last pages (read or read ahead) go first: the
            // new stream's window grows into their room, not into other pages'.
            if (st.lastPage >= 0) {
                long end = Math.max(st.aheadEnd, st.lastPage + 1);
                for (long p = Math.max(st.streamStart, end - 3L * span(st)); p < end; p++) {
                    if ((p < first || p > last) && !kept(st, p)) {
                        st.dropBehindLocked(p);
                    }
                }
            }
            startStream(st, st.candidate);
            st.window = Math.min(MIN_WINDOW, st.windowCap);
            st.streamStart = st.candidate;
        } else {
            // Not this stream (another read between its reads, e.g. a hot page): the stream goes on;
            // this read may start the next one.
            st.candidate = last;
            return;
        }
        st.lastPage = last;
        st.candidate = -2;
        if (st.window < 1) {
            st.window = 0;
            st.aheadEnd = -1;
            return;
        }
        long end = last + 1;
        try {
            // Pages already cached are passed over (not read again); stops at the end of the file,
            // and at the end of the loop's last pass.
            long limit = st.loopEnd > last ? Math.min(last + st.window, st.loopEnd - 1) : last + st.window;
            for (; end <= limit; end++) {
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
