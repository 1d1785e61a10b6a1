package swap.fcm.distributed.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ServiceScope;

import swap.api.StateFormat;
import swap.api.StatefulComponent;
import swap.api.SwapConstants;
import swap.api.TransferContext;
import swap.api.fcm.FcmFormats;
import swap.api.fcm.FcmFormats.Page;
import swap.api.fcm.FcmFormats.PageSet;
import swap.api.fcm.FcmStats;
import swap.api.fcm.FileCacheManager;

/**
 * The distributed file cache manager: the pages are partitioned by page number (page n in
 * partition n mod the partition count) over a configurable number of partitions, each with its own lock (its monitor), LRU order, share of the budget and
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

    @Activate
    void activate(Map<String, Object> properties) {
        Object p = properties.get(PARTITIONS);
        if (p != null) {
            int n = Integer.parseInt(p.toString().trim());
            if (n > 0) {
                partitionCount = n;
            }
        }
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
        DistributedState st = state();
        st.checkOpen();
        long size = st.size.get();
        if (position >= size) {
            return -1;
        }
        int n = (int) Math.min(length, size - position);
        int ps = st.pageSize;
        int done = 0;
        while (done < n) {
            long pos = position + done;
            long number = pos / ps;
            int in = (int) (pos - number * ps);
            int chunk = Math.min(n - done, ps - in);
            Partition p = st.partition(number);
            synchronized (p) {
                st.checkOpen();
                long now = st.size.get();
                if (pos >= now) { // truncated meanwhile
                    break;
                }
                chunk = (int) Math.min(chunk, now - pos);
                System.arraycopy(st.pageForRead(p, number).bytes, in, buffer, offset + done, chunk);
            }
            done += chunk;
        }
        return done == 0 && n > 0 ? -1 : done;
    }

    @Override
    public void write(long position, byte[] buffer, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, buffer.length);
        if (position < 0) {
            throw new IllegalArgumentException("negative position " + position);
        }
        DistributedState st = state();
        st.checkOpen();
        int ps = st.pageSize;
        int done = 0;
        while (done < length) {
            long pos = position + done;
            long number = pos / ps;
            int in = (int) (pos - number * ps);
            int chunk = Math.min(length - done, ps - in);
            Partition p = st.partition(number);
            synchronized (p) {
                st.checkOpen();
                Partition.Node page = st.pageForWrite(p, number, in, in + chunk);
                System.arraycopy(buffer, offset + done, page.bytes, in, chunk);
                p.markDirty(page);
                long end = pos + chunk;
                // Grown while this page's lock is held, so a write-back of this page sees the new size.
                long cur;
                while ((cur = st.size.get()) < end && !st.size.compareAndSet(cur, end)) {
                    // retry
                }
            }
            done += chunk;
        }
    }

    @Override
    public long size() throws IOException {
        DistributedState st = state();
        st.checkOpen();
        return st.size.get();
    }

    @Override
    public void truncate(long size) throws IOException {
        DistributedState st = state();
        st.underAllLocks(() -> {
            st.checkOpen();
            st.truncate(size);
        });
    }

    @Override
    public void flush() throws IOException {
        DistributedState st = state();
        st.checkOpen();
        for (Partition p : st.partitions) {
            synchronized (p) {
                st.checkOpen();
                st.flush(p);
            }
        }
        st.channel.force(false);
    }

    @Override
    public void close() throws IOException {
        DistributedState st = state();
        st.underAllLocks(() -> {
            st.checkOpen();
            for (Partition p : st.partitions) {
                st.flush(p); // an I/O error leaves the FCM open with its dirty pages: the caller may retry
            }
            st.channel.force(false);
            st.closed = true;
            for (Partition p : st.partitions) {
                p.pages.clear();
                p.dirty = 0;
            }
            st.channel.close();
        });
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
        for (Partition p : st.partitions) {
            synchronized (p) {
                List<Page> l = new ArrayList<>(p.pages.size());
                for (Map.Entry<Long, Partition.Node> e : p.pages.entrySet()) {
                    l.add(new Page(e.getKey(), e.getValue().bytes, e.getValue().dirty));
                }
                parts.add(l);
            }
        }
        return new PageSet(st.path, st.channel, st.size.get(), st.pageSize, st.budget, parts);
    }

    @Override
    public void importState(StateFormat<?> format, Object state, TransferContext context) throws IOException {
        if (s != null) {
            throw new IllegalStateException("this FCM is already bound to " + s.path);
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
            // Parts as given (one per partition of a distributed exporter); a big part (a shared
            // exporter's only one) is cut into slices so that every worker has some.
            int slice = Math.max(PARALLEL_IMPORT_THRESHOLD / 2, (total + context.parallelism() - 1) / context.parallelism());
            List<CompletableFuture<Void>> tasks = new ArrayList<>();
            for (List<Page> part : ps.parts()) {
                for (int from = 0; from < part.size(); from += slice) {
                    List<Page> l = part.subList(from, Math.min(part.size(), from + slice));
                    tasks.add(CompletableFuture.runAsync(() -> importPages(st, l), context.executor()));
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
        for (Partition p : st.partitions) {
            synchronized (p) {
                st.trim(p);
            }
        }
        s = st; // the join above orders every task's writes before this
    }

    private static void importPages(DistributedState st, List<Page> pages) {
        for (Page page : pages) {
            if (page.bytes().length != st.pageSize) {
                throw new IllegalArgumentException("page " + page.number() + " has " + page.bytes().length
                        + " bytes, the page size is " + st.pageSize);
            }
            Partition p = st.partition(page.number());
            synchronized (p) {
                Partition.Node n = new Partition.Node(page.bytes(), false);
                Partition.Node old = p.pages.put(page.number(), n);
                if (old != null && old.dirty) {
                    p.dirty--;
                }
                if (page.dirty()) {
                    p.markDirty(n);
                }
            }
        }
    }

    @Override
    public String toString() {
        DistributedState st = s;
        return "DistributedFcm[" + (st == null ? "unbound" : st.path + ", " + st.partitions.length + " partitions") + "]";
    }
}
