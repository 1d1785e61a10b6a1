package swap.example.store.api;

/**
 * A session (or rate-limit) store: a counter per key. The example of an ordinary OSGi service
 * made swappable: its provider registers it with {@code swap.swappable=true}, its consumers use it
 * as any other service.
 *
 * <p>A provider type: consumers call it, providers implement it. Thread-safe.
 */
@org.osgi.annotation.versioning.ProviderType
public interface SessionStore {

    /** Sets {@code key} to {@code value}. */
    void put(String key, long value);

    /** @return the value of {@code key}, or {@code -1} if it has none */
    long get(String key);

    /** Adds one to {@code key} (absent counts as 0). @return the new value */
    long increment(String key);

    /** @return how many keys the store holds */
    int size();

    /** @return the providing bundle's version, e.g. {@code 1.0.0} */
    String version();
}
