package ${package}.api;

import java.util.Map;

/**
 * A key-value store (sessions, caches, rate limits): the component interface clients call through
 * the platform's handle, whatever implementation is behind it.
 *
 * <p>A provider type: clients call it, implementations provide it (adding a method is a minor
 * version for clients, a major one for providers). Implementations are thread-safe.
 */
@org.osgi.annotation.versioning.ProviderType
public interface KeyValueStore {

    /** Sets {@code key} to {@code value}. @return the previous value, or null */
    String put(String key, String value);

    /** @return the value of {@code key}, or null */
    String get(String key);

    /** @return the removed value, or null */
    String remove(String key);

    /** @return a copy of every key and value */
    Map<String, String> snapshot();
}
