package swap.api.fcm.support;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One map of cached pages with its own budget, replacement order and statistics. A shared FCM has
 * one, a distributed FCM one per partition.
 *
 * <p>Replacement is CLOCK (second chance), the page cache's usual approximation of LRU: pages sit
 * in one circular order, eldest first; a hit only sets the page's referenced bit (a plain store,
 * and none when it is set already); eviction takes the eldest page, and a referenced one gets a
 * second chance instead (its bit cleared, it moves to the end). So a hit writes nothing that
 * another page's hit also writes, where an access-ordered {@code LinkedHashMap} moved the page to
 * the end of one shared list on every hit (four to six writes to list nodes and to the map, shared
 * by every thread using the map). The pages are found in an open-addressing table keyed by the
 * primitive page number (no {@code Long} per look-up).
 *
 * <p>Happens-before: not thread-safe. Every method but {@link #peek}, and every {@link PagedFile}
 * method given this map but {@link PagedFile#readWithoutLock}, must be called while holding the
 * lock the FCM guards this map with; the FCM chooses it. {@link #peek} may race with them: pages
 * and tables are published with releasing stores, and a page's stamp tells whether it is still the
 * page its look-up found.
 * {@link #lastThread()}, {@link #threadSwitches()} and {@link #uses()} may also be read without
 * that lock, as a hint (the value may be stale).
 */
public final class PageMap {

    /**
     * One cached page: its number, its bytes (always {@code pageSize} long), whether they differ
     * from the file, its CLOCK bit, whether a write in progress holds it (never evicted then), its
     * neighbours in the replacement order, and its <b>stamp</b>, a sequence lock over its bytes, so
     * that a reader may copy them after releasing the map's lock.
     *
     * <p>The stamp is even while the page is cached and not being written; a writer (holding the
     * map's lock) makes it odd before changing a byte and even again, one higher, afterwards; a
     * page dropped from its map (evicted, truncated, replaced, closed) keeps an odd stamp for good.
     * So a reader that took the stamp under the map's lock ({@link PagedFile#pageForReadLocked}),
     * copied bytes without it and finds the stamp unchanged afterwards
     * ({@link PagedFile#copyIfUnchanged}) copied the page as it was when it released the lock.
     *
     * <p>Thread-safety: {@link #stamp()} may be called by any thread; everything else is guarded
     * by the map's lock. Only {@link PagedFile} creates pages.
     */
    public static final class CachedPage {
        private static final VarHandle STAMP;

        static {
            try {
                STAMP = MethodHandles.lookup().findVarHandle(CachedPage.class, "stamp", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        final long number;
        final byte[] bytes;
        boolean dirty;
        boolean referenced;
        boolean pinned;
        /** Scan-resistant maps: not referenced again since it was cached (evicted first, see {@link PageMap#victim}). */
        boolean probation;
        /** Read ahead ({@link PagedFile#readAheadLocked}) and not known to be used since. */
        boolean prefetched;
        /** Read again since it was cached (set with the CLOCK bit, which the hand clears, not this; drop-behind clears it). */
        boolean reread;
        CachedPage prev;
        CachedPage next;
        @SuppressWarnings("unused") // through STAMP
        private volatile long stamp;

        CachedPage(long number, byte[] bytes) {
            this.number = number;
            this.bytes = bytes;
        }

        /** @return the page number */
        public long number() {
            return number;
        }

        /** Any thread: the stamp (an acquiring read); even: cached and stable since it was this value. */
        public long stamp() {
            return (long) STAMP.getAcquire(this);
        }

        /** Any thread: true if the stamp is still {@code stamp} (orders every read before it, as {@code StampedLock.validate}). */
        boolean validate(long stamp) {
            VarHandle.acquireFence();
            return (long) STAMP.getOpaque(this) == stamp;
        }

        /** Map's lock held: bytes are about to change (readers holding a stamp will retry). */
        void beginWrite() {
            STAMP.setOpaque(this, (long) STAMP.getOpaque(this) + 1);
            VarHandle.storeStoreFence();
        }

        /** Map's lock held: the bytes changed; the stamp is even again. */
        void endWrite() {
            STAMP.setRelease(this, (long) STAMP.getOpaque(this) + 1);
        }

        /** Map's lock held: dropped from the map; the stamp stays odd. */
        void kill() {
            long s = (long) STAMP.getOpaque(this);
            if ((s & 1) == 0) {
                STAMP.setRelease(this, s + 1);
            }
        }
    }

    private static final int MIN_CAPACITY = 8;
    /** Fibonacci hashing's multiplier (2^64 / the golden ratio). */
    private static final long PHI = 0x9E3779B97F4A7C15L;

    /**
     * Releasing stores of the table and of its slots, acquiring loads in {@link #peek}: a page found
     * without the lock is seen with everything written before it was put in the table (its bytes,
     * read from the file) and a table with every slot its resize filled.
     */
    private static final VarHandle SLOTS_FIELD;
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(CachedPage[].class);

    static {
        try {
            SLOTS_FIELD = MethodHandles.lookup().findVarHandle(PageMap.class, "slots", CachedPage[].class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The open-addressing table (linear probing, at most half full): keys and pages, slot empty when the page is null. */
    private long[] keys = new long[MIN_CAPACITY];
    private CachedPage[] slots = new CachedPage[MIN_CAPACITY]; // replaced through SLOTS_FIELD (peek races with it)
    private int shift = 64 - Integer.numberOfTrailingZeros(MIN_CAPACITY);
    private int size;
    /** The replacement order: eldest first (the CLOCK hand), newest last. */
    private CachedPage head;
    private CachedPage tail;

    final int budget;
    final Replacement replacement;
    /** Scan-resistant maps: the pages on probation, oldest first (entries of promoted or removed pages are skipped, and dropped now and then). */
    private final java.util.ArrayDeque<CachedPage> probationQueue;
    private int probationCount;
    long readAhead;
    long readAheadWasted;
    long hits;
    long misses;
    long evictions;
    /** Hits of reads that took no lock ({@link PagedFile#readWithoutLock}): counted by any thread. */
    final java.util.concurrent.atomic.LongAdder hitsWithoutLock = new java.util.concurrent.atomic.LongAdder();
    long dirty;
    /** Pages a write about to insert into this map (between its two phases). */
    int reserved;
    private Thread owner;
    private long switches;
    private long uses;

    /**
     * How a map picks the page to evict.
     *
     * @since 1.3
     */
    public enum Replacement {
        /** CLOCK (second chance), an approximation of least recently used. */
        CLOCK,
        /**
         * Scan-resistant, after 2Q: a page enters on probation; once pages on probation exceed a
         * quarter of the budget, the eldest of them not referenced since it entered is evicted (a
         * referenced one met on the way is promoted to the CLOCK-managed main set), so a scan of
         * pages read once passes through the probation quarter and does not evict a hot set.
         */
        SCAN_RESISTANT
    }

    /** @param budget the most pages this map caches, at least 1; CLOCK replacement */
    public PageMap(int budget) {
        this(budget, Replacement.CLOCK);
    }

    /**
     * @param budget      the most pages this map caches, at least 1
     * @param replacement how it picks the page to evict
     * @since 1.3
     */
    public PageMap(int budget, Replacement replacement) {
        if (budget < 1) {
            throw new IllegalArgumentException("budget must be >= 1, was " + budget);
        }
        this.budget = budget;
        this.replacement = java.util.Objects.requireNonNull(replacement, "replacement");
        this.probationQueue = replacement == Replacement.SCAN_RESISTANT ? new java.util.ArrayDeque<>() : null;
    }

    /** @return how this map picks the page to evict (since 1.3) */
    public Replacement replacement() {
        return replacement;
    }

    /** @return the most pages this map caches */
    public int budget() {
        return budget;
    }

    /** @return the pages cached now */
    public int cachedPages() {
        return size;
    }

    /** @return the cached pages with changes not yet written back */
    public long dirtyPages() {
        return dirty;
    }

    // ------------------------------------------------------------------ the table (package-private, under the lock)

    /** Fibonacci hashing: page numbers of one partition are congruent modulo the partition count, so the low bits alone would cluster. */
    private int index(long number) {
        return home(number, shift);
    }

    /** Page {@code number}'s home slot in a table of {@code 2^(64 - shift)} slots. */
    private static int home(long number, int shift) {
        return (int) ((number * PHI) >>> shift);
    }

    /** The first empty slot of the probe run from {@code number}'s home in {@code s}. */
    private static int freeSlot(CachedPage[] s, int shift, long number) {
        int mask = s.length - 1;
        int i = home(number, shift);
        while (s[i] != null) {
            i = (i + 1) & mask;
        }
        return i;
    }

    /** @return the cached page {@code number}, or null; changes nothing */
    CachedPage get(long number) {
        long[] k = keys;
        CachedPage[] s = slots;
        int mask = s.length - 1;
        for (int i = index(number);; i = (i + 1) & mask) {
            CachedPage p = s[i];
            if (p == null) {
                return null;
            }
            if (k[i] == number) {
                return p;
            }
        }
    }

    /**
     * Any thread, no lock: the cached page {@code number} as a look-up racing with this map's
     * writers sees it, or null (not cached, or being moved by a concurrent insertion, removal or
     * resize: look again under the lock). A page found may be dropped or written meanwhile: take
     * its {@link CachedPage#stamp() stamp} and validate it after copying
     * ({@link PagedFile#readWithoutLock} does). Changes nothing (no hit counted, no CLOCK bit).
     */
    public CachedPage peek(long number) {
        CachedPage[] s = (CachedPage[]) SLOTS_FIELD.getAcquire(this);
        int mask = s.length - 1;
        int i = home(number, 64 - Integer.numberOfTrailingZeros(s.length));
        for (int probes = 0; probes < s.length; probes++, i = (i + 1) & mask) {
            CachedPage p = (CachedPage) SLOT.getAcquire(s, i);
            if (p == null) {
                return null;
            }
            if (p.number == number) {
                return p;
            }
        }
        return null;
    }

    /** Adds {@code p} (no page of its number is cached) as the newest page, unreferenced. */
    void add(CachedPage p) {
        if (2 * (size + 1) > slots.length) {
            resize(slots.length * 2);
        }
        insert(p);
        size++;
        if (probationQueue != null) {
            p.probation = true;
            probationCount++;
            probationQueue.addLast(p);
            if (probationQueue.size() > 2 * budget + 16) {
                probationQueue.removeIf(q -> !q.probation);
            }
        }
        p.prev = tail;
        p.next = null;
        if (tail == null) {
            head = p;
        } else {
            tail.next = p;
        }
        tail = p;
    }

    private void insert(CachedPage p) {
        int i = freeSlot(slots, shift, p.number);
        keys[i] = p.number;
        SLOT.setRelease(slots, i, p);
    }

    private void resize(int capacity) {
        CachedPage[] old = slots;
        long[] k = new long[capacity];
        CachedPage[] fresh = new CachedPage[capacity];
        int sh = 64 - Integer.numberOfTrailingZeros(capacity);
        for (CachedPage p : old) {
            if (p != null) {
                int i = freeSlot(fresh, sh, p.number);
                k[i] = p.number;
                fresh[i] = p;
            }
        }
        keys = k;
        shift = sh;
        SLOTS_FIELD.setRelease(this, fresh); // filled before peek can see it
    }

    /** Removes {@code p}, which is cached. */
    void remove(CachedPage p) {
        long[] k = keys;
        CachedPage[] s = slots;
        int mask = s.length - 1;
        int i = index(p.number);
        while (s[i] != p) {
            i = (i + 1) & mask;
        }
        // Backward-shift deletion: move later entries of the probe run into the hole when their home allows it.
        for (int j = (i + 1) & mask;; j = (j + 1) & mask) {
            CachedPage q = s[j];
            if (q == null) {
                break;
            }
            int home = index(k[j]);
            // q may move to i unless its home lies cyclically in (i, j].
            if (((j - home) & mask) >= ((j - i) & mask)) {
                SLOT.setRelease(s, i, q);
                k[i] = k[j];
                i = j;
            }
        }
        s[i] = null;
        size--;
        if (p.probation) {
            p.probation = false;
            probationCount--;
        }
        unlink(p);
        p.kill();
        if (slots.length > MIN_CAPACITY && 8 * size < slots.length) {
            resize(Math.max(MIN_CAPACITY, slots.length / 2));
        }
    }

    private void unlink(CachedPage p) {
        if (p.prev == null) {
            head = p.next;
        } else {
            p.prev.next = p.next;
        }
        if (p.next == null) {
            tail = p.prev;
        } else {
            p.next.prev = p.prev;
        }
        p.prev = null;
        p.next = null;
    }

    /** Moves {@code p} to the end of the replacement order. */
    private void moveToEnd(CachedPage p) {
        if (p == tail) {
            return;
        }
        unlink(p);
        p.prev = tail;
        tail.next = p;
        tail = p;
    }

    /**
     * The CLOCK hand: the next page to evict, after giving every referenced page met on the way a
     * second chance (bit cleared, moved to the end) and passing over pinned pages. Needs at least
     * one cached page that is not pinned; takes at most two turns over the pages, then the eldest
     * page not pinned (reads without the lock may set bits again as fast as the hand clears them).
     */
    CachedPage victim() {
        if (probationQueue != null && probationCount > Math.max(1, budget / 4)) {
            for (int n = probationQueue.size(); n > 0; n--) {
                CachedPage p = probationQueue.pollFirst();
                if (!p.probation) {
                    continue; // promoted or removed
                }
                if (p.pinned) {
                    probationQueue.addLast(p);
                } else if (p.referenced) {
                    p.probation = false; // promoted: the CLOCK below manages it from now on
                    p.prefetched = false;
                    probationCount--;
                } else {
                    probationQueue.addFirst(p); // still on probation until it is removed
                    return p;
                }
            }
        }
        for (int steps = 0, limit = 2 * size + 1; steps <= limit; steps++) {
            CachedPage p = head;
            if (p.pinned) {
                moveToEnd(p);
            } else if (p.referenced) {
                p.referenced = false;
                p.prefetched = false; // used since it was read ahead
                moveToEnd(p);
            } else {
                return p;
            }
        }
        // Reads without the lock set bits while the hand clears them: after two turns, the eldest
        // page that is not pinned goes whatever its bit.
        for (CachedPage p = head; p != null; p = p.next) {
            if (!p.pinned) {
                return p;
            }
        }
        throw new IllegalStateException("every cached page is pinned by the write in progress");
    }

    /** Moves {@code p} to the front of the replacement order, unreferenced: the next page to evict (drop-behind). */
    void demote(CachedPage p) {
        p.reread = false;
        if (p.referenced) {
            p.referenced = false;
            p.prefetched = false;
        }
        if (p == head) {
            return;
        }
        unlink(p);
        p.next = head;
        head.prev = p;
        head = p;
    }

    /**
     * The cached pages read again since they were cached (a hit after the read that cached them,
     * the first use of a page read ahead not counted; the CLOCK hand does not clear this, a
     * drop-behind does) whose numbers lie outside {@code [from, to)}: an estimate of the pages in
     * use beside a range (a read-ahead FCM's hot set beside a stream's head). One walk over the
     * pages.
     *
     * @since 1.4
     */
    public int rereadPages(long from, long to) {
        int n = 0;
        for (CachedPage p = head; p != null; p = p.next) {
            if (p.reread && (p.number < from || p.number >= to)) {
                n++;
            }
        }
        return n;
    }

    /**
     * The lowest page number {@code p} in {@code [from, to)} such that every page of
     * {@code [p, to)} is cached and its CLOCK bit set (read again since the bit was last cleared):
     * where a run of reads that ended at {@code to} entered the range. {@code to} if page
     * {@code to - 1} is not such a page.
     *
     * @since 1.4
     */
    public long referencedFrom(long from, long to) {
        long p = to;
        while (p > from) {
            CachedPage c = get(p - 1);
            if (c == null || !c.referenced) {
                break;
            }
            p--;
        }
        return p;
    }

    /**
     * Clears the CLOCK bit of the cached pages numbered {@code [from, to)} (they stay where they
     * are in the replacement order): a later {@link #referencedFrom} sees only reads after this.
     *
     * @since 1.4
     */
    public void clearReferenced(long from, long to) {
        for (long n = from; n < to; n++) {
            CachedPage c = get(n);
            if (c != null) {
                c.referenced = false;
            }
        }
    }

    /**
     * The lowest page number {@code p} in {@code [from, to)} such that every page of
     * {@code [p, to)} is cached, was read ahead and is not known to be used yet: where the pages a
     * read-ahead went past its stream's last read begin. {@code to} if page {@code to - 1} is not
     * such a page.
     *
     * @since 1.4
     */
    public long unusedReadAheadFrom(long from, long to) {
        long p = to;
        while (p > from) {
            CachedPage c = get(p - 1);
            if (c == null || !c.prefetched) {
                break;
            }
            p--;
        }
        return p;
    }

    /** @return the eldest page (the replacement order's first), or null */
    CachedPage eldest() {
        return head;
    }

    /** Drops every page. */
    void clear() {
        for (CachedPage p = head; p != null; p = p.next) {
            p.kill();
        }
        java.util.Arrays.fill(slots, null);
        if (probationQueue != null) {
            probationQueue.clear();
            probationCount = 0;
        }
        size = 0;
        head = null;
        tail = null;
    }

    // ------------------------------------------------------------------ the object trigger's bookkeeping

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
