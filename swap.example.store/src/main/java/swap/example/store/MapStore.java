package swap.example.store;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.framework.Bundle;
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
 *
 * <p>For tests of format negotiation across versions, a build of the bundle may list other formats
 * in two optional manifest headers, {@value #EXPORT_FORMATS} and {@value #IMPORT_FORMATS}: format
 * names, most preferred first, comma-separated. {@code swap.example.store.map} is {@link #MAP};
 * any other name is a canonical copy of every key and value (a {@code Map}), e.g.
 * {@code session.entries.v1}. Without the headers (the normal build) the store exports and imports
 * {@link #MAP} and {@link #COPY}. The integration tests make such builds by rewriting the manifest
 * of this bundle's jar.
 */
public abstract class MapStore implements SessionStore, StatefulComponent {

    /** The map itself, O(1): usable across bundle revisions because its type is a JDK class. */
    static final StateFormat<ConcurrentHashMap> MAP = StateFormat.byReference("swap.example.store.map", ConcurrentHashMap.class);
    /** A copy of every key and value. */
    static final StateFormat<Map> COPY = StateFormat.canonical("swap.example.store.copy", Map.class);

    /** Manifest header: the formats this build exports, by name, most preferred first (optional). */
    static final String EXPORT_FORMATS = "Store-Export-Formats";
    /** Manifest header: the formats this build imports, by name, most preferred first (optional). */
    static final String IMPORT_FORMATS = "Store-Import-Formats";

    private volatile ConcurrentHashMap<String, Long> map = new ConcurrentHashMap<>();
    private final List<StateFormat<?>> exports = formats(EXPORT_FORMATS);
    private final List<StateFormat<?>> imports = formats(IMPORT_FORMATS);

    /** The formats the manifest header {@code header} of this class's bundle names, else {@link #MAP} and {@link #COPY}. */
    private List<StateFormat<?>> formats(String header) {
        Bundle b = FrameworkUtil.getBundle(getClass());
        String names = b == null ? null : b.getHeaders("").get(header);
        if (names == null || names.isBlank()) {
            return List.of(MAP, COPY);
        }
        List<StateFormat<?>> l = new ArrayList<>();
        for (String n : names.split(",")) {
            String name = n.trim();
            if (!name.isEmpty()) {
                l.add(name.equals(MAP.name()) ? MAP : name.equals(COPY.name()) ? COPY : StateFormat.canonical(name, Map.class));
            }
        }
        return List.copyOf(l);
    }

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
        return exports;
    }

    @Override
    public List<StateFormat<?>> importFormats() {
        return imports;
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
