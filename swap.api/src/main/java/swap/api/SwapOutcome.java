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
     * The swap began but could not run: instantiating the replacement threw, or (in an atomic
     * batch) the group could not start. Nothing changed.
     */
    FAILED,
    /**
     * The request was refused before anything began: no implementation matched the target, the
     * filter was malformed, no state format in common, the entry is mid-swap or was released.
     * Nothing changed. A refused request is not a swap: it is not counted as a failure, not kept
     * in the history and posts no event; the result tells the caller what to do.
     *
     * @since 1.1
     */
    REFUSED
}
