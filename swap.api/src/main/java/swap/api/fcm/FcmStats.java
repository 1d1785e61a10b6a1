package swap.api.fcm;

/** A snapshot of one FCM's statistics: a data transfer object. */
public final class FcmStats {
    /** Page look-ups that found the page cached. */
    public long hits;
    /** Page look-ups that read the page from the file. */
    public long misses;
    /** Pages dropped to stay within the memory budget. */
    public long evictions;
    /** Pages cached now. */
    public long cachedPages;
    /** Cached pages with changes not yet written back. */
    public long dirtyPages;
    /** Pages read from the file ahead of the reads that want them (not counted in {@link #misses}; since 1.2). */
    public long readAhead;
    /** Pages read ahead and evicted before any read used them (since 1.2). */
    public long readAheadWasted;

    @Override
    public String toString() {
        return "hits=" + hits + " misses=" + misses + " evictions=" + evictions + " cached=" + cachedPages + " dirty=" + dirtyPages + " readAhead=" + readAhead + " readAheadWasted=" + readAheadWasted;
    }
}
