package swap.example.store;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import swap.api.PreCopyComponent;
import swap.api.StateCopy;
import swap.api.StateFormat;
import swap.api.TransferContext;
import swap.example.store.api.SessionStore;

/**
 * A session store for a large state: a {@link ConcurrentHashMap} of many sessions that is copied
 * while the store serves its callers ({@link PreCopyComponent}); only the sessions written during
 * the copy are carried while calls are held. Plain Java (no OSGi): the kernel's tests and
 * {@code LargeStateSwapBenchmark} run it with an {@code Engine} and a {@code StandaloneSource}.
 *
 * <p>How it records changes (the argument in docs/design.md, "Pre-copy"): keys fall into
 * {@value #STRIPES} stripes, each with a lock and, while a copy is open, a set of the keys written
 * since they were last exported. A write changes the map, <em>then</em> adds its key to its stripe's
 * set under the stripe's lock. The copy opens every stripe's set (under each lock) before it reads
 * the map; a delta swaps out every stripe's set (under each lock) before it reads the current values
 * of the keys it held. So each write is either ordered before the lock that opened or swapped out
 * its stripe's set (and then the read that follows sees it), or its key is in a set a later delta
 * swaps out.
 *
 * <p>Format {@link #ENTRIES}: a part or a delta is a {@code Map<String, Long>}; in a delta a
 * {@code null} value marks a removed key. Thread-safe.
 */
public class CopyingSessionStore implements SessionStore, PreCopyComponent {

    /** Every session, as a {@code Map<String, Long>}; in a delta a {@code null} value marks a removed key. */
    @SuppressWarnings("rawtypes")
    public static final StateFormat<Map> ENTRIES = StateFormat.canonical("swap.example.store.entries", Map.class);

    /** How many lock stripes the recording of changes uses. */
    static final int STRIPES = 64;

    private final ConcurrentHashMap<String, Long> map = new ConcurrentHashMap<>();
    private final Stripe[] stripes = new Stripe[STRIPES];
    private final int partSize;
    private final String version;

    /** One lock and, while a copy is open, the keys of the stripe written since they were last exported. */
    private static final class Stripe {
        Set<String> dirty; // guarded by this
    }

    /** A store whose copy is made in parts of 65,536 sessions. */
    public CopyingSessionStore() {
        this(65_536, "1.0.0");
    }

    /**
     * @param partSize sessions per part of a copy (&gt; 0)
     * @param version what {@link #version()} returns
     */
    public CopyingSessionStore(int partSize, String version) {
        if (partSize <= 0) {
            throw new IllegalArgumentException("partSize must be > 0");
        }
        this.partSize = partSize;
        this.version = version;
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new Stripe();
        }
    }

    private Stripe stripe(String key) {
        return stripes[(key.hashCode() & 0x7fffffff) % STRIPES];
    }

    /** Records that {@code key} was written, if a copy is open. Called after the write. */
    private void changed(String key) {
        Stripe s = stripe(key);
        synchronized (s) {
            if (s.dirty != null) {
                s.dirty.add(key);
            }
        }
    }

    @Override
    public void put(String key, long value) {
        map.put(key, value);
        changed(key);
    }

    @Override
    public long get(String key) {
        Long v = map.get(key);
        return v == null ? -1 : v;
    }

    @Override
    public long increment(String key) {
        long v = map.merge(key, 1L, Long::sum);
        changed(key);
        return v;
    }

    /** Removes {@code key}'s session. @return whether it had one */
    public boolean remove(String key) {
        boolean had = map.remove(key) != null;
        changed(key);
        return had;
    }

    @Override
    public int size() {
        return map.size();
    }

    @Override
    public String version() {
        return version;
    }

    // ---------------------------------------------------------------- state transfer

    @Override
    public List<StateFormat<?>> exportFormats() {
        return List.of(ENTRIES);
    }

    @Override
    public List<StateFormat<?>> importFormats() {
        return List.of(ENTRIES);
    }

    @Override
    public List<StateFormat<?>> preCopyFormats() {
        return List.of(ENTRIES);
    }

    /** The whole map while calls are held (a store that swaps with one that cannot pre-copy, or a canary's copy). */
    @Override
    public Object exportState(StateFormat<?> format) {
        return new HashMap<>(map);
    }

    @Override
    @SuppressWarnings("unchecked")
    public void importState(StateFormat<?> format, Object state, TransferContext context) {
        map.putAll((Map<String, Long>) state);
    }

    @Override
    public StateCopy beginCopy(StateFormat<?> format) {
        for (Stripe s : stripes) {
            synchronized (s) {
                s.dirty = new HashSet<>();
            }
        }
        return new Copy(map.size());
    }

    @Override
    @SuppressWarnings("unchecked")
    public void importPart(StateFormat<?> format, Object part, TransferContext context) {
        map.putAll((Map<String, Long>) part);
    }

    @Override
    @SuppressWarnings("unchecked")
    public void importDelta(StateFormat<?> format, Object delta, TransferContext context) {
        for (Map.Entry<String, Long> e : ((Map<String, Long>) delta).entrySet()) {
            if (e.getValue() == null) {
                map.remove(e.getKey());
            } else {
                map.put(e.getKey(), e.getValue());
            }
        }
    }

    /** The copy: the map's weakly consistent iterator in parts, then the recorded keys' current values. */
    private final class Copy implements StateCopy {
        private final Iterator<Map.Entry<String, Long>> it = map.entrySet().iterator(); // after every stripe's set was opened
        private final long size;
        private long copied;

        Copy(long size) {
            this.size = size;
        }

        @Override
        public Object nextPart() {
            if (!it.hasNext()) {
                return null;
            }
            Map<String, Long> part = new HashMap<>(Math.min(partSize, 1 << 16) * 2);
            while (part.size() < partSize && it.hasNext()) {
                Map.Entry<String, Long> e = it.next();
                part.put(e.getKey(), e.getValue());
            }
            copied += part.size();
            return part;
        }

        @Override
        public long size() {
            return size;
        }

        @Override
        public long copied() {
            return copied;
        }

        @Override
        public long pending() {
            long n = 0;
            for (Stripe s : stripes) {
                synchronized (s) {
                    n += s.dirty == null ? 0 : s.dirty.size();
                }
            }
            return n;
        }

        @Override
        public Object exportDelta() {
            List<Set<String>> taken = new ArrayList<>(STRIPES);
            for (Stripe s : stripes) {
                synchronized (s) {
                    if (s.dirty != null && !s.dirty.isEmpty()) {
                        taken.add(s.dirty);
                        s.dirty = new HashSet<>();
                    }
                }
            }
            Map<String, Long> delta = new HashMap<>();
            for (Set<String> keys : taken) {
                for (String k : keys) {
                    delta.put(k, map.get(k)); // null: removed
                }
            }
            return delta;
        }

        @Override
        public void close() {
            for (Stripe s : stripes) {
                synchronized (s) {
                    s.dirty = null;
                }
            }
        }
    }
}
