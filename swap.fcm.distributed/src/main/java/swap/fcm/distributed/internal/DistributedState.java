package swap.fcm.distributed.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

import swap.api.fcm.FcmStats;
import swap.api.fcm.support.PageMap;
import swap.api.fcm.support.PagedFile;

/**
 * Everything a distributed FCM holds: the file ({@link PagedFile}) and its partitions, one
 * {@link PageMap} each. Pages are dealt out round-robin in chunks of {@link #CHUNK_PAGES}
 * consecutive pages (chunk {@code c = n / CHUNK_PAGES} in partition {@code c % partitions.length}),
 * so threads working on different parts of a file rarely meet on one lock, and a call within a
 * few consecutive pages (a 4 KiB record at any offset spans two pages) mostly needs one monitor,
 * as in the shared FCM, not one per page (issue 15: with one page per chunk every such read took
 * two monitors, and the distributed FCM lost to the shared one with 4 threads). With a budget
 * too small for two chunks per partition, a chunk is one page.
 *
 * <p>Locking: each partition is guarded by its own monitor ({@code synchronized (partition)}, the
 * shared FCM's primitive, so that the two differ only in the partitioning). A read or write holds
 * the monitors of the partitions its page range touches (one for a call within a page), taken in
 * index order; truncate and close take every monitor in index order; flush and stats visit the
 * partitions one at a time. So a call spanning pages is atomic with respect to any other call on
 * those pages, and nothing deadlocks.
 *
 * <p>Happens-before: see {@link PagedFile}; the object trigger's fields below are volatile.
 */
public final class DistributedState extends PagedFile {

    /** Consecutive pages per chunk, unless the budget is too small. */
    static final int CHUNK_PAGES = 8;

    final PageMap[] partitions;
    /** log2 of the pages per chunk (0: one page per chunk). */
    private final int chunkShift;
    /** {@code partitions.length - 1} if that is a power of two, else -1. */
    private final int mask;
    private final int groupPages;
    /** The way back: the sum of the partitions' thread switches last seen, and since when it has not changed. */
    volatile long lastSwitches = -1;
    volatile long quietSince;

    DistributedState(Path path, FileChannel channel, long size, int pageSize, int budget, int partitionCount) {
        super(path, channel, size, pageSize, budget);
        if (partitionCount <= 0) {
            throw new IllegalArgumentException("partitions must be > 0, was " + partitionCount);
        }
        this.partitions = new PageMap[partitionCount];
        this.mask = Integer.bitCount(partitionCount) == 1 ? partitionCount - 1 : -1;
        // The budget shared out exactly, but every partition can hold at least one page.
        int smallest = Integer.MAX_VALUE;
        for (int i = 0; i < partitionCount; i++) {
            partitions[i] = new PageMap(Math.max(1, budget / partitionCount + (i < budget % partitionCount ? 1 : 0)));
            smallest = Math.min(smallest, partitions[i].budget());
        }
        if (smallest >= 2 * CHUNK_PAGES) {
            this.chunkShift = Integer.numberOfTrailingZeros(CHUNK_PAGES);
            // g = (m - 1) K P consecutive pages (m = smallest / K chunks) span at most (m - 1) P + 1
            // chunks, so at most m chunks, m K <= smallest pages, in one partition.
            this.groupPages = (int) Math.min(Integer.MAX_VALUE, (long) (smallest / CHUNK_PAGES - 1) * CHUNK_PAGES * partitionCount);
        } else {
            this.chunkShift = 0;
            // Round-robin page by page: k consecutive pages put at most ceil(k / P) into one partition.
            this.groupPages = (int) Math.min(Integer.MAX_VALUE, (long) smallest * partitionCount);
        }
    }

    int index(long number) {
        long chunk = number >>> chunkShift;
        // A mask for a power-of-two count (the default): a 64-bit division costs tens of cycles per page.
        return mask >= 0 ? (int) (chunk & mask) : (int) (chunk % partitions.length);
    }

    /** @return how many partitions pages {@code first..last} fall in (consecutive ones from {@code index(first)}, wrapping) */
    int partitionsSpanned(long first, long last) {
        return (int) Math.min((last >>> chunkShift) - (first >>> chunkShift) + 1, partitions.length);
    }

    @Override
    protected PageMap map(long number) {
        return partitions[index(number)];
    }

    @Override
    protected PageMap[] maps() {
        return partitions;
    }

    @Override
    protected int writeGroupPages() {
        return groupPages;
    }

    /** Something to run while some partitions' monitors are held. */
    interface Locked {
        void run() throws IOException;
    }

    /** Runs {@code body} holding every partition's monitor, taken in index order (so global operations never deadlock). */
    void underAllLocks(Locked body) throws IOException {
        underAllLocks(0, body);
    }

    private void underAllLocks(int i, Locked body) throws IOException {
        if (i == partitions.length) {
            body.run();
            return;
        }
        synchronized (partitions[i]) {
            underAllLocks(i + 1, body);
        }
    }

    /**
     * The monitors a call on pages {@code first..last} must hold, in index order: with {@code k}
     * chunks, the partitions {@code index(first)} onwards, wrapping around ({@code min(k, P)} of
     * them, {@link #partitionsSpanned}).
     * Sorted, they are {@code 0 .. wrap-1} then {@code f .. f+count-wrap-1}.
     *
     * @return the partition index of the {@code depth}-th monitor to take
     */
    int lockOrder(int f, int count, int depth) {
        int wrap = Math.max(0, f + count - partitions.length);
        return depth < wrap ? depth : f + depth - wrap;
    }

    FcmStats stats() {
        FcmStats s = new FcmStats();
        for (PageMap p : partitions) {
            synchronized (p) {
                addStats(p, s);
            }
        }
        return s;
    }
}
