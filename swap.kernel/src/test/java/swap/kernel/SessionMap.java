package swap.kernel;

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
 * The smallest correct pre-copy of a map, as docs/implementations.md shows it (the text there is
 * this class's body): one lock guards the set of keys changed since the copy began. The example
 * store {@code swap.example.store.CopyingSessionStore} stripes the lock and hands the last delta
 * over by reference. {@code PreCopyTest} swaps it under writers.
 */
public class SessionMap implements SessionStore, PreCopyComponent {
    @SuppressWarnings("rawtypes")
    public static final StateFormat<Map> SESSIONS = StateFormat.canonical("sessions.v1", Map.class);

    private final ConcurrentHashMap<String, Long> map = new ConcurrentHashMap<>();
    private final Object lock = new Object();
    private Set<String> changed; // guarded by lock; non-null while a copy is open

    private void changed(String key) { // after every write
        synchronized (lock) {
            if (changed != null) {
                changed.add(key);
            }
        }
    }

    @Override public void put(String key, long value) { map.put(key, value); changed(key); }
    @Override public long increment(String key) { long v = map.merge(key, 1L, Long::sum); changed(key); return v; }
    @Override public long get(String key) { Long v = map.get(key); return v == null ? -1 : v; }
    @Override public int size() { return map.size(); }
    @Override public String version() { return "1.0.0"; }

    @Override public List<StateFormat<?>> exportFormats() { return List.of(SESSIONS); }
    @Override public List<StateFormat<?>> importFormats() { return List.of(SESSIONS); }
    @Override public List<StateFormat<?>> preCopyFormats() { return List.of(SESSIONS); }
    @Override public Object exportState(StateFormat<?> format) { return new HashMap<>(map); } // still used without pre-copy

    @Override
    @SuppressWarnings("unchecked")
    public void importState(StateFormat<?> format, Object state, TransferContext context) {
        map.putAll((Map<String, Long>) state);
    }

    @Override
    public StateCopy beginCopy(StateFormat<?> format) {
        synchronized (lock) {
            changed = new HashSet<>(); // before the map is read
        }
        Iterator<Map.Entry<String, Long>> it = map.entrySet().iterator();
        long size = map.size();
        return new StateCopy() {
            long copied;

            @Override
            public Object nextPart() {
                if (!it.hasNext()) {
                    return null;
                }
                Map<String, Long> part = new HashMap<>();
                while (part.size() < 10_000 && it.hasNext()) {
                    Map.Entry<String, Long> e = it.next();
                    part.put(e.getKey(), e.getValue());
                }
                copied += part.size();
                return part;
            }

            @Override
            public Object exportDelta() {
                Set<String> keys;
                synchronized (lock) {
                    keys = changed; // taken before the values are read
                    changed = new HashSet<>();
                }
                Map<String, Long> delta = new HashMap<>();
                for (String k : keys) {
                    delta.put(k, map.get(k)); // null: removed
                }
                return delta;
            }

            @Override public long size() { return size; }
            @Override public long copied() { return copied; }
            @Override public long pending() { synchronized (lock) { return changed == null ? 0 : changed.size(); } }
            @Override public void close() { synchronized (lock) { changed = null; } }
        };
    }

    @Override
    @SuppressWarnings("unchecked")
    public void importPart(StateFormat<?> format, Object part, TransferContext context) {
        map.putAll((Map<String, Long>) part);
    }

    @Override
    @SuppressWarnings("unchecked")
    public void importDelta(StateFormat<?> format, Object delta, TransferContext context) {
        ((Map<String, Long>) delta).forEach((k, v) -> {
            if (v == null) {
                map.remove(k);
            } else {
                map.put(k, v);
            }
        });
    }
}
