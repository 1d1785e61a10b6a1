package swap.core.osgi;

import swap.core.safe.SafeSwaps;
import swap.kernel.Engine;

import java.util.Set;

import org.osgi.framework.ServiceReference;

/**
 * The platform's internal service: what this bundle's own DS components (upgrades, swappable
 * services, safe-swap configuration) get instead of downcasting the {@link swap.api.SwapManager}.
 * Its package is private to the bundle, so no other bundle can even load this interface.
 *
 * <p>Thread-safe.
 */
public interface Platform {

    /** @return the engine: the kernel's table, protocol and operations (park, resume, dry run, copy) */
    Engine engine();

    /** @return where implementations come from on OSGi (prototype-scope services, through the trust policy) */
    OsgiImplementationSource source();

    /** @return the safe swaps plugged into the engine, to configure */
    SafeSwaps safeSwaps();

    /**
     * @return the bundles installed for a trial (a side-by-side upgrade until it has moved its
     *         entries, a dry run until it is undone): their services trigger nothing (no front move,
     *         adoption or auto upgrade) and no swap picks them unless it names their bundle id
     */
    Set<Long> staging();

    /**
     * Takes bundle {@code bundleId} off trial: every listener added with {@link #onUnstaged} reacts,
     * on the calling thread and before this returns, to the bundle's services as to new ones (a
     * swappable service's front moves to it, orphans are adopted).
     */
    void unstage(long bundleId);

    /** Adds what runs when a bundle comes off trial. @return what removes it again */
    Runnable onUnstaged(java.util.function.LongConsumer listener);

    /** @return whether {@code ref} is a service of a bundle under trial */
    default boolean staged(ServiceReference<?> ref) {
        org.osgi.framework.Bundle b = ref.getBundle();
        return b != null && staging().contains(b.getBundleId());
    }
}
