package swap.api;

import java.util.Map;

/**
 * An interposer that measures something (calls, latency, contention) and reports it.
 *
 * <p>Consumer type: monitor bundles implement it. {@link #statistics()} may be called by any thread
 * at any time, concurrently with calls.
 */
@org.osgi.annotation.versioning.ConsumerType
public interface Monitor extends Interposer {

    /** @return a snapshot of what this monitor measured, by name (values are numbers or strings) */
    Map<String, Object> statistics();
}
