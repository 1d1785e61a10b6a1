package swap.api;

import java.util.List;

/** One swappable service: its front, where its implementation comes from now, and who uses it. A snapshot. */
public class SwappableServiceDTO {
    /** The interfaces (objectClass) of the original and the front. */
    public List<String> interfaces;
    /** The front's service id ({@code -1} if not registered). */
    public long frontServiceId;
    /** The service id of the original registration the entries run on now ({@code -1} while held). */
    public long originalServiceId;
    /** {@code singleton}, {@code bundle} or {@code prototype}: the original's service scope. */
    public String scope;
    /** The providing bundle's symbolic name and version (of the current original, or the last one while held). */
    public String providerBundle;
    /** The providing bundle's version. */
    public String providerVersion;
    /** The providing bundle's id. */
    public long providerBundleId;
    /** {@code ACTIVE}: entries run on the original; {@code HELD}: the provider went away and calls wait for it (bounded by the grace time). */
    public String state;
    /** The entries behind the front (one for a singleton, one per consuming bundle or per {@code getService} otherwise). */
    public List<Long> entryIds;
    /** The symbolic names of the bundles that use the front. */
    public List<String> consumers;
    /** How many times the entries moved to a new provider instance. */
    public long moves;
    /** The last move's outcome or problem, or {@code null}. */
    public String lastMove;

    /**
     * One readable line (what a script's {@code echo $it} prints), e.g. {@code swappable service [swap.example.store.Store] of swap.example.store 1.0.0 (bundle 30), front 77 ACTIVE}.
     *
     * @since 1.6
     */
    @Override
    public String toString() {
        return "swappable service " + interfaces + " of " + providerBundle + " " + providerVersion + " (bundle " + providerBundleId + "), front " + frontServiceId + " " + state;
    }
}
