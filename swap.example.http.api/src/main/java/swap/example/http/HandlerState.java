package swap.example.http;

import java.util.Map;

/**
 * The canonical state of a request handler ({@link RequestHandler#STATE}): an immutable copy, so an
 * export leaves the old instance intact and a failed import loses nothing.
 *
 * @param clients each client's counter and bucket, by client id
 * @param cache the response cache, path to page body
 */
public record HandlerState(Map<String, Client> clients, Map<String, String> cache) {

    /** Copies both maps (the record is immutable). */
    public HandlerState {
        clients = Map.copyOf(clients);
        cache = Map.copyOf(cache);
    }

    /**
     * One client's state.
     *
     * @param requests requests this client made so far (answered 200 or 429)
     * @param tokens tokens left in its bucket at {@code refilledAtNanos}
     * @param refilledAtNanos when the bucket was last refilled, in {@link System#nanoTime()} of this JVM
     */
    public record Client(long requests, long tokens, long refilledAtNanos) {
    }
}
