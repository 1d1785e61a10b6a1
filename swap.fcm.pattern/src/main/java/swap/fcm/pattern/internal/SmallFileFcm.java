package swap.fcm.pattern.internal;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ServiceScope;

import swap.api.Entry;
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
import swap.api.fcm.support.PagedFile;

/**
 * The FCM for small files (K42's specialisation by size): the whole file in one array, read from
 * the file at the first call that needs it; no page map, no partitions, no eviction; one monitor
 * (its {@link SmallState}'s) for every call. A read is one copy; a write copies into the array
 * (grown by doubling) and marks its pages dirty; flush writes the dirty pages back in page order.
 * Nothing but flush and close does I/O after the load, so a write cannot fail.
 *
 * <p>The file cache opens files of at most {@code small.file.bytes} (PID {@code swap.fcm}) on it.
 * <b>Growing past the threshold</b>: after a call that leaves the file larger than
 * {@code small.file.bytes}, it asks the swap manager to replace it by the file cache's
 * {@code initial.target} (PID {@code swap.fcm}: the FCM a larger file would have been opened on),
 * through {@link Entry#swap}: at most one request in flight, none after one completed, and after
 * one that did not complete none for 1 s, doubling up to 1 min. Until the swap, it keeps serving
 * the whole file from its array. The paged FCM imports the canonical state: every page, dirty ones
 * marked, and the statistics (its budget then evicts the eldest, dirty ones written back first).
 *
 * <p>State formats: exports and imports {@link #STATE} (by reference, between two small FCMs) and
 * {@link FcmFormats#PAGES} (each page a copy of its part of the array).
 *
 * <p>Thread-safety: every {@link FileCacheManager} method may be called by any thread; each runs
 * wholly under the state's monitor. {@link #exportState}/{@link #importState} are called by the
 * swap manager only while the instance is quiescent.
 */
@Component(service = FileCacheManager.class, scope = ServiceScope.PROTOTYPE, configurationPid = "swap.fcm", property = {
        SwapConstants.IMPL_NAME + "=" + SmallFileFcm.NAME,
        SwapConstants.IMPL_VERSION + "=1.0.0",
        SmallFileFcm.SIZE + "=small"})
public final class SmallFileFcm implements FileCacheManager, StatefulComponent {

    public static final String NAME = "fcm.small";

    /** The characteristic (service property) of FCMs by file size: {@code small} here. */
    public static final String SIZE = "size";

    /** The whole state, by reference, between two small FCMs. */
    public static final StateFormat<SmallState> STATE = StateFormat.byReference("fcm.small.state.v1", SmallState.class);

    /** The threshold unless configured ({@code small.file.bytes} above 0, PID {@code swap.fcm}). */
    public static final long DEFAULT_THRESHOLD = 65_536;
    /** Where a grown file goes unless configured ({@code initial.target}, PID {@code swap.fcm}). */
    public static final String DEFAULT_GROW_TARGET = "(" + FileCacheManager.CONCURRENCY + "=shared)";

    static final long FIRST_BACKOFF_NANOS = 1_000_000_000L;
    static final long MAX_BACKOFF_NANOS = 60_000_000_000L;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile SwapManager manager;

    private volatile long threshold = DEFAULT_THRESHOLD;
    private volatile String growTarget = DEFAULT_GROW_TARGET;
    private final AtomicBoolean asking = new AtomicBoolean();
    private volatile boolean grown;
    private volatile long notBefore = System.nanoTime();
    private long backoff = FIRST_BACKOFF_NANOS; // guarded by asking
    private volatile int requests;

    /** Set once by the import that binds this instance (before any call reaches it). */
    private volatile SmallState s;

    /** DS. */
    public SmallFileFcm() {
    }

    /** Outside OSGi: a small FCM that asks {@code manager} for {@code growTarget} once the file is larger than {@code threshold} bytes. */
    public SmallFileFcm(SwapManager manager, long threshold, String growTarget) {
        this.manager = manager;
        this.threshold = threshold;
        this.growTarget = growTarget;
    }

    @Activate
    @Modified
    void configure(Map<String, Object> properties) {
        Object t = properties.get("small.file.bytes");
        long v = t == null ? 0 : Long.parseLong(t.toString().trim());
        threshold = v > 0 ? v : DEFAULT_THRESHOLD; // 0: the file cache opens no file on it; one put here grows at the default
        Object g = properties.get("initial.target");
        if (g != null && !g.toString().isBlank()) {
            growTarget = g.toString().trim();
        }
    }

    /** @return the threshold in bytes past which this FCM asks to be replaced */
    public long threshold() {
        return threshold;
    }

    /** @return swap requests this instance sent */
    public int requests() {
        return requests;
    }

    private SmallState state() {
        SmallState st = s;
        if (st == null) {
            throw new IllegalStateException("this FCM is not bound to a file: open files through the FileCache service");
        }
        return st;
    }

    /** After a call, without the monitor: asks for the paged FCM if the file outgrew the threshold. */
    private void grew(long size) {
        if (size <= threshold || grown || System.nanoTime() - notBefore < 0) {
            return;
        }
        SwapManager m = manager;
        if (m == null || !asking.compareAndSet(false, true)) {
            return;
        }
        boolean sent = false;
        try {
            Optional<Entry<?>> e = m.entryOf(this);
            if (e.isPresent()) {
                requests++;
                sent = true;
                e.get().swap(growTarget, NAME + ": the file grew past " + threshold + " bytes").whenComplete((r, t) -> {
                    if (r != null && r.outcome == SwapOutcome.COMPLETED) {
                        grown = true;
                    } else {
                        backOff();
                    }
                    asking.set(false);
                });
            } else {
                backOff();
            }
        } catch (RuntimeException ex) {
            backOff();
        } finally {
            if (!sent) {
                asking.set(false);
            }
        }
    }

