package swap.kernel;

import java.util.Map;

/** Where swap events go: Event Admin on OSGi (when present), nowhere in plain tests. */
@FunctionalInterface
public interface EventSink {
    EventSink NONE = (topic, properties) -> {
    };

    /** Posts asynchronously; never throws. */
    void post(String topic, Map<String, Object> properties);
}
