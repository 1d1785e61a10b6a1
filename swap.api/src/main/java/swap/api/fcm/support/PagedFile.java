package swap.api.fcm.support;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

import swap.api.fcm.FcmFormats.Page;
import swap.api.fcm.FcmFormats.PageSet;
import swap.api.fcm.FcmStats;
import swap.api.fcm.support.PageMap.CachedPage;

/**
 * One open file and its cached pages, held in one or more {@link PageMap}s: everything an FCM does
 * except choosing how the pages are partitioned into maps ({@link #map(long)}) and which lock
 * guards each map. That part is the FCM's; so that the walks here stay correct, the FCM must hold,
 * while calling a {@code ...Locked} method, the lock of every map the call's page range touches
 * (see each method).
 *
 * <p><b>Writes are all-or-nothing for the cache.</b> {@link #writeLocked} works in two phases: it
 * first does everything that can fail (reading partly overwritten pages from the file, evicting
 * pages to make room, which writes dirty ones back), without changing what the cache holds; only
 * then does it copy the bytes in, which cannot fail. An I/O error in the first phase is thrown and
 * leaves every byte as it was (pages written back or read in meanwhile hold the same bytes as
 * before). A write spanning more pages than {@link #writeGroupPages()} (the whole cache's budget)
 * is applied in groups of that many pages, each all-or-nothing; an error then leaves the groups
 * before it written.
 *
 * <p><b>Reads of cached pages take no lock</b> ({@link #readWithoutLock}, what both FCMs try
 * first): each page carries a stamp, odd while a write changes it (a write makes every page it
 * changes odd before its first byte and even after its last byte and the new size) and odd for
 * good once dropped; a read finds its pages with {@link PageMap#peek}, copies them and keeps the
 * copy only if both stamps and the size are unchanged. Else it reads under the lock.
 *
 * <p>Happens-before: {@link #size()} and {@link #isClosed()} are volatile; everything else in a map
 * is guarded by that map's lock (but for {@link #readWithoutLock}, above), and the final fields are safely published with this object.
 * The logical size only grows ({@link #grow}, under the lock of the page being written) and only
 * shrinks with every lock held ({@link #truncateLocked}), so while a thread holds any map's lock
 * it can grow but not shrink.
 *
 * <p>Consumer type: FCM implementations extend it, so a new abstract method would break them (a
 * major version).
 */
@org.osgi.annotation.versioning.ConsumerType
public abstract class PagedFile {

    private static final VarHandle SIZE;

