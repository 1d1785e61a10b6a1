package swap.testkit.store;

import java.util.Map;

/**
 * A map-shaped component for the kit's own tests: sessions with a value and an expiry time, and a
 * version that every write raises by one (what an optimistic client would compare).
 */
public interface SessionMap {

    /** One session: its value and when it expires. */
    record Session(String value, long expiresAt) {
    }

    /** The whole state, as exported: every session and the version. */
    record Snapshot(Map<String, Session> sessions, long version) {
    }

    void put(String key, String value, long expiresAt);

    /** @return the session, or null */
    Session get(String key);

    /** @return the removed session, or null */
    Session remove(String key);

    /** @return a copy of every session */
    Map<String, Session> sessions();

    /** @return how many writes the store has seen (since its first instance) */
    long version();
}
