package swap.fcm.distributed.internal;

import java.util.LinkedHashMap;

/**
 * One partition of a distributed FCM: the pages whose number is congruent to its index modulo the
 * partition count, in an access-ordered map (LRU order, eldest first), with its own lock (this
 * object's monitor), budget and statistics.
 *
 * <p>Happens-before: every field is read and written only while holding this object's monitor.
 */
final class Partition {

    /** One cached page: its bytes (always {@code pageSize} long) and whether they differ from the file. */
    static final class Node {
        final byte[] bytes;
        boolean dirty;

        Node(byte[] bytes, boolean dirty) {
            this.bytes = bytes;
            this.dirty = dirty;
        }
    }

    final LinkedHashMap<Long, Node> pages = new LinkedHashMap<>(16, 0.75f, true);
    final int budget;
    long hits;
    long misses;
    long evictions;
    long dirty;

    Partition(int budget) {
        this.budget = budget;
    }

    void markDirty(Node n) {
        if (!n.dirty) {
            n.dirty = true;
            dirty++;
        }
    }
}
