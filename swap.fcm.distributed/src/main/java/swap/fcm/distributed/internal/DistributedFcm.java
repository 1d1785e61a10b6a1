package swap.fcm.distributed.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ServiceScope;

import swap.api.StateFormat;
import swap.api.StatefulComponent;
import swap.api.SwapConstants;
import swap.api.SwapManager;
import swap.api.TransferContext;
import swap.api.fcm.FcmFormats;
import swap.api.fcm.FcmFormats.Page;
import swap.api.fcm.FcmFormats.PageSet;
import swap.api.fcm.FcmStats;
import swap.api.fcm.FileCacheManager;
import swap.api.fcm.support.PageMap;
import swap.api.fcm.support.PageMap.CachedPage;
import swap.api.fcm.support.PagedFile;
import swap.api.fcm.support.SelfSwap;

/**
 * The distributed file cache manager: the pages are partitioned by page number (chunks of
 * {@link DistributedState#CHUNK_PAGES} consecutive pages dealt out round-robin) over a configurable number of partitions, each with its own lock (its monitor), replacement (CLOCK) order, share of the budget and
 * statistics, so threads working on different pages rarely meet. Global operations (flush,
 * truncate, close, statistics) visit every partition and cost more than in the shared FCM, and
 * each open file pays for its partitions in memory.
 *
 * <p>Thread-safety: every {@link FileCacheManager} method may be called by any thread. A read or
 * write holds one partition lock at a time, page by page: a write spanning pages is not atomic with
 * respect to a concurrent read or write of the same range (as with {@code pwrite} on most file
 * systems); within one page it is. Everything a call did to a page happens-before the next call
 * that locks that page's partition. {@link #exportState}/{@link #importState} are called by the
 * swap manager only while the instance is quiescent.
 *
 * <p>State formats: exports {@link #PARTITIONED} (the structure by reference, O(1), for another
 * distributed FCM) and {@link FcmFormats#PAGES} with one part per partition (page arrays handed
 * over, not copied); imports the same two, importing the parts of {@code PAGES} in parallel on
 * {@link TransferContext#executor()}. Once a swap completed, DS deactivates this instance: it
 * closes nothing and clears nothing, since the importer owns the channel and the pages.
 *
 * <p>Configuration (PID {@value #PID}): {@value #PARTITIONS} partitions per file, default
 * {@link #DEFAULT_PARTITIONS}: twice the processors, rounded up to a power of two (no more threads than
 * processors run at once, and each partition costs memory per file and a visit in every global
 * operation; on the 2-core development machine, 4).
 */
@Component(service = FileCacheManager.class, scope = ServiceScope.PROTOTYPE, configurationPid = DistributedFcm.PID, property = {
        SwapConstants.IMPL_NAME + "=" + DistributedFcm.NAME,
        SwapConstants.IMPL_VERSION + "=1.0.0",
        FileCacheManager.CONCURRENCY + "=distributed"})
public final class DistributedFcm implements FileCacheManager, StatefulComponent {

    /** The implementation name. */
    public static final String NAME = "fcm.distributed";
    /** Configuration PID. */
    public static final String PID = "swap.fcm.distributed";
    /** Configuration property, {@code Integer}: partitions per open file. */
    public static final String PARTITIONS = "partitions";
    /** Partitions per open file unless configured. */
    public static final int DEFAULT_PARTITIONS = defaultPartitions(Runtime.getRuntime().availableProcessors());
    /** Below this many pages an import runs on the calling thread: tasks would cost more than they save. */
    static final int PARALLEL_IMPORT_THRESHOLD = 64;

    /** The whole partitioned cache, handed to another distributed FCM by reference in constant time. */
    public static final StateFormat<DistributedState> PARTITIONED = StateFormat.byReference("fcm.distributed.partitions.v1", DistributedState.class);

    private static final List<StateFormat<?>> FORMATS = List.of(PARTITIONED, FcmFormats.PAGES);

    /**
     * The way back (the object trigger, as the shared FCM's way there): every call that takes a
     * partition monitor (writes, and reads that cannot be served without a lock) records, under
     * it, which thread called; every
     * {@link #EVALUATE_EVERY} uses of a partition, the caller sums the partitions' thread changes
     * (without their locks: a hint). Once one thread alone has used the file for
     * {@link #QUIET_NANOS}, this FCM asks for a {@code (concurrency=shared)} replacement through
     * {@link SelfSwap}: one request at a time, none in the first {@link #DWELL_NANOS} of its life,
     * none while no such implementation is registered, exponential back-off (1 s doubling to
     * 1 min) after a look-up or request that failed, ended when a matching implementation
     * registers. Off when no swap manager is bound (or with {@code self.swap=false}).
     */
    static final long QUIET_NANOS = 250_000_000L;
    static final int EVALUATE_EVERY = 1024;
    /** No request within this long after the FCM was created (it has just been swapped in, perhaps). */
    static final long DWELL_NANOS = 500_000_000L;

