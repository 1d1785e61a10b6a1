package swap.example.store;

import java.util.AbstractMap;
import java.util.AbstractSet;
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
 * the copy remain when calls are held, and even those are handed over by reference: the new store
 * pulls each one from the old store's map when it is first used, or a background thread does
 * (post-copy). Plain Java (no OSGi): the kernel's tests and {@code LargeStateSwapBenchmark} run it
 * with an {@code Engine} and a {@code StandaloneSource}.
 *
 * <p>How it records changes (the argument in docs/design.md, "Pre-copy"): keys fall into
 * {@value #STRIPES} stripes, each with a lock and, while a copy is open, a set of the keys written
 * since they were last exported. A write changes the map, <em>then</em> adds its key to its stripe's
 * set under the stripe's lock. The copy opens every stripe's set (under each lock) before it reads
 * the map; a delta swaps out every stripe's set (under each lock) before it reads the current values
 * of the keys it held. So each write is either ordered before the lock that opened or swapped out
 * its stripe's set (and then the read that follows sees it), or its key is in a set a later delta
 * swaps out. The last delta ({@link StateCopy#exportLastDelta()}, the old store quiescent) swaps
 * the sets out and hands them over with the old map, unread ({@link LastDelta}); the new store keeps
 * each set as its stripe's <em>stale</em> keys, and a call on a stale key first pulls its value from
 * the old map under the stripe's lock.
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

    /** Whether some stripe has stale keys (pulled from an old store's map on first use); cleared once all are pulled. */
    private volatile boolean stale;

    /**
     * One lock; while a copy is open, the keys of the stripe written since they were last exported;
     * after a swap to this store, the keys whose values are still in the old store's map.
     */
    private static final class Stripe {
        Set<String> dirty; // guarded by this
        Set<String> stale; // guarded by this
        Map<String, Long> source; // guarded by this: where the stale keys' values are
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

    /** Before a call uses {@code key}: if its value is still in an old store's map, pulls it. */
    private void pull(String key) {
        if (stale) {
            Stripe s = stripe(key);
            synchronized (s) {
                if (s.stale != null && s.stale.remove(key)) {
                    apply(key, s.source.get(key));
                }
            }
        }
    }

    private void apply(String key, Long value) {
        if (value == null) {
            map.remove(key);
        } else {
            map.put(key, value);
        }
    }

    /** Pulls every stale key, a few at a time under each stripe's lock. */
    private void pullAll() {
        if (!stale) {
            return;
        }
        for (Stripe s : stripes) {
            boolean more = true;
            while (more) {
                synchronized (s) {
                    if (s.stale == null) {
                        break;
                    }
                    Iterator<String> it = s.stale.iterator();
                    for (int n = 0; n < 256 && it.hasNext(); n++) {
                        String k = it.next();
                        it.remove();
                        apply(k, s.source.get(k));
                    }
                    more = it.hasNext();
                    if (!more) {
                        s.stale = null;
                        s.source = null;
                    }
                }
            }
        }
        stale = false;
    }

    @Override
    public void put(String key, long value) {
        pull(key);
        map.put(key, value);
        changed(key);
    }

    @Override
    public long get(String key) {
        pull(key);
        Long v = map.get(key);
        return v == null ? -1 : v;
    }

    @Override
    public long increment(String key) {
        pull(key);
        long v = map.merge(key, 1L, Long::sum);
        changed(key);
        return v;
    }

    /** Removes {@code key}'s session. @return whether it had one */
    public boolean remove(String key) {
        pull(key);
        boolean had = map.remove(key) != null;
        changed(key);
        return had;
    }

    @Override
    public int size() {
        pullAll();
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
        pullAll();
        return new HashMap<>(map);
    }

    @Override
    @SuppressWarnings("unchecked")
    public void importState(StateFormat<?> format, Object state, TransferContext context) {
        map.putAll((Map<String, Long>) state);
    }

    @Override
    public StateCopy beginCopy(StateFormat<?> format) {
        pullAll(); // a copy reads the map: every value must be in it
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
        if (delta instanceof LastDelta) { // by reference: pulled on first use, and by a background thread
            LastDelta last = (LastDelta) delta;
            for (int i = 0; i < STRIPES; i++) {
                Set<String> keys = last.keys.get(i);
                if (keys != null && !keys.isEmpty()) {
                    synchronized (stripes[i]) {
                        stripes[i].stale = keys;
                        stripes[i].source = last.source;
                    }
                    stale = true;
                }
            }
            if (stale) {
                Thread t = new Thread(this::pullAll, "session-store-pull");
                t.setDaemon(true);
                t.start();
            }
            return;
        }
        for (Map.Entry<String, Long> e : ((Map<String, Long>) delta).entrySet()) {
            apply(e.getKey(), e.getValue());
        }
    }

    /**
     * The last delta, by reference: per stripe, the keys written since the last delta, and the old
     * store's map, which holds their values (it runs no call again once the swap completes). As a
     * {@code Map} (for an importer of another class space, which does not know this class) it reads
     * those values.
     */
    static final class LastDelta extends AbstractMap<String, Long> {
        final List<Set<String>> keys; // by stripe
        final Map<String, Long> source;

        LastDelta(List<Set<String>> keys, Map<String, Long> source) {
            this.keys = keys;
            this.source = source;
        }

        @Override
        public Set<Map.Entry<String, Long>> entrySet() {
            Map<String, Long> values = new HashMap<>();
            for (Set<String> ks : keys) {
                if (ks != null) {
                    for (String k : ks) {
                        values.put(k, source.get(k));
                    }
                }
            }
            return new AbstractSet<>() {
                @Override
                public Iterator<Map.Entry<String, Long>> iterator() {
                    return values.entrySet().iterator();
                }

                @Override
                public int size() {
                    return values.size();
                }
            };
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

        /** Every stripe's set of changed keys, swapped out for an empty one under the stripe's lock (index: stripe). */
        private List<Set<String>> take() {
            List<Set<String>> taken = new ArrayList<>(STRIPES);
            for (Stripe s : stripes) {
                synchronized (s) {
                    if (s.dirty != null && !s.dirty.isEmpty()) {
                        taken.add(s.dirty); // from now on only this thread reads it
                        s.dirty = new HashSet<>();
                    } else {
                        taken.add(null);
                    }
                }
            }
            return taken;
        }

        @Override
        public Object exportDelta() {
            Map<String, Long> delta = new HashMap<>();
            for (Set<String> keys : take()) {
                if (keys != null) {
                    for (String k : keys) {
                        delta.put(k, map.get(k)); // null: removed
                    }
                }
            }
            return delta;
        }

        /** Constant time: the changed keys and this store's map, by reference (this store is quiescent and runs no call again once the swap completes). */
        @Override
        public Object exportLastDelta() {
            return new LastDelta(take(), map);
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
