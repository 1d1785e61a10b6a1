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
}
