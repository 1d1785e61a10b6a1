package swap.fleet.api;

import java.util.List;

/**
 * This framework's fleet membership, for other platform features. Registered as an OSGi service by
 * {@code swap.fleet} while this framework is configured as a member of a fleet (PID {@code swap.fleet});
 * absent when it is not, so a feature that references it optionally knows whether it runs on a fleet.
 *
 * <p>Provided by the platform ({@code swap.fleet}): features call it, they never implement it, hence
 * {@code @ProviderType}. Thread-safe; every method reads ZooKeeper (or the leader latch) and may
 * block for as long as the fleet's client does.
 *
 * @since 1.0
 */
@org.osgi.annotation.versioning.ProviderType
public interface FleetRollouts {

    /** @return this node's name in the fleet */
    String node();

    /**
     * The coordinator: the node that holds the fleet's leader latch (Curator's {@code LeaderLatch}).
     *
     * @return its node name, or {@code null} while none is known (not connected to ZooKeeper, or an
     *         election is under way)
     */
    String coordinator();

    /** @return whether this node is the coordinator now (holds the leader latch and is connected) */
    boolean coordinating();

    /**
     * Starts an upgrade rollout, exactly as {@code fleet:rollout upgrade SYMBOLIC-NAME URL} does: the
     * canary node first, then waves, each node's side-by-side upgrade followed by the health gate;
     * too many failures downgrade every node that upgraded. The rollout records who asked and why
     * ({@link UpgradeRollout#initiator}, {@link UpgradeRollout#cause}); the cause is added to the
     * reason of each node's journal records.
     *
     * @return the rollout's id ({@code r-0000000012})
     * @throws IllegalStateException    if another rollout has not ended (one runs at a time), or
     *                                  this node is not connected; the message says which
     * @throws IllegalArgumentException if the request is malformed or the URL does not hold a
     *                                  bundle of that symbolic name (read from this node)
     */
    String upgrade(UpgradeRollout request);

    /** @return every rollout of the fleet, oldest first (at most what ZooKeeper keeps: all of them) */
    List<RolloutSummary> rollouts();
}
