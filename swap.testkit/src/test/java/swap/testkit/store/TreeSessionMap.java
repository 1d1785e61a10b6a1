package swap.testkit.store;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

import swap.api.StateFormat;
import swap.api.StatefulComponent;
import swap.api.TransferContext;
import swap.api.transfer.StateExports;
import swap.api.transfer.StateImports;

/** A second correct implementation (a sorted concurrent map), to carry state to and from. */
public class TreeSessionMap implements SessionMap, StatefulComponent {

    private final ConcurrentSkipListMap<String, Session> map = new ConcurrentSkipListMap<>();
    private final AtomicLong version = new AtomicLong();

    private final StateExports exports = StateExports.builder()
            .on(HashSessionMap.SNAPSHOT, () -> new Snapshot(new HashMap<>(map), version.get())).build();
    private final StateImports imports = StateImports.builder()
            .on(HashSessionMap.SNAPSHOT, (s, c) -> {
                map.putAll(s.sessions());
                version.set(s.version());
            }).build();

    @Override
    public synchronized void put(String key, String value, long expiresAt) {
        map.put(key, new Session(value, expiresAt));
        version.incrementAndGet();
    }

    @Override
    public Session get(String key) {
        return map.get(key);
    }

    @Override
    public synchronized Session remove(String key) {
        Session s = map.remove(key);
        if (s != null) {
            version.incrementAndGet();
        }
        return s;
    }

    @Override
    public Map<String, Session> sessions() {
        return new HashMap<>(map);
    }

    @Override
    public long version() {
        return version.get();
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
