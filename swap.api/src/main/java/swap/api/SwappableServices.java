package swap.api;

import java.util.List;

/**
 * The swappable OSGi services the platform fronts (services registered with
 * {@link SwapConstants#SWAPPABLE}{@code =true}), for operators ({@code swap:services}) and tools.
 *
 * <p>A provider type: the platform implements it, so methods may be added in a minor version.
 * Thread-safe.
 */
@org.osgi.annotation.versioning.ProviderType
public interface SwappableServices {

    /** @return one description per fronted service, ordered by the front's service id; a snapshot */
    List<SwappableServiceDTO> list();
}
