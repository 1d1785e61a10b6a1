package swap.fcm.distributed.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import swap.api.fcm.FcmStats;

/**
 * Everything a distributed FCM holds: the file, its logical size, and the partitions. Page
 * {@code n} lives in partition {@code n % partitions.length}, so consecutive pages are spread over
 * all partitions and threads scanning or writing different pages rarely meet on one lock.
 *
 * <p>Locking: a call on one page holds that page's partition lock only. Global operations
 * (truncate, close) take every partition lock in index order; flush and stats visit the partitions
 * one at a time. The logical size only grows under a partition lock (write) and only shrinks with
 * every lock held (truncate), so while a thread holds any partition lock the size can grow but not
 * shrink.
 *
 * <p>Happens-before: {@link #size} and {@link #closed} are volatile; the rest of a partition is
 * guarded by its monitor ({@code synchronized (partition)}, the same primitive as the shared FCM's,
 * so that the two differ only in the partitioning); the final fields are safely published with
 * this object.
 */
public final class DistributedState {

    final Path path;
    final FileChannel channel;
    final int pageSize;
    final int budget;
    final Partition[] partitions;
    final AtomicLong size;
    /** {@code partitions.length - 1} if that is a power of two, else -1. */
    private final int mask;
    volatile boolean closed;

    DistributedState(Path path, FileChannel channel, long size, int pageSize, int budget, int partitionCount) {
        if (pageSize <= 0 || budget <= 0 || partitionCount <= 0) {
            throw new IllegalArgumentException("page size, budget and partitions must be > 0, were " + pageSize + ", " + budget + ", " + partitionCount);
        }
        this.path = path;
        this.channel = channel;
        this.pageSize = pageSize;
        this.budget = budget;
        this.size = new AtomicLong(size);
        this.partitions = new Partition[partitionCount];
        this.mask = Integer.bitCount(partitionCount) == 1 ? partitionCount - 1 : -1;
        // The budget shared out exactly, but every partition can hold at least one page.
        for (int i = 0; i < partitionCount; i++) {
            partitions[i] = new Partition(Math.max(1, budget / partitionCount + (i < budget % partitionCount ? 1 : 0)));
        }
    }

    Partition partition(long number) {
        // A mask for a power-of-two count (the default): a 64-bit division costs tens of cycles per page.
        return partitions[mask >= 0 ? (int) (number & mask) : (int) (number % partitions.length)];
    }

    void checkOpen() throws ClosedChannelException {
        if (closed) {
            throw new ClosedChannelException();
        }
    }

    /** Caller holds {@code p}'s monitor. */
    Partition.Node pageForRead(Partition p, long number) throws IOException {
        Partition.Node n = p.pages.get(number);
        if (n != null) {
            p.hits++;
            return n;
        }
        p.misses++;
        byte[] b = new byte[pageSize];
        load(number, b);
        return insert(p, number, new Partition.Node(b, false));
    }

    /** Caller holds {@code p}'s monitor. A page past the end of the file or overwritten whole is not read. */
    Partition.Node pageForWrite(Partition p, long number, int from, int to) throws IOException {
        Partition.Node n = p.pages.get(number);
        if (n != null) {
            p.hits++;
            return n;
        }
        p.misses++;
        byte[] b = new byte[pageSize];
        boolean whole = from == 0 && to == pageSize;
        // The size cannot shrink while p's monitor is held, and nothing past it was ever on disk since the last truncate.
        if (!whole && number * pageSize < size.get()) {
            load(number, b);
        }
        return insert(p, number, new Partition.Node(b, false));
    }

    private void load(long number, byte[] b) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(b);
        long pos = number * pageSize;
        while (buf.hasRemaining()) {
            if (channel.read(buf, pos + buf.position()) < 0) {
                break; // past the end on disk: zeros
            }
        }
    }

    /** Caller holds {@code p}'s monitor: evicts until the partition's budget holds (after an import from a larger cache). */
    void trim(Partition p) throws IOException {
        while (p.pages.size() > p.budget) {
            evictEldest(p);
        }
    }

    private Partition.Node insert(Partition p, long number, Partition.Node n) throws IOException {
        while (p.pages.size() >= p.budget) {
            evictEldest(p);
        }
        p.pages.put(number, n);
        return n;
    }

    private void evictEldest(Partition p) throws IOException {
        Iterator<Map.Entry<Long, Partition.Node>> it = p.pages.entrySet().iterator();
        Map.Entry<Long, Partition.Node> eldest = it.next();
        if (eldest.getValue().dirty) {
            writeBack(p, eldest.getKey(), eldest.getValue()); // an I/O error leaves the page cached and dirty
        }
        it.remove();
        p.evictions++;
    }

    /** Caller holds {@code p}'s monitor: writes a dirty page (only the bytes within the logical size) and marks it clean. */
    void writeBack(Partition p, long number, Partition.Node n) throws IOException {
        long start = number * pageSize;
        int len = (int) Math.min(pageSize, size.get() - start);
        if (len > 0) {
            ByteBuffer buf = ByteBuffer.wrap(n.bytes, 0, len);
            while (buf.hasRemaining()) {
                channel.write(buf, start + buf.position());
            }
        }
        n.dirty = false;
        p.dirty--;
    }

    /** Caller holds {@code p}'s monitor: writes the partition's dirty pages back in page order. */
    void flush(Partition p) throws IOException {
        if (p.dirty == 0) {
            return;
        }
        List<Map.Entry<Long, Partition.Node>> l = new ArrayList<>();
        for (Map.Entry<Long, Partition.Node> e : p.pages.entrySet()) {
            if (e.getValue().dirty) {
                l.add(e);
            }
        }
        l.sort(Map.Entry.comparingByKey());
        for (Map.Entry<Long, Partition.Node> e : l) {
            writeBack(p, e.getKey(), e.getValue());
        }
    }

    /** Something to run while every partition's monitor is held. */
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

    /** Caller holds every lock. Cuts the file first (an I/O error changes nothing), then the pages. */
    void truncate(long newSize) throws IOException {
        if (newSize < 0) {
            throw new IllegalArgumentException("negative size " + newSize);
        }
        if (newSize >= size.get()) {
            return;
        }
        if (channel.size() > newSize) {
            channel.truncate(newSize);
        }
        size.set(newSize);
        long lastKept = newSize == 0 ? -1 : (newSize - 1) / pageSize;
        for (Partition p : partitions) {
            Iterator<Map.Entry<Long, Partition.Node>> it = p.pages.entrySet().iterator();
            while (it.hasNext()) {
                Map.Entry<Long, Partition.Node> e = it.next();
                long number = e.getKey();
                Partition.Node n = e.getValue();
                if (number > lastKept) {
                    if (n.dirty) {
                        p.dirty--;
                    }
                    it.remove();
                } else if (number == lastKept) {
                    Arrays.fill(n.bytes, (int) (newSize - number * pageSize), pageSize, (byte) 0);
                }
            }
        }
    }

    FcmStats stats() {
        FcmStats s = new FcmStats();
        for (Partition p : partitions) {
            synchronized (p) {
                s.hits += p.hits;
                s.misses += p.misses;
                s.evictions += p.evictions;
                s.cachedPages += p.pages.size();
                s.dirtyPages += p.dirty;
            }
        }
        return s;
    }
}
