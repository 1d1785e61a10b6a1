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

    @Override
    public String toString() {
        return "hits=" + hits + " misses=" + misses + " evictions=" + evictions + " cached=" + cachedPages + " dirty=" + dirtyPages;
    }
}
