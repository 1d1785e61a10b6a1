package swap.testkit.store;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import swap.api.StateFormat;
import swap.api.StatefulComponent;
import swap.api.TransferContext;
import swap.api.transfer.StateExports;
import swap.api.transfer.StateImports;

/**
 * The correct implementation: a map under one lock; exports and imports {@link #SNAPSHOT} (a copy of
 * every session and the version) through the typed helpers. The broken variants in
 * {@link BrokenImports} override {@link #load}.
 */
public class HashSessionMap implements SessionMap, StatefulComponent {

    /** Every session and the version, copied. */
    public static final StateFormat<Snapshot> SNAPSHOT = StateFormat.canonical("test.sessions.v1", Snapshot.class);

    protected final Map<String, Session> map = new LinkedHashMap<>();
    protected long version;

    private final StateExports exports = StateExports.builder().on(SNAPSHOT, this::snapshot).build();
    private final StateImports imports = StateImports.builder().on(SNAPSHOT, (s, c) -> load(s)).build();

    protected synchronized Snapshot snapshot() {
        return new Snapshot(new LinkedHashMap<>(map), version);
    }

    /** Reads an exported snapshot into this fresh instance. */
    protected synchronized void load(Snapshot s) {
        map.putAll(s.sessions());
        version = s.version();
    }

    @Override
    public synchronized void put(String key, String value, long expiresAt) {
        map.put(key, new Session(value, expiresAt));
        version++;
    }

    @Override
    public synchronized Session get(String key) {
        return map.get(key);
    }

    @Override
    public synchronized Session remove(String key) {
        Session s = map.remove(key);
        if (s != null) {
            version++;
        }
        return s;
    }

    @Override
    public synchronized Map<String, Session> sessions() {
        return new HashMap<>(map);
    }

    @Override
    public synchronized long version() {
        return version;
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
