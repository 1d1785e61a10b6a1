package swap.bench;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import swap.api.StateFormat;
import swap.api.StatefulComponent;
import swap.api.TransferContext;

/** The two bodies of ANCHORS.md: "trivial" (arithmetic on a field) and "map" (a small map look-up). */
final class Caches {
    private Caches() {
    }

    static final class Trivial implements Cache {
        private final long seed = 17;

        @Override
        public long get(long key) {
            return key * 31 + seed;
        }
    }

    static final class SmallMap implements Cache {
        private final Map<Long, Long> map = new HashMap<>();

        SmallMap() {
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

    static final StateFormat<Long> VALUE = StateFormat.canonical("bench.counter.value", Long.class);

    /** A small-state component for the swap benchmarks: a counter carried across swaps. */
    static class Counting implements Cache, StatefulComponent {
        private final AtomicLong count = new AtomicLong();

        @Override
        public long get(long key) {
            return count.incrementAndGet();
        }

        @Override
        public List<StateFormat<?>> exportFormats() {
            return List.of(VALUE);
        }

        @Override
        public List<StateFormat<?>> importFormats() {
            return List.of(VALUE);
        }

        @Override
        public Object exportState(StateFormat<?> format) {
            return count.get();
        }

        @Override
        public void importState(StateFormat<?> format, Object state, TransferContext context) {
            count.set((Long) state);
        }
    }
}
