package swap.example.counter;

import swap.api.ReadOnly;
import swap.api.StateFormat;

/**
 * The example component interface. Clients hold a handle to it; implementations are swapped
 * behind the handle.
 */
@org.osgi.annotation.versioning.ProviderType
public interface Counter {

    /**
     * The canonical state format every counter implementation exports and imports: the count,
     * as a {@code Long}. Defined next to the interface so that implementation bundles agree on it.
     */
    StateFormat<Long> VALUE = StateFormat.canonical("swap.example.counter.value", Long.class);

    /** Adds one; returns the count after it (which may include other threads' increments). */
    long increment();

    /** @return the count; free of side effects, so a canary swap mirrors it ({@link ReadOnly}) */
    @ReadOnly
    long get();
}
