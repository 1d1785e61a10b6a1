package swap.bench;

import java.util.HashMap;
import java.util.Map;

/**
 * A small store (the "map" body of ANCHORS.md) that {@link FrontServiceBenchmark} loads once per
 * simulated bundle revision, each time by a new class loader, as an OSGi update does: every
 * revision is a distinct class with the same code.
 */
public final class RevisionedStore implements Cache {
    private final Map<Long, Long> map = new HashMap<>();

    public RevisionedStore() {
        for (long i = 0; i < 64; i++) {
            map.put(i, i * 7);
        }
    }

    @Override
    public long get(long key) {
        Long v = map.get(key & 63);
        return v == null ? -1 : v;
    }
}
