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
    REFUSED,
    /**
     * The swap completed and was <em>watched</em> ({@link SwapOptions#watch}); within the watch
     * window the new implementation got worse than the entry's baseline taken just before the swap
     * (its error rate or its p99 latency crossed a threshold), so the platform swapped the entry
     * back to the previous implementation, by a normal swap with negotiation that carried the state
     * the new instance had then. {@link SwapResult#reason} says which threshold was crossed and
     * {@link SwapResult#figures} holds the figures (baseline and window). The swap back itself is
     * in the history as a {@link #COMPLETED} swap of its own.
     *
     * @since 1.2
     */
    REVERTED
}
