package swap.monitor.internal;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Classifies a file's recent reads over a sliding window of the last {@code window} reads: pure
 * logic, no clock, so a synthetic trace always gets the same class.
 *
 * <p>Each read (its position and length, so its first and last page) is flagged when it enters the
 * window:
 * <ul>
 * <li><b>sequential</b>: it continues one of the last {@value #STREAMS} streams (so two or more
 * interleaved streams are each seen as sequential, as Linux keeps read-ahead state per stream):
 * it starts exactly where that stream's last read ended, within that read's last page; or it
 * starts on the page after, while its first page is not a near reuse (below). So small reads walking through a page
 * are sequential, and whole-page reads of a hot set that happen to follow each other are not;</li>
 * <li><b>strided</b>: its distance in pages from the previous read is the same as the previous
 * read's distance, and neither 0 nor 1 (a constant stride, backwards included);</li>
 * <li><b>reuse</b>: its first page was read before (within the last {@code memory} reads);
 * <b>far</b> when more than {@code budget} reads lie between the two (an upper bound of the
 * number of distinct pages between them, exact for a scan: such a page would have been evicted by
 * a least-recently-used cache of {@code budget} pages). Pages are remembered for
 * {@code 4 x budget + window} reads: a loop over more pages than that is sequential.</li>
 * </ul>
 * Then, over the window (at least half full, else {@link Pattern#UNKNOWN}):
 * <ul>
 * <li>{@link Pattern#LOOPING}: at least 3/4 sequential, at least half the reads reuse a page and at
 * least 3/4 of those reuses are far (a loop over a set larger than the budget: LRU misses on
 * every page);</li>
 * <li>{@link Pattern#SEQUENTIAL}: at least 3/4 sequential (a loop over fewer pages than the budget
 * is not: its pages are near reuses, served from the cache, so it is random);</li>
 * <li>{@link Pattern#STRIDED}: at least 3/4 strided;</li>
 * <li>{@link Pattern#MIXED}: at least 1/4 sequential (a scan mixed with other reads, as a hot set
 * plus a scan);</li>
 * <li>{@link Pattern#RANDOM}: the rest.</li>
 * </ul>
 *
 * <p>Not thread-safe: the caller serialises {@link #record} and {@link #pattern} (the monitor
 * holds this object's monitor).
 */
public final class AccessPatternClassifier {

    /** A file's access pattern. */
    public enum Pattern {
        /** Fewer than half a window of reads seen. */
        UNKNOWN,
        /** One or more forward streams. */
        SEQUENTIAL,
        /** A constant stride of two pages or more (or backwards). */
        STRIDED,
        /** No order. */
        RANDOM,
        /** A sequential loop over more pages than the budget. */
        LOOPING,
        /** A scan mixed with other reads (for example a hot set plus a scan). */
        MIXED
    }

    static final int STREAMS = 4;

    private static final byte SEQ = 1, STRIDE = 2, REUSE = 4, FAR = 8;

    private final int window;
    private final int pageSize;
    private final long budget;
    private final long memory;
    private final byte[] flags;
    private int head;
    private int filled;
    private int seq, stride, reuse, far;

    private final long[] streamEnd = new long[STREAMS];
    private final long[] streamLastPage = new long[STREAMS];
    private final long[] streamUsed = new long[STREAMS];
    private long lastFirst = Long.MIN_VALUE;
    private long lastDelta = Long.MIN_VALUE;
    private long reads;
    private final Map<Long, Long> lastRead = new HashMap<>();

    /**
     * @param window   reads in the sliding window (at least 4)
     * @param pageSize the page size in bytes
     * @param budget   the file's cache budget in pages: reuses further apart than this are far
     */
    public AccessPatternClassifier(int window, int pageSize, long budget) {
        if (window < 4 || pageSize < 1 || budget < 1) {
            throw new IllegalArgumentException("window must be at least 4 reads, page size at least 1 byte and budget at least 1 page, got window="
                    + window + " pageSize=" + pageSize + " budget=" + budget);
        }
        this.window = window;
        this.pageSize = pageSize;
        this.budget = budget;
        this.memory = 4 * budget + window;
        this.flags = new byte[window];
        java.util.Arrays.fill(streamEnd, Long.MIN_VALUE);
    }

    /** Records one read of {@code length} (at least 1) bytes at {@code position} (at least 0). */
    public void record(long position, int length) {
        long n = ++reads;
        long first = position / pageSize;
        long last = (position + Math.max(1, length) - 1) / pageSize;
        byte f = 0;
        Long before = lastRead.put(first, n);
        if (before != null && n - before <= memory) {
            f |= REUSE;
            if (n - before > budget) {
                f |= FAR;
            }
        }
        boolean nearReuse = (f & REUSE) != 0 && (f & FAR) == 0;
        int lru = 0;
        for (int i = 0; i < STREAMS; i++) {
            if (streamEnd[i] != Long.MIN_VALUE
                    && ((position == streamEnd[i] && first == streamLastPage[i])
                            || (!nearReuse && (position == streamEnd[i] || first == streamLastPage[i] + 1)))) {
                f |= SEQ;
                lru = i;
                break;
            }
            if (streamUsed[i] < streamUsed[lru]) {
                lru = i;
            }
        }
        streamEnd[lru] = position + length;
        streamLastPage[lru] = last;
        streamUsed[lru] = n;
        if (lastFirst != Long.MIN_VALUE) {
            long d = first - lastFirst;
            if (d == lastDelta && d != 0 && d != 1) {
                f |= STRIDE;
            }
            lastDelta = d;
        }
        lastFirst = first;
        if (lastRead.size() > 2 * memory) {
            for (Iterator<Long> it = lastRead.values().iterator(); it.hasNext();) {
                if (n - it.next() > memory) {
                    it.remove();
                }
            }
        }
        if (filled == window) {
            count(flags[head], -1);
        } else {
            filled++;
        }
        flags[head] = f;
        count(f, 1);
        head = head + 1 == window ? 0 : head + 1;
    }

    private void count(byte f, int by) {
        if ((f & SEQ) != 0) {
            seq += by;
        }
        if ((f & STRIDE) != 0) {
            stride += by;
        }
        if ((f & REUSE) != 0) {
            reuse += by;
        }
        if ((f & FAR) != 0) {
            far += by;
        }
    }

    /** @return the class of the reads in the window */
    public Pattern pattern() {
        if (filled * 2 < window) {
            return Pattern.UNKNOWN;
        }
        if (4 * seq >= 3 * filled) {
            return 2 * reuse >= filled && 4 * far >= 3 * reuse ? Pattern.LOOPING : Pattern.SEQUENTIAL;
        }
        if (4 * stride >= 3 * filled) {
            return Pattern.STRIDED;
        }
        return 4 * seq >= filled ? Pattern.MIXED : Pattern.RANDOM;
    }

    /** @return reads recorded since creation */
    public long reads() {
        return reads;
    }

    /** @return reads in the window now */
    public int samples() {
        return filled;
    }

    /** @return percent of the window's reads that continue a stream */
    public int sequentialPercent() {
        return percent(seq);
    }

    /** @return percent of the window's reads at a constant stride */
    public int stridedPercent() {
        return percent(stride);
    }

    /** @return percent of the window's reads of a page read before */
    public int reusePercent() {
        return percent(reuse);
    }

    /** @return percent of the window's reads of a page last read more than a budget of reads before */
    public int farReusePercent() {
        return percent(far);
    }

    private int percent(int k) {
        return filled == 0 ? 0 : (int) (100L * k / filled);
    }

    public int window() {
        return window;
    }

    public long budget() {
        return budget;
    }
}
