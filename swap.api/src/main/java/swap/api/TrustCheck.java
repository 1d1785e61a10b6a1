package swap.api;

import java.nio.file.Path;
import java.util.Collection;

/**
 * The platform's trust policy asked about a bundle <em>before</em> it is installed (e.g. a fix a
 * feed downloaded): the same decision the swap manager makes when the bundle's implementations
 * register (symbolic-name rules per interface, signatures checked against the trust store).
 *
 * <p>Provided by the platform (an OSGi service). Thread-safe.
 *
 * @since 1.6
 */
@org.osgi.annotation.versioning.ProviderType
public interface TrustCheck {

    /**
     * @param jar        the bundle's jar file
     * @param interfaces the interfaces its implementations would be offered as (the rules are per interface)
     * @return why the trust policy would refuse the bundle's implementations of any of {@code interfaces}, in one
     *         line, or {@code null} if it would accept them (or no policy is set)
     */
    String refusal(Path jar, Collection<String> interfaces);
}
