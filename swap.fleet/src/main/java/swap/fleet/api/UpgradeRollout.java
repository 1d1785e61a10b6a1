package swap.fleet.api;

/**
 * What {@link FleetRollouts#upgrade} rolls out: a new version of a bundle, and the rollout's gates.
 * A plain data object (public fields, as OSGi DTOs are); the defaults are {@code fleet:rollout}'s.
 */
public class UpgradeRollout {
    /** The bundle to upgrade (its symbolic name); required. */
    public String symbolicName;
    /** Where every node reads the new version ({@code file:} or {@code http(s):}); required. */
    public String url;
    /** Who asks, e.g. {@code feed}; shown by {@code fleet:status ID}. */
    public String initiator = "";
    /** Why, in one line (e.g. {@code feed: fix BSN 1.0.1 from file:/opt/fixes/index.xml}); added to each node's journal reason. */
    public String cause = "";
    /** Canary nodes first (default 1). */
    public int canary = 1;
    /** Wave size after the canary: a count ({@code 2}) or a percentage of the rest ({@code 50%}, the default). */
    public String waves = "50%";
    /** How many nodes may fail before every node is rolled back (default 0). */
    public int maxFailures = 0;
    /** Each node's health gate after its upgrade, in milliseconds (default 5,000; 0: none). */
    public long gateMillis = 5_000;
    /** How long one node may take for its upgrade and gate before it counts as failed (default 120,000 ms). */
    public long stepTimeoutMillis = 120_000;
}
