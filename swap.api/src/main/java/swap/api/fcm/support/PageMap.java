package swap.api.fcm.support;

import java.util.LinkedHashMap;

/**
 * One LRU map of cached pages (access-ordered: its iteration order is the LRU order, eldest first)
 * with its own budget and statistics. A shared FCM has one, a distributed FCM one per partition.
 *
 * <p>Happens-before: not thread-safe. Every method, and every {@link PagedFile} method given this
 * map, must be called while holding the lock the FCM guards this map with; the FCM chooses it.
 * {@link #lastThread()}, {@link #threadSwitches()} and {@link #uses()} may also be read without
 * that lock, as a hint (the value may be stale).
 */
public final class PageMap {

    /** One cached page: its bytes (always {@code pageSize} long) and whether they differ from the file. */
    static final class CachedPage {
        final byte[] bytes;
        boolean dirty;

        CachedPage(byte[] bytes) {
            this.bytes = bytes;
        }
    }

    final LinkedHashMap<Long, CachedPage> pages = new LinkedHashMap<>(16, 0.75f, true);
    final int budget;
    long hits;
    long misses;
    long evictions;
    long dirty;
    /** Pages a write about to insert into this map (between its two phases). */
    int reserved;
    private Thread owner;
    private long switches;
    private long uses;

    /** @param budget the most pages this map caches, at least 1 */
    public PageMap(int budget) {
        if (budget < 1) {
            throw new IllegalArgumentException("budget must be >= 1, was " + budget);
        }
        this.budget = budget;
    }

    /** @return the most pages this map caches */
    public int budget() {
        return budget;
    }

    /** @return the pages cached now */
    public int cachedPages() {
        return pages.size();
    }

    /** @return the cached pages with changes not yet written back */
    public long dirtyPages() {
        return dirty;
    }

    /**
     * Records that thread {@code t} uses this map now (the object triggers' only bookkeeping: a
     * comparison and, when the thread changed, two plain stores).
     *
     * @return whether another thread used it last
     */
    public boolean use(Thread t) {
        uses++;
        Thread o = owner;
        if (o == t) {
            return false;
        }
        owner = t;
        if (o == null) {
            return false;
        }
        switches++;
        return true;
    }

    /** @return the thread that used this map last, or {@code null} */
    public Thread lastThread() {
        return owner;
    }

    /** @return how often the thread using this map changed */
    public long threadSwitches() {
        return switches;
    }

    /** @return how often {@link #use} was called */
    public long uses() {
        return uses;
    }
}
