package swap.fleet.api;

/**
 * One rollout as {@link FleetRollouts#rollouts()} reports it. A plain data object (public fields).
 */
public class RolloutSummary {
    /** Its id, e.g. {@code r-0000000012}. */
    public String id;
    /** {@code PENDING}, {@code CANARY}, {@code WAVE N}, {@code COMPLETED}, {@code ROLLING_BACK}, {@code ROLLED_BACK}, {@code ABORTED} or {@code NO_OP}. */
    public String state;
    /** Whether it has ended (COMPLETED, ROLLED_BACK, ABORTED, NO_OP): its state no longer changes. */
    public boolean ended;
    /** {@code swap} or {@code upgrade}. */
    public String action;
    /** upgrade: the bundle's symbolic name. */
    public String symbolicName;
    /** upgrade: the new version (as read from its URL when the rollout was created). */
    public String version;
    /** upgrade: the new version's URL. */
    public String url;
    /** Who asked ({@code ""}: an operator, {@code fleet:rollout}). */
    public String initiator;
    /** Why, as given when it was created ({@code ""}: none). */
    public String cause;
    /** The reason of its current state (e.g. {@code 5 of 5 node(s) OK; desired state revision 9}, or which node failed and why). */
    public String reason;
    /** What it does, in one line (as {@code fleet:status} lists it). */
    public String what;

    @Override
    public String toString() {
        return id + " " + state + " " + what + (reason == null || reason.isEmpty() ? "" : ": " + reason);
    }
}
