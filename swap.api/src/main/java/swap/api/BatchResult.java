package swap.api;

import java.util.List;

/**
 * The outcome of a {@link Batch}: a result per entry and a summary. A data transfer object,
 * immutable once published.
 */
public final class BatchResult {
    /** The batch's id (events of its entries carry it as {@link SwapConstants#EVENT_BATCH_ID}). */
    public long batchId;
    /** Whether it was an atomic group. */
    public boolean atomic;
    /**
     * {@link SwapOutcome#COMPLETED} if every entry completed; {@link SwapOutcome#ROLLED_BACK} if an
     * atomic group rolled back as a whole, or some entries of a plain batch did not complete;
     * {@link SwapOutcome#REFUSED} if the batch itself was refused (no entry selected, no target);
     * {@link SwapOutcome#REVERTED} if a watched batch completed and at least one entry was
     * swapped back by its watch.
     */
    public SwapOutcome outcome;
    /** For a batch that did not complete wholly: why (the first failing entry's reason, for a group). */
    public String reason;
    /** One result per entry, in the batch's order. */
    public List<SwapResult> results;
    /** How many entries completed, rolled back, failed and were refused. */
    public int completed, rolledBack, failed, refused;
    /**
     * Of a watched batch ({@link Batch#options(SwapOptions)}): how many of the completed entries
     * were swapped back by their watch ({@link SwapOutcome#REVERTED}; counted here, not in
     * {@link #completed}). If any was, the batch's {@link #outcome} is {@link SwapOutcome#REVERTED}.
     *
     * @since 1.2
     */
    public int reverted;
    /** Time of the shared quiescence pass (stack snapshot and waiting for calls that began before it). */
    public long quiescenceNanos;
    /** From the request to the outcome. */
    public long totalNanos;

    @Override
    public String toString() {
        return (atomic ? "atomic batch " : "batch ") + batchId + " " + outcome + ": " + completed + " completed, " + rolledBack
                + " rolled back, " + (reverted == 0 ? "" : reverted + " reverted, ") + failed + " failed, " + refused + " refused in " + totalNanos / 1000 + " us"
                + (reason == null ? "" : " (" + reason + ")");
    }
}
