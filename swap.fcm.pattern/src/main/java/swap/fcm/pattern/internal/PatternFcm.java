package swap.fcm.pattern.internal;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.util.List;

import swap.api.StateFormat;
import swap.api.StatefulComponent;
import swap.api.TransferContext;
import swap.api.fcm.FcmFormats;
import swap.api.fcm.FcmFormats.Page;
import swap.api.fcm.FcmFormats.PageSet;
import swap.api.fcm.FcmStats;
import swap.api.fcm.FileCacheManager;
import swap.api.fcm.support.PageMap;
import swap.api.fcm.support.PagedFile;

/**
 * What the FCMs by access pattern share: one map of pages under one lock (the monitor of its
 * {@link PatternState}), as the shared FCM, with the implementation's replacement; reads of at most
 * two cached pages take no lock ({@link PagedFile#readWithoutLock}); other reads copy under the
 * monitor, then {@link #afterLockedRead} (the read-ahead FCM's hook).
 *
 * <p>Thread-safety: every {@link FileCacheManager} method may be called by any thread; each runs
 * wholly under the state's monitor (but for reads without the lock, validated by the pages'
 * stamps), so everything one call did happens-before the next call. {@link #exportState} and
 * {@link #importState} are called by the swap manager only while the instance is quiescent.
 *
 * <p>State formats: exports and imports its own by-reference format (the structure, O(1), only
 * between two instances of the same implementation, since the structure carries its replacement)
 * and {@link FcmFormats#PAGES} (one part, eldest first, the arrays handed over): across
 * implementations (these, the shared and the distributed FCM) the cached pages, dirty ones
 * included, and the statistics move canonically. Export leaves the instance intact; a released
 * instance closes and clears nothing.
 */
abstract class PatternFcm implements FileCacheManager, StatefulComponent {

    /** Set once by the import that binds this instance (before any call reaches it). */
    private volatile PatternState s;

    /** @return the implementation's by-reference format */
    abstract StateFormat<PatternState> byReference();

    /** @return the replacement a fresh map of this implementation uses */
    abstract PageMap.Replacement replacement();

    /**
     * Caller holds the state's monitor: after a read of {@code n} bytes at {@code position} that
     * did not complete without the lock (the read-ahead FCM reads ahead here, once the read's own
     * pages are copied, so reading ahead never evicts them before the copy).
     */
    void afterLockedRead(PatternState st, long position, int n) {
    }

    /**
     * Caller holds the state's monitor: before a read at {@code position} that did not complete
     * without the lock reads its pages (the read-ahead FCM drops the pages a stream has passed
     * here, so that the read's own miss evicts one of them rather than another page).
     */
    void beforeLockedRead(PatternState st, long position) {
    }

    final PatternState state() {
        PatternState st = s;
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

    @Override
    public int read(long position, byte[] buffer, int offset, int length) throws IOException {
        PagedFile.checkArguments(position, buffer, offset, length);
        PatternState st = state();
        int read = st.readWithoutLock(position, buffer, offset, length);
        if (read != PagedFile.READ_UNDER_LOCK) {
            return read;
        }
        synchronized (st) {
            beforeLockedRead(st, position);
            int n = st.readLocked(position, buffer, offset, length);
            if (n > 0) {
                afterLockedRead(st, position, n);
            }
            return n;
        }
    }

    @Override
    public void write(long position, byte[] buffer, int offset, int length) throws IOException {
        PagedFile.checkArguments(position, buffer, offset, length);
        PatternState st = state();
        synchronized (st) {
            st.writeLocked(position, buffer, offset, length);
        }
    }

    @Override
    public long size() throws IOException {
        PatternState st = state();
        st.checkOpen();
        return st.size();
    }

    @Override
    public void truncate(long size) throws IOException {
        PatternState st = state();
        synchronized (st) {
            st.truncateLocked(size);
        }
    }

    @Override
    public void flush() throws IOException {
        PatternState st = state();
        synchronized (st) {
            st.checkOpen();
            st.flushLocked(st.pageMap());
            st.channel().force(false);
        }
    }

    @Override
    public void close() throws IOException {
        PatternState st = state();
        synchronized (st) {
            st.closeLocked();
        }
    }

    @Override
    public FcmStats stats() {
        PatternState st = state();
        synchronized (st) {
            return st.stats();
        }
    }

    // ---------------------------------------------------------------- state transfer

    @Override
    public List<StateFormat<?>> exportFormats() {
        return List.of(byReference(), FcmFormats.PAGES);
    }

    @Override
    public List<StateFormat<?>> importFormats() {
        return List.of(byReference(), FcmFormats.PAGES);
    }

    @Override
    public Object exportState(StateFormat<?> format) throws ClosedChannelException {
        PatternState st = state();
        if (format.equals(byReference())) {
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
        if (format.equals(byReference())) {
            s = byReference().cast(state);
            return;
        }
        PageSet p = FcmFormats.PAGES.cast(state);
        PatternState st = new PatternState(p.path(), p.channel(), p.size(), p.pageSize(), p.budget(), replacement());
        synchronized (st) {
            for (List<Page> part : p.parts()) {
                for (Page page : part) {
                    st.importPage(page);
                }
            }
            PagedFile.carryStats(st.pageMap(), p.stats());
            // More pages than the budget: the eldest go now, dirty ones written back first. An I/O
            // error fails the import; the exporter still has every page.
            st.trimLocked(st.pageMap());
        }
        s = st;
    }

    @Override
    public String toString() {
        PatternState st = s;
        return getClass().getSimpleName() + "[" + (st == null ? "unbound" : st.path()) + "]";
    }
}
