package swap.example.consumer;

/**
 * The example consumer: a DS component with a static mandatory reference to the session store
 * that serves requests in a loop (each request increments one of 100 session counters).
 *
 * <p>A provider type (the consumer bundle implements it). Thread-safe.
 */
@org.osgi.annotation.versioning.ProviderType
public interface RequestLoop {

    /** @return how many times the consumer component was activated since its bundle started (a static reference that is rebound re-activates it) */
    long activations();

    /** @return requests served without an exception, over every activation */
    long served();

    /** @return requests that threw, over every activation */
    long failures();

    /** @return the first failure's text, or {@code null} */
    String firstFailure();

    /** Stops the loop and waits for the request in progress; {@link #served()} no longer changes. */
    void stop() throws InterruptedException;

    /** @return one line: activations, requests, failures, the store's size and version */
    String stats();
}
