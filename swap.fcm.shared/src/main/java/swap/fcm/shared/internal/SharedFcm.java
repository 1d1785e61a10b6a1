package swap.fcm.shared.internal;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;


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
import swap.api.fcm.support.PageMap.CachedPage;
import swap.api.fcm.support.PagedFile;
import swap.api.fcm.support.SelfSwap;

/**
 * The shared file cache manager: one access-ordered map of pages under one lock (the monitor of
 * its {@link SharedState}). The least memory per open file and the shortest path for one thread;
 * every call serialises on the lock, so it does not scale with threads.
 *
 * <p>Thread-safety: every {@link FileCacheManager} method may be called by any thread; each runs
 * wholly under the state's monitor, so everything one call did happens-before the next call.
 * {@link #exportState}/{@link #importState} are called by the swap manager only while the
 * instance is quiescent.
 *
 * <p>State formats: exports {@link #MAP} (the structure itself, by reference, O(1)) and
 * {@link FcmFormats#PAGES} (one part, the pages in replacement order, eldest first; the page arrays are
 * handed over, not copied); imports the same two. Export leaves the instance intact. Once a swap
 * completed, DS deactivates this instance: it closes nothing and clears nothing, since the importer
 * owns the channel and the pages.
 */
@Component(service = FileCacheManager.class, scope = ServiceScope.PROTOTYPE, configurationPid = "swap.fcm.shared", property = {
        SwapConstants.IMPL_NAME + "=" + SharedFcm.NAME,
        SwapConstants.IMPL_VERSION + "=1.0.0",
        FileCacheManager.CONCURRENCY + "=shared"})
public final class SharedFcm implements FileCacheManager, StatefulComponent {

    /** The implementation name. */
    public static final String NAME = "fcm.shared";

    /** The whole cache handed to another shared FCM by reference, in constant time. */
    public static final StateFormat<SharedState> MAP = StateFormat.byReference("fcm.shared.map.v1", SharedState.class);

    private static final List<StateFormat<?>> FORMATS = List.of(MAP, FcmFormats.PAGES);