    private final long created = System.nanoTime();
    /** Made on first use: most open files never need it, and it costs about 56 bytes. */
    private volatile SelfSwap trigger;

    SelfSwap trigger() {
        SelfSwap t = trigger;
        if (t == null) {
            synchronized (this) {
                t = trigger;
                if (t == null) {
                    trigger = t = new SelfSwap("shared", created + DWELL_NANOS - System.nanoTime());
                }
            }
        }
        return t;
    }
    private volatile boolean selfSwap = true;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile SwapManager manager;

    private int partitionCount = DEFAULT_PARTITIONS;
    /** Set once by the import that binds this instance (before any call reaches it). */
    private volatile DistributedState s;

    static int defaultPartitions(int processors) {
        int n = Math.max(2, 2 * processors);
        return Integer.bitCount(n) == 1 ? n : Integer.highestOneBit(n) << 1;
    }

    /** For DS and for plain Java: {@link #DEFAULT_PARTITIONS} partitions. */
    public DistributedFcm() {
    }

    /** For plain Java: {@code partitions} partitions per file. */
    public DistributedFcm(int partitions) {
        if (partitions <= 0) {
            throw new IllegalArgumentException("partitions must be > 0, was " + partitions);
        }
        this.partitionCount = partitions;
    }

    /** For plain Java: {@code partitions} partitions per file (0: the default), asking {@code manager} for its own replacement. */
    public DistributedFcm(int partitions, SwapManager manager) {
        this(partitions > 0 ? partitions : DEFAULT_PARTITIONS);
        this.manager = manager;
    }

    @Activate
    void activate(Map<String, Object> properties) {
        Object p = properties.get(PARTITIONS);
        if (p != null) {
            int n = Integer.parseInt(p.toString().trim());
            if (n > 0) {
                partitionCount = n;
            }
        }
        modified(properties);
    }

    /** A new configuration: {@code self.swap} applies at once, a new partition count to files opened afterwards. */
    @Modified
    void modified(Map<String, Object> properties) {
        selfSwap = !"false".equals(String.valueOf(properties.get("self.swap")));
    }

    /** DS: a shared implementation was registered: a back-off waiting for one ends. */
    @Reference(service = FileCacheManager.class, cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            target = "(" + FileCacheManager.CONCURRENCY + "=shared)")
    void bindTarget(ServiceReference<FileCacheManager> ref) {
        SelfSwap t = trigger;
        if (t != null) { // none yet: no back-off to end
            t.targetRegistered();
        }
    }

    void unbindTarget(ServiceReference<FileCacheManager> ref) {
        // nothing: the next look-up finds it gone
    }

    /** Outside any lock, every {@link #EVALUATE_EVERY} uses of a partition: has one thread alone used the file for long enough? */
    private void evaluate(DistributedState st) {
        SwapManager m = manager;
        if (m == null || !selfSwap || !trigger().mayAsk()) {
            return;
        }
        long now = System.nanoTime();
        long sum = 0;
        Thread one = null;
        boolean single = true;
        for (PageMap p : st.partitions) {
            sum += p.threadSwitches();
            Thread t = p.lastThread();
            if (t != null) {
                if (one == null) {
                    one = t;
                } else if (one != t) {
                    single = false;
                }
            }
        }
        if (!single || sum != st.lastSwitches) {
            st.lastSwitches = single ? sum : -1;
            st.quietSince = now;
        } else if (now - st.quietSince >= QUIET_NANOS) {
            trigger().ask(m, this, NAME + ": one thread alone for " + QUIET_NANOS / 1_000_000 + " ms");
        }
    }

    /** For tests in this package: the bound state. */
    DistributedState stateForTest() {
        return state();
    }

    private DistributedState state() {
        DistributedState st = s;
        if (st == null) {
            throw new IllegalStateException("this FCM is not bound to a file: open files through the FileCache service");
        }
        return st;
    }

    @Override
    public Path path() {
        return state().path();
    }

    @Override
    public int pageSize() {
        return state().pageSize();
    }

