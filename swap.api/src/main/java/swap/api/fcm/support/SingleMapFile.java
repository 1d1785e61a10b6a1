package swap.api.fcm.support;

import java.nio.channels.FileChannel;
import java.nio.file.Path;

import swap.api.fcm.FcmStats;

/**
 * A {@link PagedFile} with one {@link PageMap} for all its pages (K42's shared FCM): the FCM guards
 * {@link #map} with one lock of its choice and holds it for every call.
 */
@org.osgi.annotation.versioning.ConsumerType
public class SingleMapFile extends PagedFile {

    /** The one map of pages. */
    protected final PageMap map;
    private final PageMap[] maps;

    public SingleMapFile(Path path, FileChannel channel, long size, int pageSize, int budget) {
        this(path, channel, size, pageSize, budget, PageMap.Replacement.CLOCK);
    }

    /** A file whose one map evicts by {@code replacement} (since 1.3). */
    public SingleMapFile(Path path, FileChannel channel, long size, int pageSize, int budget, PageMap.Replacement replacement) {
        super(path, channel, size, pageSize, budget);
        this.map = new PageMap(budget, replacement);
        this.maps = new PageMap[] {map};
    }

    @Override
    protected final PageMap map(long number) {
        return map;
    }

    @Override
    protected final PageMap[] maps() {
        return maps;
    }

    @Override
    protected final int writeGroupPages() {
        return budget;
    }

    /** @return the one map */
    public final PageMap pageMap() {
        return map;
    }

    /** Caller holds the map's lock: the statistics. */
    public final FcmStats stats() {
        FcmStats s = new FcmStats();
        addStats(map, s);
        return s;
    }
}
