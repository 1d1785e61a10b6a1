package swap.example.http.impl;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ServiceScope;

import swap.api.StateFormat;
import swap.api.StatefulComponent;
import swap.api.SwapConstants;
import swap.api.TransferContext;
import swap.example.http.HandlerState;
import swap.example.http.RequestHandler;
import swap.example.http.Response;

/**
 * {@code handler.map}: concurrent maps, one lock per client bucket; requests of different clients
 * never wait for each other.
 */
@Component(service = RequestHandler.class, scope = ServiceScope.PROTOTYPE, property = {
        SwapConstants.IMPL_NAME + "=" + MapHandler.NAME,
        SwapConstants.IMPL_VERSION + "=" + Version.IMPL,
        "concurrency=distributed"})
public class MapHandler implements RequestHandler, StatefulComponent {
    static final String NAME = "handler.map";

    private final ConcurrentHashMap<String, Bucket> clients = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, String> cache = new ConcurrentHashMap<>();

    @Override
    public Response handle(String clientId, String path) {
        long now = System.nanoTime();
        Bucket b = clients.computeIfAbsent(clientId, k -> new Bucket(now));
        long n;
        long t;
        synchronized (b) {
            if (!b.take(now)) {
                return new Response(429, b.limited(NAME, Version.IMPL, clientId, now));
            }
            n = b.requests;
            t = b.tokens;
        }
        String page = cache.get(path);
        boolean cached = page != null;
        if (!cached) {
            page = Bucket.render(NAME, Version.IMPL, path);
            if (cache.size() < CACHE_LIMIT) {
                String first = cache.putIfAbsent(path, page);
                page = first != null ? first : page;
            }
        }
        return new Response(200, Bucket.report(NAME, Version.IMPL, clientId, n, t, cache.size(), cached) + "\n" + page);
    }

    @Override
    public List<StateFormat<?>> exportFormats() {
        return List.of(STATE);
    }

    @Override
    public List<StateFormat<?>> importFormats() {
        return List.of(STATE, StateFormat.EMPTY);
    }

    @Override
    public Object exportState(StateFormat<?> format) {
        // Called when no call runs in this instance; copies, so the instance stays intact.
        Map<String, HandlerState.Client> copy = new HashMap<>();
        clients.forEach((id, b) -> {
            synchronized (b) {
                copy.put(id, b.snapshot());
            }
        });
        return new HandlerState(copy, cache);
    }

    @Override
    public void importState(StateFormat<?> format, Object state, TransferContext context) {
        if (format.equals(STATE)) {
            HandlerState s = STATE.cast(state);
            s.clients().forEach((id, c) -> clients.put(id, new Bucket(c)));
            cache.putAll(s.cache());
        }
    }
}