    /**
     * A read of at most two cached pages takes no monitor at all and is atomic
     * ({@link PagedFile#readWithoutLock}, as in the shared FCM). Otherwise:
     * page by page, each under its partition's monitor alone: a read spanning pages never holds two
     * monitors (it would make concurrent readers queue on each other's second partition), so it is
     * not atomic with respect to a concurrent write of the same range (each page is), as with
     * {@code pread} on most file systems. The monitor is held only to look the page up and take its
     * stamp; the bytes are copied after releasing it (and again under it if a write, truncate or
     * eviction touched the page meanwhile), as in the shared FCM.
     */
    @Override
    public int read(long position, byte[] buffer, int offset, int length) throws IOException {
        PagedFile.checkArguments(position, buffer, offset, length);
        DistributedState st = state();
        int read = st.readWithoutLock(position, buffer, offset, length);
        if (read != PagedFile.READ_UNDER_LOCK) {
            return read;
        }
        st.checkOpen();
        long size = st.size();
        if (position >= size) {
            return -1;
        }
        int n = (int) Math.min(length, size - position);
        int f = st.index(st.pageOf(position));
        int done = 0;
        int pageSize = st.pageSize();
        do {
            long pos = position + done;
            long number = st.pageOf(pos);
            int i = st.index(number);
            PageMap p = st.partitions[i];
            int r;
            int r2 = 0;
            CachedPage page = null;
            CachedPage next = null;
            long stamp = 0;
            long stamp2 = 0;
            synchronized (p) {
                if (done == 0) {
                    p.use(Thread.currentThread());
                }
                st.checkOpen();
                long end = Math.min(position + n, st.size());
                if (pos >= end) {
                    r = -1;
                } else {
                    r = (int) Math.min(end - pos, (number + 1) * pageSize - pos);
                    page = st.pageForReadLocked(number);
                    stamp = page.stamp();
                    // The next page too if the read goes on into it and it is in this partition
                    // (same chunk): one monitor for a record spanning two pages.
                    if (pos + r < end && st.index(number + 1) == i) {
                        r2 = (int) Math.min(end - pos - r, pageSize);
                        next = st.pageForReadLocked(number + 1);
                        stamp2 = next.stamp();
                    }
                }
            }
            // The copies outside the monitor; if a write, truncate or eviction touched a page
            // meanwhile, that page is read again under it.
            if (page != null && !st.copyIfUnchanged(page, stamp, pos, buffer, offset + done, r)) {
                synchronized (p) {
                    r = st.readPageLocked(pos, buffer, offset + done, n - done);
                }
                next = null; // the loop looks at the next page again
            }
            if (r < 0) { // truncated meanwhile
                break;
            }
            done += r;
            if (next != null) {
                if (!st.copyIfUnchanged(next, stamp2, pos + r, buffer, offset + done, r2)) {
                    synchronized (p) {
                        r2 = st.readPageLocked(pos + r, buffer, offset + done, n - done);
                    }
                    if (r2 < 0) {
                        break;
                    }
                }
                done += r2;
            }
        } while (done < n);
        if ((st.partitions[f].uses() & (EVALUATE_EVERY - 1)) == 0) {
            evaluate(st);
        }
        return done == 0 && n > 0 ? -1 : done;
    }

    /** Holds the monitors of every partition the written pages fall in, so that the write is all-or-nothing and atomic. */
    @Override
    public void write(long position, byte[] buffer, int offset, int length) throws IOException {
        PagedFile.checkArguments(position, buffer, offset, length);
        call(true, position, buffer, offset, length);
    }

    /** A read or write: holds the monitors of the partitions its pages fall in (one within a page). */
    private long call(boolean write, long position, byte[] buffer, int offset, int length) throws IOException {
        DistributedState st = state();
        long first = st.pageOf(position);
        long last = st.lastPageOf(position, length);
        int f = st.index(first);
        int count = st.partitionsSpanned(first, last);
        long r;
        if (count == 1) {
            PageMap p = st.partitions[f];
            synchronized (p) {
                p.use(Thread.currentThread());
                r = write ? write(st, position, buffer, offset, length) : st.readLocked(position, buffer, offset, length);
            }
        } else {
            r = locked(st, f, count, 0, write, position, buffer, offset, length);
        }
        if ((st.partitions[f].uses() & (EVALUATE_EVERY - 1)) == 0) {
            evaluate(st);
        }
        return r;
    }

    /** Takes the {@code depth}-th of {@code count} monitors in index order, then the rest, then runs the call. */
    private static long locked(DistributedState st, int f, int count, int depth, boolean write, long position, byte[] buffer, int offset,
            int length) throws IOException {
        if (depth == count) {
            st.partitions[f].use(Thread.currentThread());
            return write ? write(st, position, buffer, offset, length) : st.readLocked(position, buffer, offset, length);
        }
        synchronized (st.partitions[st.lockOrder(f, count, depth)]) {
            return locked(st, f, count, depth + 1, write, position, buffer, offset, length);
        }
    }

    private static long write(DistributedState st, long position, byte[] buffer, int offset, int length) throws IOException {
        st.writeLocked(position, buffer, offset, length);
        return 0;
    }

    @Override
    public long size() throws IOException {
        DistributedState st = state();
        st.checkOpen();
        return st.size();
    }

    @Override
    public void truncate(long size) throws IOException {
        DistributedState st = state();
        st.underAllLocks(() -> {
            st.truncateLocked(size);
        });
    }

