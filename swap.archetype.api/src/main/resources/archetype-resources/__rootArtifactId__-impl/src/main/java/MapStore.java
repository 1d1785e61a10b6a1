package ${package};

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ServiceScope;

import ${package}.api.KeyValueStore;
import swap.api.StateFormat;
import swap.api.StatefulComponent;
import swap.api.TransferContext;
import swap.api.component.SwapImplementation;
import swap.api.transfer.Formats;
import swap.api.transfer.StateExports;
import swap.api.transfer.StateImports;

/**
 * The store on one {@link ConcurrentHashMap}: a DS component of prototype scope (one instance per
 * entry), whose every key and value moves to the next implementation in the canonical format
 * {@link #ENTRIES}.
 */
@Component(service = KeyValueStore.class, scope = ServiceScope.PROTOTYPE)
@SwapImplementation(name = "${implName}") // the version is this bundle's Bundle-Version
public class MapStore implements KeyValueStore, StatefulComponent {

    /** Every key and value, copied: the format every implementation of the store reads and writes. */
    public static final StateFormat<Map<String, String>> ENTRIES = Formats.canonical("${package}.entries.v1", Map.class);

    private final ConcurrentHashMap<String, String> map = new ConcurrentHashMap<>();

    private final StateExports exports = StateExports.builder()
            .on(ENTRIES, () -> new HashMap<>(map)) // runs while no call runs here; leaves the map intact
            .build();
    private final StateImports imports = StateImports.builder()
            .on(ENTRIES, (entries, context) -> map.putAll(entries)) // a Map<String, String>: no cast
            .build();

    @Override
    public String put(String key, String value) {
        return map.put(key, value);
    }

    @Override
    public String get(String key) {
        return map.get(key);
    }

    @Override
    public String remove(String key) {
        return map.remove(key);
    }

    @Override
    public Map<String, String> snapshot() {
        return new HashMap<>(map);
    }

    @Override
    public List<StateFormat<?>> exportFormats() {
        return exports.formats();
    }

    @Override
    public List<StateFormat<?>> importFormats() {
        return imports.formats();
    }

    @Override
    public Object exportState(StateFormat<?> format) throws Exception {
        return exports.export(format);
    }

    @Override
    public void importState(StateFormat<?> format, Object state, TransferContext context) throws Exception {
        imports.dispatch(format, state, context);
    }
}
