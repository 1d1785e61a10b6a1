package swap.kernel;


import java.util.List;

import swap.api.ImplementationDTO;

/**
 * Where implementations come from. The OSGi source reads prototype-scope services
 * ({@code OsgiImplementationSource}); tests use a plain in-memory one.
 */
public interface ImplementationSource {

    /**
     * @param type   the component interface
     * @param target an implementation name, or an LDAP filter in parentheses
     * @param exclude an origin to leave out (an implementation going away), or {@code null}
     * @return the best implementation {@code target} matches: highest version, then highest ranking
     * @throws swap.api.SwapException for a malformed filter or when nothing matches, saying what to do
     */
    Implementation resolve(Class<?> type, String target, Object exclude);

    /**
     * @return every implementation {@code target} matches that is usable now, best first (as
     *         {@link #resolve} orders them); empty if none. For a resume, which tries each in turn.
     */
    default List<Implementation> candidates(Class<?> type, String target, Object exclude) {
        try {
            return List.of(resolve(type, target, exclude));
        } catch (swap.api.SwapException none) {
            return List.of();
        }
    }

    /**
     * The trust gate, asked by the swap protocol for every destination of every path (swap, batch,
     * park, resume, adoption, revert, upgrade, front move): {@code null} if {@code impl} may run as
     * an implementation of {@code type}, else why not. Sources without a trust policy allow all.
     */
    default String refusal(Implementation impl, Class<?> type) {
        return null;
    }

    /**
     * @param selector an implementation name, or an LDAP filter in parentheses
     * @return a test over an entry's properties ({@link EntryImpl#properties()}) for batch selection
     * @throws swap.api.SwapException for a malformed filter, saying what to write
     */
    java.util.function.Predicate<java.util.Map<String, Object>> selector(String selector);

    /** @return the implementations of {@code iface} ({@code null}: of every interface) */
    List<ImplementationDTO> list(String iface);

    /**
     * @return a new instance of the interposer service named {@code name}, with the action that releases it
     * @throws swap.api.SwapException if there is none, saying which there are
     */
    InterposerChain.Named newInterposer(String name);

    /** @return the names of the interposer services, sorted */
    List<String> interposerNames();
}