    /** Caller holds {@code asking}. */
    private void backOff() {
        notBefore = System.nanoTime() + backoff;
        backoff = Math.min(MAX_BACKOFF_NANOS, backoff * 2);
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
        PagedFile.checkArguments(position, buffer, offset, length);
        SmallState st = state();
        int n;
        long size;
        synchronized (st) {
            st.checkOpen();
            size = st.size;
            if (position >= size) {
                return -1;
            }
            n = (int) Math.min(length, size - position);
            if (n == 0) {
                return 0;
            }
            boolean loaded = st.data != null;
            st.load();
            System.arraycopy(st.data, (int) position, buffer, offset, n);
            if (loaded) { // pages served from the array; the load's pages were counted as misses
                st.hits += (position + n - 1) / st.pageSize - position / st.pageSize + 1;
            }
        }
        grew(size);
        return n;
    }

    @Override
    public void write(long position, byte[] buffer, int offset, int length) throws IOException {
        PagedFile.checkArguments(position, buffer, offset, length);
        SmallState st = state();
        long size;
        synchronized (st) {
            st.checkOpen();
            if (length > 0) {
                st.load();
                long end = position + length;
                st.ensureCapacity(end);
                System.arraycopy(buffer, offset, st.data, (int) position, length);
                st.markDirty(position, end);
                st.size = Math.max(st.size, end);
            }
            size = st.size;
        }
        grew(size);
    }

    @Override
    public long size() throws IOException {
        SmallState st = state();
        synchronized (st) {
            st.checkOpen();
            return st.size;
        }
    }

    @Override
    public void truncate(long size) throws IOException {
        if (size < 0) {
            throw new IllegalArgumentException("size must be >= 0, was " + size);
        }
        SmallState st = state();
        synchronized (st) {
            st.checkOpen();
            if (size >= st.size) {
                return;
            }
            st.load();
            st.channel.truncate(size); // first: an I/O error changes nothing
            java.util.Arrays.fill(st.data, (int) size, st.data.length, (byte) 0);
            st.size = size;
            if (st.dirty != null) {
                st.dirty.clear((int) st.pages(size), Integer.MAX_VALUE);
                if (st.dirty.isEmpty()) {
                    st.dirty = null;
                }
            }
        }
    }

    @Override
    public void flush() throws IOException {
        SmallState st = state();
        synchronized (st) {
            st.checkOpen();
            st.writeBack();
            st.channel.force(false);
        }
    }

    @Override
    public void close() throws IOException {
        SmallState st = state();
        synchronized (st) {
            st.checkOpen();
            st.writeBack(); // an I/O error leaves it open with its dirty pages: the caller may retry
            st.channel.force(false);
            st.channel.close();
            st.closed = true;
            st.data = null;
        }
    }

    @Override
    public FcmStats stats() {
        SmallState st = state();
        synchronized (st) {
            return st.stats();
        }
    }

    // ---------------------------------------------------------------- state transfer

    @Override
    public List<StateFormat<?>> exportFormats() {
        return List.of(STATE, FcmFormats.PAGES);
    }

    @Override
    public List<StateFormat<?>> importFormats() {
        return List.of(STATE, FcmFormats.PAGES);
    }

    @Override
    public Object exportState(StateFormat<?> format) throws IOException {
        SmallState st = state();
        if (format.equals(STATE)) {
            return st;
        }
        synchronized (st) {
            st.checkOpen();
            List<Page> pages = new ArrayList<>();
            if (st.data == null) {
                if (st.imported != null) {
                    st.imported.forEach((n, b) -> pages.add(new Page(n, b, st.dirty != null && st.dirty.get((int) (long) n))));
                }
            } else {
                for (long p = 0; p < st.pages(st.size); p++) {
                    int at = (int) (p * st.pageSize);
                    pages.add(new Page(p, java.util.Arrays.copyOfRange(st.data, at, at + st.pageSize), st.dirty != null && st.dirty.get((int) p)));
                }
            }
            return new PageSet(st.path, st.channel, st.size, st.pageSize, st.budget, List.of(pages), st.stats());
        }
    }

    @Override
    public void importState(StateFormat<?> format, Object state, TransferContext context) throws IOException {
        if (s != null) {
            throw new IllegalStateException("this FCM is already bound to " + s.path);
        }
        if (format.equals(STATE)) {
            s = STATE.cast(state);
            return;
        }
        PageSet p = FcmFormats.PAGES.cast(state);
        if (p.size() > Integer.MAX_VALUE - 16) {
            throw new IOException(p.path() + " has " + p.size() + " bytes: fcm.small holds files up to 2 GiB; keep it on a paged FCM");
        }
        SmallState st = new SmallState(p.path(), p.channel(), p.size(), p.pageSize(), p.budget());
        synchronized (st) {
            for (List<Page> part : p.parts()) {
                for (Page page : part) {
                    if (page.number() * p.pageSize() >= p.size()) {
                        continue;
                    }
                    if (st.imported == null) {
                        st.imported = new HashMap<>();
                    }
                    st.imported.put(page.number(), page.bytes());
                    if (page.dirty()) {
                        st.markDirty(page.number() * p.pageSize(), page.number() * p.pageSize() + 1);
                    }
                }
            }
            FcmStats c = p.stats();
            if (c != null) {
                st.hits += c.hits;
                st.misses += c.misses;
                st.evictions += c.evictions;
            }
        }
        s = st;
    }

    @Override
    public String toString() {
        SmallState st = s;
        return "SmallFileFcm[" + (st == null ? "unbound" : st.path) + "]";
    }
}
