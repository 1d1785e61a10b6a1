package swap.example.http.impl;

import static swap.example.http.RequestHandler.BUCKET_CAPACITY;
import static swap.example.http.RequestHandler.REFILL_PER_SECOND;

import swap.example.http.HandlerState;

/**
 * One client's request counter and token bucket. Not thread-safe: its owner guards it.
 *
 * <p>Shared source (src/shared/java of swap.example.http): compiled into each handler bundle, as are
 * src/map/java or src/locked/java; each module's own Version class says its implementation version.
 */
final class Bucket {
    private static final long NANOS = 1_000_000_000L;

    long requests;
    long tokens;
    long refilledAt;

    Bucket(long now) {
        tokens = BUCKET_CAPACITY;
        refilledAt = now;
    }

    Bucket(HandlerState.Client c) {
        requests = c.requests();
        tokens = c.tokens();
        refilledAt = c.refilledAtNanos();
    }

    /** Counts one request at {@code now}; returns whether it got a token. */
    boolean take(long now) {
        requests++;
        long added = (now - refilledAt) * REFILL_PER_SECOND / NANOS;
        if (added > 0) {
            tokens = Math.min(BUCKET_CAPACITY, tokens + added);
            refilledAt = tokens == BUCKET_CAPACITY ? now : refilledAt + added * NANOS / REFILL_PER_SECOND;
        }
        if (tokens == 0) {
            return false;
        }
        tokens--;
        return true;
    }

    /** The body of a 429: who, which request, and the bucket's time arithmetic (for whoever reads it). */
    String limited(String impl, String version, String client, long now) {
        return "rate limited: client " + client + " request " + requests + " (" + impl + " " + version + "): " + tokens
                + " tokens, last refill " + (now - refilledAt) / 1_000 + " us ago";
    }

    HandlerState.Client snapshot() {
        return new HandlerState.Client(requests, tokens, refilledAt);
    }

    /** The first line of every 200 answer. */
    static String report(String impl, String version, String client, long request, long tokens, int cacheSize, boolean cached) {
        return "impl=" + impl + "/" + version + " client=" + client + " request=" + request + " tokens=" + tokens
                + " cache=" + cacheSize + " cached=" + cached;
    }

    /** The page of a path (what the cache holds): says which implementation rendered it, so a cached page shows it survived swaps. */
    static String render(String impl, String version, String path) {
        return "page " + path + " rendered by " + impl + " " + version;
    }
}
