package swap.api;

import java.util.List;

/**
 * Runs the configured {@link Policy policies} periodically (configuration PID {@code swap.policy}).
 *
 * <p>Provided by the platform (an OSGi service); thread-safe.
 */
@org.osgi.annotation.versioning.ProviderType
public interface PolicyRunner {

    /** @return the configured policies, in configuration order */
    List<PolicyDTO> policies();

    /**
     * Turns a policy on or off (its entry stays; a policy turned off makes no decision).
     *
     * @throws SwapException if no policy of that name is configured
     */
    void enable(String name, boolean enabled);
}