    @Override
    public void flush() throws IOException {
        DistributedState st = state();
        st.checkOpen();
        for (PageMap p : st.partitions) {
            synchronized (p) {
                st.checkOpen();
                st.flushLocked(p);
            }
        }
        st.channel().force(false);
    }

    @Override
    public void close() throws IOException {
        DistributedState st = state();
        st.underAllLocks(st::closeLocked); // an I/O error leaves the FCM open with its dirty pages: the caller may retry
    }

    @Override
    public FcmStats stats() {
        return state().stats();
    }

    // ---------------------------------------------------------------- state transfer

    @Override
    public List<StateFormat<?>> exportFormats() {
        return FORMATS;
    }

    @Override
    public List<StateFormat<?>> importFormats() {
        return FORMATS;
    }

    @Override
    public Object exportState(StateFormat<?> format) {
        DistributedState st = state();
        if (format.equals(PARTITIONED)) {
            return st;
        }
        List<List<Page>> parts = new ArrayList<>(st.partitions.length);
        for (PageMap p : st.partitions) {
            synchronized (p) {
                parts.add(st.pagesOf(p));
            }
        }
        return st.toPageSet(parts, st.stats());
    }

    @Override
    public void importState(StateFormat<?> format, Object state, TransferContext context) throws IOException {
        if (s != null) {
            throw new IllegalStateException("this FCM is already bound to " + s.path());
        }
        if (format.equals(PARTITIONED)) {
            s = PARTITIONED.cast(state);
            return;
        }
        PageSet ps = FcmFormats.PAGES.cast(state);
        DistributedState st = new DistributedState(ps.path(), ps.channel(), ps.size(), ps.pageSize(), ps.budget(), partitionCount);
        int total = 0;
        for (List<Page> part : ps.parts()) {
            total += part.size();
        }
        if (total < PARALLEL_IMPORT_THRESHOLD || context == null || context.parallelism() < 2) {
            for (List<Page> part : ps.parts()) {
                importPages(st, part);
            }
        } else {
            // Parts as given (one per partition of a distributed exporter), a big part (a shared
            // exporter's only one) cut into slices, so that every worker has some. Each task sorts
            // its slice by partition first, then takes each partition's monitor once (starting at a
            // different partition per task), so tasks rarely meet on a lock and no page is scanned twice.
            int slice = Math.max(PARALLEL_IMPORT_THRESHOLD / 2, (total + context.parallelism() - 1) / context.parallelism());
            List<CompletableFuture<Void>> tasks = new ArrayList<>();
            for (List<Page> part : ps.parts()) {
                for (int from = 0; from < part.size(); from += slice) {
                    List<Page> l = part.subList(from, Math.min(part.size(), from + slice));
                    int first = tasks.size();
                    tasks.add(CompletableFuture.runAsync(() -> importSlice(st, l, first), context.executor()));
                }
            }
            try {
                CompletableFuture.allOf(tasks.toArray(new CompletableFuture<?>[0])).join();
            } catch (CompletionException ex) {
                Throwable cause = ex.getCause();
                throw cause instanceof RuntimeException ? (RuntimeException) cause : ex;
            }
        }
        // More pages than a partition's budget (an exporter with a larger budget, or pages unevenly
        // spread): the eldest go now, dirty ones written back first. An I/O error fails the import;
        // the exporter still has all its pages.
        synchronized (st.partitions[0]) {
            PagedFile.carryStats(st.partitions[0], ps.stats());
        }
        for (PageMap p : st.partitions) {
            synchronized (p) {
                st.trimLocked(p);
            }
        }
        s = st; // the join above orders every task's writes before this
    }

    /** One slice of a parallel import: sorted by partition, then each partition's pages under its monitor, taken once. */
    private static void importSlice(DistributedState st, List<Page> slice, int first) {
        int n = st.partitions.length;
        @SuppressWarnings("unchecked")
        List<Page>[] buckets = new List[n];
        for (int i = 0; i < n; i++) {
            buckets[i] = new ArrayList<>(slice.size() / n + 1);
        }
        for (Page page : slice) {
            buckets[st.index(page.number())].add(page);
        }
        for (int k = 0; k < n; k++) {
            int i = (first + k) % n;
            PageMap p = st.partitions[i];
            synchronized (p) {
                for (Page page : buckets[i]) {
                    st.importPage(page);
                }
            }
        }
    }

    private static void importPages(DistributedState st, List<Page> pages) {
        for (Page page : pages) {
            PageMap p = st.partitions[st.index(page.number())];
            synchronized (p) {
                st.importPage(page);
            }
        }
    }

    @Override
    public String toString() {
        DistributedState st = s;
        return "DistributedFcm[" + (st == null ? "unbound" : st.path() + ", " + st.partitions.length + " partitions") + "]";
    }
}
