package swap.api.fcm;

import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.List;

import swap.api.StateFormat;

/**
 * The state formats every FCM implementation understands. Implementation-specific formats (a
 * shared FCM handing its map to another shared FCM by reference) are defined in their bundles.
 */
public final class FcmFormats {
    private FcmFormats() {
    }

    /**
     * The canonical state: the open file and its cached pages, dirty ones included. Every FCM
     * imports it (a fresh FCM is bound to its file by importing one with no pages) and exports it.
     */
    public static final StateFormat<PageSet> PAGES = StateFormat.canonical("fcm.pages.v1", PageSet.class);

    /** One cached page: its number (offset / page size), its bytes, and whether they differ from the file. */
    public record Page(long number, byte[] bytes, boolean dirty) {
    }

    /**
     * The canonical FCM state. {@code pages} may be split into {@code parts} (for example one per
     * partition of a distributed FCM) so that an importer can import the parts in parallel; their
     * union is the whole cache.
     *
     * @param path     the file
     * @param channel  the open channel, handed over (the exporter must not close it)
     * @param size     the file's logical size, including unflushed writes
     * @param pageSize the page size in bytes
     * @param budget   the most pages this FCM may cache
     * @param parts    the cached pages, in one or more parts
     * @param stats    the exporter's statistics (hits, misses and evictions are carried over to the
     *                 importer, so they survive a swap), or {@code null} for none (since 1.1)
     */
    public record PageSet(Path path, FileChannel channel, long size, int pageSize, int budget, List<List<Page>> parts, FcmStats stats) {

        /** A page set with no statistics to carry (the 1.0 constructor). */
        public PageSet(Path path, FileChannel channel, long size, int pageSize, int budget, List<List<Page>> parts) {
            this(path, channel, size, pageSize, budget, parts, null);
        }
    }
}
