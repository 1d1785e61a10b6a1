package swap.api;

/** How a swap ended. */
public enum SwapOutcome {
    /** The entry points at the new instance, which received the old one's state. */
    COMPLETED,
    /**
     * The swap began but was undone (quiescence timed out, export or import threw): the old
     * instance is in place with its state, waiting calls resumed on it, the replacement was released.
     */
    ROLLED_BACK,
    /**
     * The swap did not begin: no implementation matched, no common state format, instantiation
     * failed, or the entry was released. Nothing changed.
     */
    FAILED
}
