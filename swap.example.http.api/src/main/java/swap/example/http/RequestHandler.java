package swap.example.http;

import swap.api.StateFormat;

/**
 * The network example's component interface: handles one HTTP request of one client. The servlet of
 * {@code swap.example.http.server} holds a handle to one swap-manager entry of it and calls it for
 * every request; implementations ({@code handler.map}, {@code handler.locked}, bundle versions 1.0.0
 * and 1.1.0) are swapped behind that handle while connections stay open.
 *
 * <p>Every implementation keeps, per client, a request counter and a token bucket (capacity
 * {@link #BUCKET_CAPACITY}, refilled at {@link #REFILL_PER_SECOND} tokens a second; a request with
 * no token left is answered 429), and a response cache (path to body, at most {@link #CACHE_LIMIT}
 * entries). That state is what a swap must carry: it travels in {@link #STATE}.
 *
 * <p>Provider type: the example's bundles implement it; clients only call it. Every method may be
 * called by many threads at once.
 */
@org.osgi.annotation.versioning.ProviderType
public interface RequestHandler {

    /** The canonical state format every implementation exports and imports (a copy: export leaves the old instance intact). */
    StateFormat<HandlerState> STATE = StateFormat.canonical("swap.example.http.state.v1", HandlerState.class);

    /** Tokens a client's bucket holds at most (and holds when the client is first seen). */
    long BUCKET_CAPACITY = 1_000;

    /** Tokens added to each bucket per second. */
    long REFILL_PER_SECOND = 1_000;

    /** Most paths the response cache holds; further paths are rendered each time and not cached. */
    int CACHE_LIMIT = 10_000;

    /**
     * Handles one request.
     *
     * @param clientId who asks (the servlet passes the {@code X-Client} header, else the remote address and port)
     * @param path the path below the servlet ({@code /x} for {@code /hello/x})
     * @return status 200 and a body whose first line reports {@code impl=NAME/VERSION client=ID request=N tokens=T cache=C cached=true|false},
     *         and whose second line is the (possibly cached) page; or 429 when the client's bucket is empty
     */
    Response handle(String clientId, String path);
}
