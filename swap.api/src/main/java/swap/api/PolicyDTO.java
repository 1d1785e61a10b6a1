package swap.api;

/** A policy the policy runner knows: a data transfer object. */
public final class PolicyDTO {
    /** The policy implementation's name ({@link SwapConstants#IMPL_NAME}). */
    public String name;
    /** The entry the policy runs behind, or -1 while its implementation is not available. */
    public long entryId = -1;
    /** Whether the runner evaluates it. */
    public boolean enabled;
    /** How many times it was evaluated. */
    public long evaluations;
    /** Its last non-null decision, or {@code null}. */
    public String lastDecision;
    /** When it made it, in milliseconds since the epoch (0: never). */
    public long lastDecisionAtMillis;

    /**
     * One readable line (what a script's {@code echo $it} prints), e.g. {@code policy policy.concurrency off, 0 evaluations}.
     *
     * @since 1.6
     */
    @Override
    public String toString() {
        return "policy " + name + " " + (enabled ? "on" : "off") + ", " + evaluations + " evaluations" + (entryId < 0 ? "" : ", entry " + entryId)
                + (lastDecision == null ? "" : ", last: " + lastDecision);
    }
}
