package swap.fcm.shared.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import swap.api.fcm.FcmStats;

/**
 * Everything a shared FCM holds: the file, its logical size, one access-ordered map of cached pages
 * (its iteration order is the LRU order, eldest first) and the statistics. It is guarded by its
 * own monitor ({@code synchronized (this)}), so the lock travels with the structure when a shared
 * FCM hands it to another shared FCM by reference.
 *
 * <p>Happens-before: every field is read and written only while holding this object's monitor.
 */
public final class SharedState {

    /** One cached page: its bytes (always {@code pageSize} long) and whether they differ from the file. */
    static final class Node {
        final byte[] bytes;
        boolean dirty;

        Node(byte[] bytes, boolean dirty) {
            this.bytes = bytes;
            this.dirty = dirty;
        }
    }

    final Path path;
    final FileChannel channel;
    final int pageSize;
    final int budget;
    long size;
    boolean closed;
    final LinkedHashMap<Long, Node> pages;
    long hits;
    long misses;
    long evictions;
    long dirty;

    SharedState(Path path, FileChannel channel, long size, int pageSize, int budget) {
        if (pageSize <= 0 || budget <= 0) {
            throw new IllegalArgumentException("page size and budget must be > 0, were " + pageSize + " and " + budget);
        }
        this.path = path;
        this.channel = channel;
        this.size = size;
        this.pageSize = pageSize;
        this.budget = budget;
        this.pages = new LinkedHashMap<>(16, 0.75f, true);
    }

    void checkOpen() throws ClosedChannelException {
        if (closed) {
            throw new ClosedChannelException();
        }
    }

    /** The page for a read: from the map (a hit) or from the file (a miss). Caller holds the monitor. */
    Node pageForRead(long number) throws IOException {
        Node n = pages.get(number);
        if (n != null) {
            hits++;
            return n;
        }
        misses++;
        byte[] b = new byte[pageSize];
        load(number, b);
        return insert(number, new Node(b, false));
    }

    /**
     * The page for a write of {@code [from, to)} within it. A page past the end of the file or
     * overwritten whole is not read from the file.
     */
    Node pageForWrite(long number, int from, int to) throws IOException {
        Node n = pages.get(number);
        if (n != null) {
            hits++;
            return n;
        }
        misses++;
        byte[] b = new byte[pageSize];
        boolean whole = from == 0 && to == pageSize;
        if (!whole && number * pageSize < size) {
            load(number, b);
        }
        return insert(number, new Node(b, false));
    }

    private void load(long number, byte[] b) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(b);
        long pos = number * pageSize;
        // Bytes past the end of the file on disk stay zero (a gap, or writes not yet flushed).
        while (buf.hasRemaining()) {
            int r = channel.read(buf, pos + buf.position());
            if (r < 0) {
                break;
            }
        }
    }

    private Node insert(long number, Node n) throws IOException {
        while (pages.size() >= budget) {
            evictEldest();
        }
        pages.put(number, n);
        return n;
    }

    /** Evicts the least recently used pages until the budget holds (after an import from a larger cache). */
    void trim() throws IOException {
        while (pages.size() > budget) {
            evictEldest();
        }
    }

    /** Drops the least recently used page, writing it back first if dirty; an I/O error leaves it cached. */
    private void evictEldest() throws IOException {
        Iterator<Map.Entry<Long, Node>> it = pages.entrySet().iterator();
        Map.Entry<Long, Node> eldest = it.next();
        Node n = eldest.getValue();
        if (n.dirty) {
            writeBack(eldest.getKey(), n);
        }
        it.remove();
        evictions++;
    }

    /** Writes a dirty page to the file (only the bytes within the logical size) and marks it clean. */
    void writeBack(long number, Node n) throws IOException {
        long start = number * pageSize;
        int len = (int) Math.min(pageSize, size - start);
        if (len > 0) {
            ByteBuffer buf = ByteBuffer.wrap(n.bytes, 0, len);
            while (buf.hasRemaining()) {
                channel.write(buf, start + buf.position());
            }
        }
        n.dirty = false;
        dirty--;
    }

    void markDirty(Node n) {
        if (!n.dirty) {
            n.dirty = true;
            dirty++;
        }
    }

    /** Writes every dirty page back in page order, then forces the file. */
    void flush() throws IOException {
        if (dirty > 0) {
            List<Map.Entry<Long, Node>> l = new ArrayList<>();
            for (Map.Entry<Long, Node> e : pages.entrySet()) {
                if (e.getValue().dirty) {
                    l.add(e);
                }
            }
            l.sort(Map.Entry.comparingByKey());
            for (Map.Entry<Long, Node> e : l) {
                writeBack(e.getKey(), e.getValue());
            }
        }
        channel.force(false);
    }

    /** Cuts the file first (an I/O error changes nothing), then drops the pages past the end. */
    void truncate(long newSize) throws IOException {
        if (newSize < 0) {
            throw new IllegalArgumentException("negative size " + newSize);
        }
        if (newSize >= size) {
            return;
        }
        if (channel.size() > newSize) {
            channel.truncate(newSize);
        }
        size = newSize;
        long lastKept = newSize == 0 ? -1 : (newSize - 1) / pageSize;
        Iterator<Map.Entry<Long, Node>> it = pages.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Long, Node> e = it.next();
            long number = e.getKey();
            Node n = e.getValue();
            if (number > lastKept) {
                if (n.dirty) {
                    dirty--;
                }
                it.remove();
            } else if (number == lastKept) {
                int keep = (int) (newSize - number * pageSize);
                java.util.Arrays.fill(n.bytes, keep, pageSize, (byte) 0); // a later growth reads zeros here
            }
        }
    }

    FcmStats stats() {
        FcmStats s = new FcmStats();
        s.hits = hits;
        s.misses = misses;
        s.evictions = evictions;
        s.cachedPages = pages.size();
        s.dirtyPages = dirty;
        return s;
    }
}
