/**
 * The fleet as other platform features see it: whether this framework is a fleet member, which
 * node coordinates, and upgrade rollouts started on the fleet's behalf (canary node, waves, health
 * gate), with their outcome. The fix feed ({@code swap.feed}) uses it, optionally, so that on a
 * fleet only the coordinator takes fixes and each becomes a rollout.
 *
 * <p>Only the interface and its two DTOs are exported; the fleet's implementation stays private.
 * The layering is one way: a feature imports this package, {@code swap.fleet} imports none of them.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package swap.fleet.api;
