package swap.example.store;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.framework.FrameworkUtil;

import swap.api.StateFormat;
import swap.api.StatefulComponent;
import swap.api.TransferContext;
import swap.example.store.api.SessionStore;

/**
 * The session store: one {@link ConcurrentHashMap}. Its state survives an update of this bundle
 * because it implements {@link StatefulComponent}: the map is handed to the next instance by
 * reference (its type is the JDK's, so a new bundle revision sees the same class), or copied.
 * Nothing else in it knows about the platform; the components below only add
 * {@code swap.swappable=true} to their service properties.
 */
public abstract class MapStore implements SessionStore, StatefulComponent {

    /** The map itself, O(1): usable across bundle revisions because its type is a JDK class. */
    static final StateFormat<ConcurrentHashMap> MAP = StateFormat.byReference("swap.example.store.map", ConcurrentHashMap.class);
    /** A copy of every key and value. */
    static final StateFormat<Map> COPY = StateFormat.canonical("swap.example.store.copy", Map.class);

    private volatile ConcurrentHashMap<String, Long> map = new ConcurrentHashMap<>();

    @Override
    public void put(String key, long value) {
        map.put(key, value);
    }

    @Override
    public long get(String key) {
        Long v = map.get(key);
        return v == null ? -1 : v;
    }

    @Override
    public long increment(String key) {
        return map.merge(key, 1L, Long::sum);
    }

    @Override
    public int size() {
        return map.size();
    }

    @Override
    public String version() {
        return FrameworkUtil.getBundle(getClass()).getVersion().toString();
    }

    @Override
    public List<StateFormat<?>> exportFormats() {
        return List.of(MAP, COPY);
    }

    @Override
    public List<StateFormat<?>> importFormats() {
        return List.of(MAP, COPY);
    }

    @Override
    public Object exportState(StateFormat<?> format) {
        return format.equals(MAP) ? map : new java.util.HashMap<>(map);
    }

    @Override
    @SuppressWarnings("unchecked")
    public void importState(StateFormat<?> format, Object state, TransferContext context) {
        if (format.equals(MAP)) {
            map = (ConcurrentHashMap<String, Long>) state;
        } else {
            map.putAll((Map<String, Long>) state);
        }
    }
}