    static {
        try {
            SIZE = MethodHandles.lookup().findVarHandle(PagedFile.class, "size", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The file. */
    protected final Path path;
    /** Its open channel (owned by whichever FCM holds this structure). */
    protected final FileChannel channel;
    /** Bytes per page. */
    protected final int pageSize;
    /** The most pages cached, over all maps. */
    protected final int budget;
    /** log2(pageSize) if a power of two, else -1: a shift instead of a 64-bit division per page. */
    private final int shift;
    @SuppressWarnings("unused") // through SIZE
    private volatile long size;
    private volatile boolean closed;

    /**
     * @param size     the file's logical size (unflushed writes included)
     * @param pageSize bytes per page, at least 1
     * @param budget   the most pages cached over all maps, at least 1
     */
    protected PagedFile(Path path, FileChannel channel, long size, int pageSize, int budget) {
        if (pageSize <= 0 || budget <= 0 || size < 0) {
            throw new IllegalArgumentException("page size and budget must be > 0 and size >= 0, were " + pageSize + ", " + budget + " and " + size);
        }
        this.path = path;
        this.channel = channel;
        this.pageSize = pageSize;
        this.budget = budget;
        this.shift = Integer.bitCount(pageSize) == 1 ? Integer.numberOfTrailingZeros(pageSize) : -1;
        this.size = size;
    }

    /** @return the map that holds page {@code number} (a pure function of the number) */
    protected abstract PageMap map(long number);

    /** @return every map, in the order their locks must be taken when several are held */
    protected abstract PageMap[] maps();

    /**
     * @return the most consecutive pages one write applies all-or-nothing: no map may receive more
     *         of them than its budget (a shared FCM: its budget; one partitioned round-robin over
     *         {@code P} maps: {@code P} times the smallest map budget)
     */
    protected abstract int writeGroupPages();

    // ------------------------------------------------------------------ checks and page arithmetic

    /** The argument checks of {@code read} and {@code write}, before any lock is taken. */
    public static void checkArguments(long position, byte[] buffer, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, buffer.length);
        if (position < 0) {
            throw new IllegalArgumentException("negative position " + position);
        }
    }

    /** @return the number of the page holding byte {@code position} */
    public final long pageOf(long position) {
        return shift >= 0 ? position >>> shift : position / pageSize;
    }

    /** @return the last page a call of {@code length} bytes at {@code position} can touch (the first if {@code length} is 0) */
    public final long lastPageOf(long position, int length) {
        return pageOf(length == 0 ? position : position + length - 1);
    }

    public final Path path() {
        return path;
    }

    public final int pageSize() {
        return pageSize;
    }

    public final int budget() {
        return budget;
    }

    public final FileChannel channel() {
        return channel;
    }

    /** @return the logical size, unflushed writes included */
    public final long size() {
        return (long) SIZE.getVolatile(this);
    }

    public final boolean isClosed() {
        return closed;
    }

    /** @throws ClosedChannelException once {@link #closeLocked()} has run */
    public final void checkOpen() throws ClosedChannelException {
        if (closed) {
            throw new ClosedChannelException();
        }
    }

    /** Grows the logical size to {@code end} if smaller (any thread, any lock of the page written). */
    private void grow(long end) {
        long cur;
        while ((cur = size()) < end && !SIZE.compareAndSet(this, cur, end)) {
            // another writer grew it meanwhile: look again
        }
    }

    // ------------------------------------------------------------------ the walks

    /**
     * Reads up to {@code length} bytes at {@code position}. The caller checked the arguments and
     * holds the lock of every map of pages {@link #pageOf}{@code (position)} to
     * {@link #lastPageOf}{@code (position, length)}, so the read is atomic.
     *
     * @return the bytes read, or -1 at or past the end
     */
    public final int readLocked(long position, byte[] buffer, int offset, int length) throws IOException {
        checkOpen();
        if (position >= size()) {
            return -1;
        }
        int done = 0;
        while (done < length) {
            int r = readPageLocked(position + done, buffer, offset + done, length - done);
            if (r < 0) { // the end of the file
                break;
            }
            done += r;
        }
        return done;
    }

    /**
     * Reads up to {@code length} bytes at {@code position} from the one page holding
     * {@code position} (an FCM that locks page by page walks with it). The caller checked the
     * arguments and holds the lock of that page's map.
     *
     * @return the bytes read (at most to the end of the page and of the file), or -1 at or past the end
     */
    public final int readPageLocked(long position, byte[] buffer, int offset, int length) throws IOException {
        checkOpen();
        long sz = size();
        if (position >= sz) {
            return -1;
        }
        long number = pageOf(position);
        int in = (int) (position - number * pageSize);
        int chunk = (int) Math.min(Math.min(length, pageSize - in), sz - position);
        System.arraycopy(pageForRead(map(number), number).bytes, in, buffer, offset, chunk);
        return chunk;
    }

    // ------------------------------------------------------------------ reads that copy outside the lock, or take none

    /** {@link #readWithoutLock}'s answer when it could not read: read under the lock. */
    public static final int READ_UNDER_LOCK = -2;

    /**
     * A read of at most two cached pages that takes no lock at all, as the Linux page cache looks
     * pages up (its "lockless pagecache"): each page is found with {@link PageMap#peek}, its stamp
     * taken, its bytes copied and the stamp checked again. Any thread; the caller checked the
     * arguments.
     *
     * <p>It is atomic like a read under the lock: both stamps were even and unchanged from before
     * the first copy to after the last, so no write, truncate, eviction or close touched either page
     * meanwhile, and the size read before them was the size then (a write that grew the file past
     * these pages wrote other pages: the read comes before it). It counts a hit per page and sets
     * the CLOCK bits, as a read under the lock, but records no calling thread, so the object
     * triggers see only the calls that take a lock (writes, misses and reads of more than two pages),
     * the only ones where the partitioning makes a difference.
     *
     * @return the bytes read, or -1 at or past the end, or {@link #READ_UNDER_LOCK} if a page is not
     *         cached, is being written or changed meanwhile, the read spans more than two pages, or
     *         the file is closed: then read under the lock, which also reports the error
     */
    public final int readWithoutLock(long position, byte[] buffer, int offset, int length) {
        if (closed) {
            return READ_UNDER_LOCK;
        }
        long sz = size();
        if (position >= sz) {
            return -1;
        }
        int n = (int) Math.min(length, sz - position);
        if (n == 0) {
            return 0;
        }
        long first = pageOf(position);
        long last = lastPageOf(position, n);
        if (last - first > 1) {
            return READ_UNDER_LOCK;
        }
        PageMap m1 = map(first);
        CachedPage p1 = m1.peek(first);
        if (p1 == null) {
            return READ_UNDER_LOCK;
        }
        long s1 = p1.stamp();
        if ((s1 & 1) != 0) {
            return READ_UNDER_LOCK;
        }
        PageMap m2 = null;
        CachedPage p2 = null;
        long s2 = 0;
        if (last != first) {
            m2 = map(last);
            p2 = m2.peek(last);
            if (p2 == null) {
                return READ_UNDER_LOCK;
            }
            s2 = p2.stamp();
            if ((s2 & 1) != 0) {
                return READ_UNDER_LOCK;
            }
        }
        int c1 = p2 == null ? n : (int) ((first + 1) * pageSize - position);
        System.arraycopy(p1.bytes, (int) (position - first * pageSize), buffer, offset, c1);
        if (p2 != null) {
            System.arraycopy(p2.bytes, 0, buffer, offset + c1, n - c1);
        }
        if (!p1.validate(s1) || p2 != null && !p2.validate(s2) || size() != sz) {
            return READ_UNDER_LOCK;
        }
        m1.hitsWithoutLock.increment();
        touch(p1);
        if (p2 != null) {
            m2.hitsWithoutLock.increment();
            touch(p2);
        }
        return n;
    }

    /**
     * The first half of a read that copies outside the lock: the caller holds the lock of page
     * {@code number}'s map and has checked that the page starts before the end of the file. Looks
     * the page up (a hit or a miss counted as by {@link #readLocked}; a miss reads it from the file
     * and may evict another page of that map). Take its {@link CachedPage#stamp() stamp} before
     * releasing the lock, then copy with {@link #copyIfUnchanged}.
     *
     * @return the page, cached
     */
    public final CachedPage pageForReadLocked(long number) throws IOException {
        checkOpen();
        return pageForRead(map(number), number);
    }

    /**
     * The second half: any thread, no lock needed. Copies {@code length} bytes at
     * {@code position} (within page {@code p}) into {@code buffer} and checks the page's stamp.
     *
     * @param stamp {@code p}'s stamp, taken while holding its map's lock
     * @return true if no write, truncate, eviction or close touched the page since {@code stamp}
     *         was taken: the bytes copied are the page as it was then. False: the bytes copied are
     *         garbage, read again under the lock ({@link #readLocked}).
     */
    public final boolean copyIfUnchanged(CachedPage p, long stamp, long position, byte[] buffer, int offset, int length) {
        System.arraycopy(p.bytes, (int) (position - p.number * pageSize), buffer, offset, length);
        return p.validate(stamp);
    }

    /**
     * Writes {@code length} bytes at {@code position}, all-or-nothing for the cache (see the class
     * comment). The caller checked the arguments and holds the lock of every map of pages
     * {@link #pageOf}{@code (position)} to {@link #lastPageOf}{@code (position, length)}.
     */
    public final void writeLocked(long position, byte[] buffer, int offset, int length) throws IOException {
        checkOpen();
        if (length == 0) {
            return;
        }
        long first = pageOf(position);
        long last = pageOf(position + length - 1);
        if (first == last) {
            PageMap m = map(first);
            int in = (int) (position - first * pageSize);
            CachedPage p = m.get(first);
            if (p != null) {
                m.hits++;
                touch(p);
                p.beginWrite();
            } else {
                m.misses++;
                byte[] b = freshPage(first, in, in + length);
                makeRoom(m, 1);
                p = new CachedPage(first, b);
                p.beginWrite(); // odd before a read without the lock can find it: its bytes are not all the file's yet
                m.add(p);
            }
            System.arraycopy(buffer, offset, p.bytes, in, length);
            grow(position + length); // inside the odd window, so that no read sees these bytes with the old size
            p.endWrite();
            markDirty(m, p);
            return;
        }
        int group = Math.max(1, writeGroupPages());
        for (long g = first; g <= last; g += group) {
            long gl = Math.min(last, g + group - 1);
            writeGroup(g, gl, position, buffer, offset, length);
        }
    }

    /** Pages {@code g..gl} of a write: phase one may fail and changes no byte; phase two cannot fail. */
    private void writeGroup(long g, long gl, long position, byte[] buffer, int offset, int length) throws IOException {
        int k = (int) (gl - g + 1);
        CachedPage[] nodes = new CachedPage[k];
        byte[][] fresh = new byte[k][];
        long end = position + length;
        PageMap[] touched = new PageMap[Math.min(k, maps().length)];
        int nTouched = 0;
        try {
            // Phase one, 1: the cached pages are pinned (so making room below never evicts them)
            // and referenced; the missing ones are read from the file, not yet inserted.
            for (int i = 0; i < k; i++) {
                long number = g + i;
                PageMap m = map(number);
                CachedPage p = m.get(number);
                if (p != null) {
                    m.hits++;
                    touch(p);
                    p.pinned = true;
                    nodes[i] = p;
                } else {
                    m.misses++;
                    long start = number * pageSize;
                    int from = (int) Math.max(0, position - start);
                    int to = (int) Math.min(pageSize, end - start);
                    fresh[i] = freshPage(number, from, to);
                    if (m.reserved++ == 0) {
                        touched[nTouched++] = m;
                    }
                }
            }
            // Phase one, 2: room for the missing pages (dirty evictees are written back first).
            for (int j = 0; j < nTouched; j++) {
                makeRoom(touched[j], touched[j].reserved);
            }
        } finally {
            // Only the maps this write counted in: their locks are held. Another map's count may
            // belong to a write running under that map's lock right now.
            for (int j = 0; j < nTouched; j++) {
                touched[j].reserved = 0;
            }
            for (int i = 0; i < k; i++) {
                if (nodes[i] != null) {
                    nodes[i].pinned = false;
                }
            }
        }
        // Phase two: no I/O from here on. Every page's stamp is made odd before any byte changes and
        // even again only after the last one and the new size: a read without the lock
        // (readWithoutLock) sees all of this write or none of it.
        for (int i = 0; i < k; i++) {
            CachedPage p = nodes[i];
            if (p == null) {
                p = new CachedPage(g + i, fresh[i]);
                p.beginWrite();
                map(g + i).add(p);
                nodes[i] = p;
            } else {
                p.beginWrite();
            }
        }
        for (int i = 0; i < k; i++) {
            long start = (g + i) * pageSize;
            int from = (int) Math.max(0, position - start);
            int to = (int) Math.min(pageSize, end - start);
            System.arraycopy(buffer, (int) (offset + start + from - position), nodes[i].bytes, from, to - from);
        }
        grow(Math.min(end, (gl + 1) * pageSize));
        for (int i = 0; i < k; i++) {
            nodes[i].endWrite();
            markDirty(map(g + i), nodes[i]);
        }
    }

    /** A page not cached, for a write of {@code [from, to)} within it: read from the file unless overwritten whole or past the end. */
    private byte[] freshPage(long number, int from, int to) throws IOException {
        byte[] b = new byte[pageSize];
        boolean whole = from == 0 && to == pageSize;
        if (!whole && number * pageSize < size()) {
            load(number, b);
        }
        return b;
    }

    /** The page for a read: from the map (a hit) or from the file (a miss, inserted). */
    private CachedPage pageForRead(PageMap m, long number) throws IOException {
        CachedPage p = m.get(number);
        if (p != null) {
            m.hits++;
            touch(p);
            return p;
        }
        m.misses++;
        byte[] b = new byte[pageSize];
        load(number, b);
        makeRoom(m, 1);
        p = new CachedPage(number, b);
        m.add(p);
        return p;
    }

    /**
     * A hit: the CLOCK bit, stored only when not set yet (a hot page's line is then only read). The
     * first use of a page read ahead only marks it used (no longer counted as read-ahead waste if
     * evicted) and leaves the bit clear, as a page a demand miss read is cached unreferenced: a page
     * a stream read once is not a page read again (since 1.4; Linux's read-ahead pages likewise
     * start on the inactive list).
     */
    private static void touch(CachedPage p) {
        if (!p.referenced) {
            if (p.prefetched) {
                p.prefetched = false;
            } else {
                p.referenced = true;
                p.reread = true;
            }
        }
    }

    private void load(long number, byte[] b) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(b);
        long pos = number * pageSize;
        // Bytes past the end of the file on disk stay zero (a gap, or writes not yet flushed).
        while (buf.hasRemaining()) {
            if (channel.read(buf, pos + buf.position()) < 0) {
                break;
            }
        }
    }

    /** Evicts pages (CLOCK: the eldest not referenced since its last chance) until {@code more} pages fit within {@code m}'s budget. */
    private void makeRoom(PageMap m, int more) throws IOException {
        while (m.cachedPages() > 0 && m.cachedPages() + more > m.budget) {
            evictOne(m);
        }
    }

    /** Drops the page the CLOCK hand picks, writing it back first if dirty; an I/O error leaves it cached and dirty. */
    private void evictOne(PageMap m) throws IOException {
        CachedPage p = m.victim();
        if (p.dirty) {
            writeBack(m, p.number, p);
        }
        if (p.prefetched && !p.referenced) {
            m.readAheadWasted++;
        }
        m.remove(p);
        m.evictions++;
    }

    /** Writes a dirty page (only the bytes within the logical size) and marks it clean. */
    private void writeBack(PageMap m, long number, CachedPage p) throws IOException {
        long start = number * pageSize;
        int len = (int) Math.min(pageSize, size() - start);
        if (len > 0) {
            ByteBuffer buf = ByteBuffer.wrap(p.bytes, 0, len);
            while (buf.hasRemaining()) {
                channel.write(buf, start + buf.position());
            }
        }
        p.dirty = false;
        m.dirty--;
    }

    private static void markDirty(PageMap m, CachedPage p) {
        if (!p.dirty) {
            p.dirty = true;
            m.dirty++;
        }
    }

    // ------------------------------------------------------------------ global operations

    /** Caller holds {@code m}'s lock: writes its dirty pages back in page order (not forced). */
    public final void flushLocked(PageMap m) throws IOException {
        if (m.dirty == 0) {
            return;
        }
        List<CachedPage> l = new ArrayList<>();
        for (CachedPage p = m.eldest(); p != null; p = p.next) {
            if (p.dirty) {
                l.add(p);
            }
        }
        l.sort((a, b) -> Long.compare(a.number, b.number));
        for (CachedPage p : l) {
            writeBack(m, p.number, p);
        }
    }

    /** Caller holds {@code m}'s lock: evicts until its budget holds (after an import from a larger cache). */
    public final void trimLocked(PageMap m) throws IOException {
        while (m.cachedPages() > m.budget) {
            evictOne(m);
        }
    }

    /** Caller holds every lock. Cuts the file first (an I/O error changes nothing), then the pages past the end. */
    public final void truncateLocked(long newSize) throws IOException {
        checkOpen();
        if (newSize < 0) {
            throw new IllegalArgumentException("negative size " + newSize);
        }
        if (newSize >= size()) {
            return;
        }
        if (channel.size() > newSize) {
            channel.truncate(newSize);
        }
        SIZE.setVolatile(this, newSize);
        long lastKept = newSize == 0 ? -1 : pageOf(newSize - 1);
        for (PageMap m : maps()) {
            for (CachedPage p = m.eldest(), next; p != null; p = next) {
                next = p.next;
                long number = p.number;
                if (number > lastKept) {
                    if (p.dirty) {
                        m.dirty--;
                    }
                    m.remove(p);
                } else if (number == lastKept) {
                    p.beginWrite();
                    Arrays.fill(p.bytes, (int) (newSize - number * pageSize), pageSize, (byte) 0); // a later growth reads zeros
                    p.endWrite();
                }
            }
        }
    }

    /**
     * Caller holds every lock: writes every dirty page back, forces the file, closes it and drops the
     * pages. An I/O error leaves it open with its dirty pages, so the caller may retry.
     */
    public final void closeLocked() throws IOException {
        checkOpen();
        for (PageMap m : maps()) {
            flushLocked(m);
        }
        channel.force(false);
        closed = true;
        for (PageMap m : maps()) {
            m.clear();
            m.dirty = 0;
        }
        channel.close();
    }

    /**
     * Caller holds the lock of page {@code number}'s map: reads page {@code number} from the file
     * into the cache ahead of a read that will want it, unless it is cached or starts at or past
     * the end of the file. Counted as read ahead, not as a miss; evicting to make room (dirty pages
     * written back first). Evicted before any read used it, it counts as read-ahead waste.
     *
     * @return true if it read the page
     * @since 1.3
     */
    public final boolean readAheadLocked(long number) throws IOException {
        checkOpen();
        if (number < 0 || number * pageSize >= size()) {
            return false;
        }
        PageMap m = map(number);
        if (m.get(number) != null) {
            return false;
        }
        byte[] b = new byte[pageSize];
        load(number, b);
        makeRoom(m, 1);
        CachedPage p = new CachedPage(number, b);
        p.prefetched = true;
        m.add(p);
        m.readAhead++;
        return true;
    }

    /**
     * Caller holds the lock of page {@code number}'s map: if page {@code number} is cached and no
     * write holds it, makes it the next page to evict (drop-behind: a stream will not read it again).
     *
     * @since 1.3
     */
    public final void dropBehindLocked(long number) {
        PageMap m = map(number);
        CachedPage p = m.get(number);
        if (p != null && !p.pinned) {
            m.demote(p);
        }
    }

    /** Caller holds {@code m}'s lock: adds its statistics to {@code s}. */
    public final void addStats(PageMap m, FcmStats s) {
        s.hits += m.hits + m.hitsWithoutLock.sum();
        s.misses += m.misses;
        s.evictions += m.evictions;
        s.readAhead += m.readAhead;
        s.readAheadWasted += m.readAheadWasted;
        s.cachedPages += m.cachedPages();
        s.dirtyPages += m.dirty;
    }

    // ------------------------------------------------------------------ the canonical state

    /** Caller holds {@code m}'s lock: its pages, in replacement order (eldest first), the arrays handed over, not copied. */
    public final List<Page> pagesOf(PageMap m) {
        List<Page> l = new ArrayList<>(m.cachedPages());
        for (CachedPage p = m.eldest(); p != null; p = p.next) {
            l.add(new Page(p.number, p.bytes, p.dirty));
        }
        return l;
    }

    /** The canonical state of this file: {@code parts} (from {@link #pagesOf}) and the statistics {@code stats}, carried to the importer. */
    public final PageSet toPageSet(List<List<Page>> parts, FcmStats stats) {
        return new PageSet(path, channel, size(), pageSize, budget, parts, stats);
    }

    /** Caller holds the lock of page {@code page}'s map: caches it (dirty if it was), replacing any page of that number. */
    public final void importPage(Page page) {
        if (page.bytes().length != pageSize) {
            throw new IllegalArgumentException("page " + page.number() + " has " + page.bytes().length + " bytes, the page size is " + pageSize);
        }
        PageMap m = map(page.number());
        CachedPage p = new CachedPage(page.number(), page.bytes());
        CachedPage old = m.get(page.number());
        if (old != null) {
            if (old.dirty) {
                m.dirty--;
            }
            m.remove(old);
        }
        m.add(p);
        if (page.dirty()) {
            markDirty(m, p);
        }
    }

    /**
     * Caller holds {@code m}'s lock: adds the hits, misses and evictions of an exporter
     * ({@link PageSet#stats()}, may be {@code null}) to {@code m}'s, so that statistics survive a swap.
     */
    public static void carryStats(PageMap m, FcmStats carried) {
        if (carried != null) {
            m.hits += carried.hits;
            m.misses += carried.misses;
            m.evictions += carried.evictions;
            m.readAhead += carried.readAhead;
            m.readAheadWasted += carried.readAheadWasted;
        }
    }
}
