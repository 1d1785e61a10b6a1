package swap.fcm.pattern.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.BitSet;

import swap.api.fcm.FcmStats;

/**
 * Everything the small-file FCM holds: the whole file in one array (read from the file at the
 * first call that needs it), which pages differ from the file, and the statistics; no page map.
 *
 * <p>Happens-before: every field is read and written only while holding this object's monitor.
 */
public final class SmallState {

    final Path path;
    final FileChannel channel;
    final int pageSize;
    final int budget;
    /** The file's bytes (capacity may exceed {@link #size}; bytes past it are zeros). Null until loaded. */
    byte[] data;
    /** The logical size, including writes not yet written back. */
    long size;
    /** Pages imported before the load (their bytes win over the file's), or null. */
    java.util.Map<Long, byte[]> imported;
    /** Pages that differ from the file (null when none). */
    BitSet dirty;
    boolean closed;
    long hits;
    long misses;
    long evictions;

    SmallState(Path path, FileChannel channel, long size, int pageSize, int budget) {
        this.path = path;
        this.channel = channel;
        this.size = size;
        this.pageSize = pageSize;
        this.budget = budget;
    }

    void checkOpen() throws ClosedChannelException {
        if (closed) {
            throw new ClosedChannelException();
        }
    }

    long pages(long bytes) {
        return (bytes + pageSize - 1) / pageSize;
    }

    /** Monitor held: reads the file into the array once; pages read from the file count as misses. */
    void load() throws IOException {
        if (data != null) {
            return;
        }
        if (size > Integer.MAX_VALUE - 16) {
            throw new IOException(path + " has " + size + " bytes: fcm.small holds files up to 2 GiB; swap it to a paged FCM");
        }
        byte[] b = new byte[(int) size];
        long onDisk = Math.min(size, channel.size());
        ByteBuffer buf = ByteBuffer.wrap(b, 0, (int) onDisk);
        while (buf.hasRemaining()) {
            if (channel.read(buf, buf.position()) < 0) {
                break;
            }
        }
        long read = pages(onDisk);
        if (imported != null) {
            for (java.util.Map.Entry<Long, byte[]> e : imported.entrySet()) {
                long at = e.getKey() * pageSize;
                if (at < size) {
                    System.arraycopy(e.getValue(), 0, b, (int) at, (int) Math.min(pageSize, size - at));
                    if (e.getKey() < read) {
                        read--; // was cached: not read for it
                    }
                }
            }
            imported = null;
        }
        misses += Math.max(0, read);
        data = b;
    }

    /** Monitor held: makes room for {@code end} bytes (zeros past the size). */
    void ensureCapacity(long end) throws IOException {
        if (end > Integer.MAX_VALUE - 16) {
            throw new IOException("a write to " + end + " bytes: fcm.small holds files up to 2 GiB; swap " + path + " to a paged FCM");
        }
        if (end > data.length) {
            data = java.util.Arrays.copyOf(data, (int) Math.min(Integer.MAX_VALUE - 16, Math.max(end, 2L * data.length)));
        }
    }

    void markDirty(long from, long to) {
        if (dirty == null) {
            dirty = new BitSet();
        }
        dirty.set((int) (from / pageSize), (int) ((to - 1) / pageSize) + 1);
    }

    /** Monitor held: writes dirty pages back in page order; a failed page stays dirty. */
    void writeBack() throws IOException {
        if (dirty == null) {
            return;
        }
        load(); // after a canonical import the dirty pages are still in imported: into the array first
        for (int p = dirty.nextSetBit(0); p >= 0; p = dirty.nextSetBit(p + 1)) {
            long at = (long) p * pageSize;
            if (at >= size) {
                dirty.clear(p);
                continue;
            }
            int n = (int) Math.min(pageSize, size - at);
            ByteBuffer buf = ByteBuffer.wrap(data, (int) at, n);
            while (buf.hasRemaining()) {
                channel.write(buf, buf.position());
            }
            dirty.clear(p);
        }
        if (dirty.isEmpty()) {
            dirty = null;
        }
    }

    FcmStats stats() {
        FcmStats s = new FcmStats();
        s.hits = hits;
        s.misses = misses;
        s.evictions = evictions;
        s.cachedPages = data == null ? (imported == null ? 0 : imported.size()) : pages(size);
        s.dirtyPages = dirty == null ? 0 : dirty.cardinality();
        return s;
    }
}
