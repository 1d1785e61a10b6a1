package swap.example.http.impl;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

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
 * {@code handler.locked}: plain hash maps under one lock; the simplest correct handler, cheapest for
 * few threads.
 */
@Component(service = RequestHandler.class, scope = ServiceScope.PROTOTYPE, property = {
        SwapConstants.IMPL_NAME + "=" + LockedHandler.NAME,
        SwapConstants.IMPL_VERSION + "=" + Version.IMPL,
        "concurrency=shared"})
public class LockedHandler implements RequestHandler, StatefulComponent {
    static final String NAME = "handler.locked";

    private final Map<String, Bucket> clients = new HashMap<>();
    private final Map<String, String> cache = new HashMap<>();

    @Override
    public synchronized Response handle(String clientId, String path) {
        long now = System.nanoTime();
        Bucket b = clients.computeIfAbsent(clientId, k -> new Bucket(now));
        if (!b.take(now)) {
            return new Response(429, b.limited(NAME, Version.IMPL, clientId, now));
        }
        String page = cache.get(path);
        boolean cached = page != null;
        if (!cached) {
            page = Bucket.render(NAME, Version.IMPL, path);
            if (cache.size() < CACHE_LIMIT) {
                cache.put(path, page);
            }
        }
        return new Response(200, Bucket.report(NAME, Version.IMPL, clientId, b.requests, b.tokens, cache.size(), cached) + "\n" + page);
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
    public synchronized Object exportState(StateFormat<?> format) {
        Map<String, HandlerState.Client> copy = new HashMap<>();
        clients.forEach((id, b) -> copy.put(id, b.snapshot()));
        return new HandlerState(copy, cache);
    }

    @Override
    public synchronized void importState(StateFormat<?> format, Object state, TransferContext context) {
        if (format.equals(STATE)) {
            HandlerState s = STATE.cast(state);
            s.clients().forEach((id, c) -> clients.put(id, new Bucket(c)));
            cache.putAll(s.cache());
        }
    }
}
