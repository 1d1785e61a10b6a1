package swap.fcm.shared.internal;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

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
import swap.api.SwapOutcome;
import swap.api.TransferContext;
import swap.api.fcm.FcmFormats;
import swap.api.fcm.FcmFormats.Page;
import swap.api.fcm.FcmFormats.PageSet;
import swap.api.fcm.FcmStats;
import swap.api.fcm.FileCacheManager;

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
 * {@link FcmFormats#PAGES} (one part, the pages in LRU order, eldest first; the page arrays are
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
     * The object-triggered alternative to the concurrency policy (K42's objects asked for their own
     * replacement when they outgrew themselves): reads and writes count, without a lock, the calls
     * inside or waiting for the monitor; a call that finds another one there is contended. After
     * {@link #CONTENDED_CALLS} contended calls within {@link #WINDOW_NANOS}, this FCM asks the swap
     * manager, once, to replace it with a {@code (concurrency=distributed)} implementation. Off when
     * no swap manager is bound (or with {@code self.swap=false}, PID {@code swap.fcm.shared}).
     */
    static final int CONTENDED_CALLS = 64;
    static final long WINDOW_NANOS = 100_000_000L;

    private final AtomicInteger present = new AtomicInteger();
    private final AtomicInteger contended = new AtomicInteger();
    private volatile long windowStart = System.nanoTime();
    private final AtomicBoolean asked = new AtomicBoolean();
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

    private void enter() {
        if (present.getAndIncrement() > 0 && selfSwap) {
            contendedCall();
        }
    }

    private void exit() {
        present.decrementAndGet();
    }

    private void contendedCall() {
        long now = System.nanoTime();
        if (now - windowStart > WINDOW_NANOS) {
            windowStart = now;
            contended.set(0);
        }
        SwapManager m = manager;
        if (contended.incrementAndGet() >= CONTENDED_CALLS && m != null && asked.compareAndSet(false, true)) {
            // From inside a call: the swap runs on a worker thread once this call has returned.
            m.entryOf(this).ifPresentOrElse(e -> e.swap("(" + FileCacheManager.CONCURRENCY + "=distributed)",
                    NAME + ": " + CONTENDED_CALLS + " contended calls within " + WINDOW_NANOS / 1_000_000 + " ms")
                    .whenComplete((r, t) -> {
                        if (r == null || r.outcome != SwapOutcome.COMPLETED) {
                            asked.set(false); // not replaced: ask again on the next contention
                        }
                    }), () -> asked.set(false));
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
        return state().path;
    }

    @Override
    public int pageSize() {
        return state().pageSize;
    }

    @Override
    public int read(long position, byte[] buffer, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, buffer.length);
        if (position < 0) {
            throw new IllegalArgumentException("negative position " + position);
        }
        SharedState st = state();
        enter();
        try {
            synchronized (st) {
                st.checkOpen();
                if (position >= st.size) {
                    return -1;
                }
                int n = (int) Math.min(length, st.size - position);
                int ps = st.pageSize;
                int done = 0;
                while (done < n) {
                    long pos = position + done;
                    long number = pos / ps;
                    int in = (int) (pos - number * ps);
                    int chunk = Math.min(n - done, ps - in);
                    System.arraycopy(st.pageForRead(number).bytes, in, buffer, offset + done, chunk);
                    done += chunk;
                }
                return n;
            }
        } finally {
            exit();
        }
    }

    @Override
    public void write(long position, byte[] buffer, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, buffer.length);
        if (position < 0) {
            throw new IllegalArgumentException("negative position " + position);
        }
        SharedState st = state();
        enter();
        try {
            synchronized (st) {
                st.checkOpen();
                int ps = st.pageSize;
                int done = 0;
                while (done < length) {
                    long pos = position + done;
                    long number = pos / ps;
                    int in = (int) (pos - number * ps);
                    int chunk = Math.min(length - done, ps - in);
                    SharedState.Node page = st.pageForWrite(number, in, in + chunk);
                    System.arraycopy(buffer, offset + done, page.bytes, in, chunk);
                    st.markDirty(page);
                    done += chunk;
                    if (pos + chunk > st.size) {
                        st.size = pos + chunk;
                    }
                }
            }
        } finally {
            exit();
        }
    }

    @Override
    public long size() throws IOException {
        SharedState st = state();
        synchronized (st) {
            st.checkOpen();
            return st.size;
        }
    }

    @Override
    public void truncate(long size) throws IOException {
        SharedState st = state();
        synchronized (st) {
            st.checkOpen();
            st.truncate(size);
        }
    }

    @Override
    public void flush() throws IOException {
        SharedState st = state();
        synchronized (st) {
            st.checkOpen();
            st.flush();
        }
    }

    @Override
    public void close() throws IOException {
        SharedState st = state();
        synchronized (st) {
            st.checkOpen();
            st.flush(); // an I/O error leaves the FCM open with its dirty pages: the caller may retry
            st.closed = true;
            st.pages.clear();
            st.dirty = 0;
            st.channel.close();
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
            List<Page> l = new ArrayList<>(st.pages.size());
            for (Map.Entry<Long, SharedState.Node> e : st.pages.entrySet()) {
                l.add(new Page(e.getKey(), e.getValue().bytes, e.getValue().dirty));
            }
            return new PageSet(st.path, st.channel, st.size, st.pageSize, st.budget, List.of(l));
        }
    }

    @Override
    public void importState(StateFormat<?> format, Object state, TransferContext context) throws IOException {
        if (s != null) {
            throw new IllegalStateException("this FCM is already bound to " + s.path);
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
                    if (page.bytes().length != p.pageSize()) {
                        throw new IllegalArgumentException("page " + page.number() + " has " + page.bytes().length
                                + " bytes, the page size is " + p.pageSize());
                    }
                    SharedState.Node n = new SharedState.Node(page.bytes(), false);
                    SharedState.Node old = st.pages.put(page.number(), n);
                    if (old != null && old.dirty) {
                        st.dirty--;
                    }
                    if (page.dirty()) {
                        st.markDirty(n);
                    }
                }
            }
            // More pages than the budget (an exporter with a larger one): the eldest go now, dirty ones
            // written back first. An I/O error fails the import; the exporter still has all its pages.
            st.trim();
        }
        s = st;
    }

    @Override
    public String toString() {
        SharedState st = s;
        return "SharedFcm[" + (st == null ? "unbound" : st.path) + "]";
    }
}