    /**
     * The object trigger (K42's objects asked for their own replacement when they outgrew
     * themselves): every call that takes the monitor (writes; reads of pages not cached, being
     * written or more than two; reads of cached pages take no lock and are not counted: threads
     * reading do not contend) records, under the monitor, which thread called (a comparison; two
     * plain stores when it changed). Once the calling thread changed
     * {@link #SWITCHES} times within {@link #WINDOW_NANOS}, several threads use the file at once
     * and this FCM asks for a {@code (concurrency=distributed)} replacement, through
     * {@link SelfSwap}: one request at a time, none in the first {@link #DWELL_NANOS} of its life,
     * none while no such implementation is registered, exponential back-off (1 s doubling to 1 min)
     * after a look-up or request that failed, ended when a matching implementation registers. Off
     * when no swap manager is bound (or with {@code self.swap=false}, PID {@code swap.fcm.shared}).
     */
    static final int SWITCHES = 64;
    static final long WINDOW_NANOS = 100_000_000L;
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
                    trigger = t = new SelfSwap("distributed", created + DWELL_NANOS - System.nanoTime());
                }
            }
        }
        return t;
    }
    private volatile boolean selfSwap = true;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile SwapManager manager;

    /** DS. */
    public SharedFcm() {
    }

    /** Outside OSGi: an FCM that may ask {@code manager} for its own replacement. */
    public SharedFcm(SwapManager manager) {
        this.manager = manager;
    }

    @Activate
    @Modified
    void configure(Map<String, Object> properties) {
        selfSwap = !"false".equals(String.valueOf(properties.get("self.swap")));
    }

    /** DS: a distributed implementation was registered: a back-off waiting for one ends. */
    @Reference(service = FileCacheManager.class, cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            target = "(" + FileCacheManager.CONCURRENCY + "=distributed)")
    void bindTarget(ServiceReference<FileCacheManager> ref) {
        SelfSwap t = trigger;
        if (t != null) { // none yet: no back-off to end
            t.targetRegistered();
        }
    }

    void unbindTarget(ServiceReference<FileCacheManager> ref) {
        // nothing: the next look-up finds it gone
    }

    private void contended() {
        SwapManager m = manager;
        if (m != null && selfSwap && trigger().mayAsk()) {
            // From inside a call: the swap runs on a worker thread once this call has returned.
            trigger().ask(m, this, NAME + ": the calling thread changed " + SWITCHES + " times within " + WINDOW_NANOS / 1_000_000 + " ms");
        }
    }

    /** Set once by the import that binds this instance (before any call reaches it). */
    private volatile SharedState s;

    private SharedState state() {
        SharedState st = s;
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
     * Atomic over its whole range, as every call here. A read of at most two cached pages (the
     * common case: a 4 KiB record) takes no lock at all ({@link PagedFile#readWithoutLock}: the
     * pages found with {@code PageMap.peek}, copied and validated by their stamps), so readers never
     * wait for each other or for a writer that holds the monitor. Otherwise (a miss, a page being
     * written, a stamp that moved), a read within two pages holds the monitor only to look its pages up and take their stamps, and copies
     * the bytes after releasing it; if a write, truncate or eviction touched either page meanwhile,
     * it reads again wholly under the monitor. So the copy, most of a cached read's time, no longer
     * holds the lock every other call of this file needs, and a thread preempted while copying
     * (4 threads on 2 cores) no longer blocks them all for a time slice. Longer reads copy under
     * the monitor.
     */
    @Override
    public int read(long position, byte[] buffer, int offset, int length) throws IOException {
        PagedFile.checkArguments(position, buffer, offset, length);
        SharedState st = state();
        int read = st.readWithoutLock(position, buffer, offset, length);
        if (read != PagedFile.READ_UNDER_LOCK) {
            return read;
        }
        long first = st.pageOf(position);
        boolean contended;
        int n;
        if (st.lastPageOf(position, length) - first > 1) {
            synchronized (st) {
                contended = st.contended(Thread.currentThread(), SWITCHES, WINDOW_NANOS);
                n = st.readLocked(position, buffer, offset, length);
            }
        } else {
            CachedPage p1 = null;
            CachedPage p2 = null;
            long s1 = 0;
            long s2 = 0;
            synchronized (st) {
                contended = st.contended(Thread.currentThread(), SWITCHES, WINDOW_NANOS);
                st.checkOpen();
                long size = st.size();
                n = position >= size ? -1 : (int) Math.min(length, size - position);
                if (n > 0) {
                    p1 = st.pageForReadLocked(first);
                    s1 = p1.stamp();
                    long last = st.lastPageOf(position, n);
                    if (last != first) {
                        p2 = st.pageForReadLocked(last);
                        s2 = p2.stamp();
                    }
                }
            }
            if (n > 0) {
                int c1 = p2 == null ? n : (int) ((first + 1) * st.pageSize() - position);
                // Each page unchanged from the release of the monitor to its own check: both copies
                // are the pages as they were at that release, so the read stays atomic.
                if (!st.copyIfUnchanged(p1, s1, position, buffer, offset, c1)
                        || p2 != null && !st.copyIfUnchanged(p2, s2, position + c1, buffer, offset + c1, n - c1)) {
                    synchronized (st) {
                        n = st.readLocked(position, buffer, offset, length);
                    }
                }
            }
        }
        if (contended) {
            contended();
        }
        return n;
    }

    @Override
    public void write(long position, byte[] buffer, int offset, int length) throws IOException {
        PagedFile.checkArguments(position, buffer, offset, length);
        SharedState st = state();
        boolean contended;
        synchronized (st) {
            contended = st.contended(Thread.currentThread(), SWITCHES, WINDOW_NANOS);
            st.writeLocked(position, buffer, offset, length);
        }
        if (contended) {
            contended();
        }
    }

    @Override
    public long size() throws IOException {
        SharedState st = state();
        st.checkOpen();
        return st.size();
    }

    @Override
    public void truncate(long size) throws IOException {
        SharedState st = state();
        synchronized (st) {
            st.truncateLocked(size);
        }
    }

    @Override
    public void flush() throws IOException {
        SharedState st = state();
        synchronized (st) {
            st.checkOpen();
            st.flushLocked(st.pageMap());
            st.channel().force(false);
        }
    }

    @Override
    public void close() throws IOException {
        SharedState st = state();
        synchronized (st) {
            st.closeLocked(); // an I/O error leaves the FCM open with its dirty pages: the caller may retry
        }
    }

    @Override
    public FcmStats stats() {
        SharedState st = state();
        synchronized (st) {
            return st.stats();
        }
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
    public Object exportState(StateFormat<?> format) throws ClosedChannelException {
        SharedState st = state();
        if (format.equals(MAP)) {
            return st;
        }
        synchronized (st) {
            return st.toPageSet(List.of(st.pagesOf(st.pageMap())), st.stats());
        }
    }

    @Override
    public void importState(StateFormat<?> format, Object state, TransferContext context) throws IOException {
        if (s != null) {
            throw new IllegalStateException("this FCM is already bound to " + s.path());
        }
        if (format.equals(MAP)) {
            s = MAP.cast(state);
            return;
        }
        PageSet p = FcmFormats.PAGES.cast(state);
        SharedState st = new SharedState(p.path(), p.channel(), p.size(), p.pageSize(), p.budget());
        synchronized (st) {
            for (List<Page> part : p.parts()) {
                for (Page page : part) {
                    st.importPage(page);
                }
            }
            PagedFile.carryStats(st.pageMap(), p.stats());
            // More pages than the budget (an exporter with a larger one): the eldest go now, dirty ones
            // written back first. An I/O error fails the import; the exporter still has all its pages.
            st.trimLocked(st.pageMap());
        }
        s = st;
    }

    @Override
    public String toString() {
        SharedState st = s;
        return "SharedFcm[" + (st == null ? "unbound" : st.path()) + "]";
    }
}
