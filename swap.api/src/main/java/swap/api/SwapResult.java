package swap.api;

/**
 * The outcome of one swap: a data transfer object, immutable once published.
 *
 * <p>Durations are in nanoseconds; a phase that did not run has duration 0.
 */
public final class SwapResult {
    /** The entry swapped. */
    public long entryId;
    /** How the swap ended. */
    public SwapOutcome outcome;
    /** Why it was requested (COMPLETED) or why it rolled back or failed. */
    public String reason;
    /** The implementation swapped from, as {@code name version}. */
    public String from;
    /** The implementation swapped to, as {@code name version}; {@code null} if none was found. */
    public String to;
    /** The state format used; {@code null} if negotiation did not happen or found none. */
    public String format;
    /**
     * Formats both sides list by name that negotiation skipped, each as {@code name: why}, in the
     * importer's order; e.g. a by-reference format whose type is private to the exporter's bundle
     * revision, which the importer sees as another {@code Class}. Empty when none was skipped.
     *
     * @since 1.1
     */
    public java.util.List<String> skippedFormats = java.util.List.of();
    /** Time to instantiate the replacement. */
    public long instantiateNanos;
    /** Forward phase: waiting for calls that began before the mediator was interposed. */
    public long forwardNanos;
    /** Blocked phase: new calls held, waiting for tracked calls to drain. */
    public long blockedNanos;
    /** State export and import (with a pre-copy: the copy while calls ran plus the last delta while they were held). */
    public long transferNanos;
    /**
     * Of {@link #transferNanos}: the copy made while the old instance served its callers
     * ({@link PreCopyComponent}); 0 without a pre-copy.
     *
     * @since 1.5
     */
    public long copyNanos;
    /** Units (e.g. map entries) the pre-copy's parts held; 0 without a pre-copy. @since 1.5 */
    public long copiedUnits;
    /** Deltas carried while the old instance served (rounds), not counting the last one, carried while calls were held. @since 1.5 */
    public int deltaRounds;
    /** From the request to the outcome. */
    public long totalNanos;
    /** How many calls were held in the Blocked phase and resumed afterwards. */
    public long waitedCalls;
    /** The longest time one call was held in the Blocked phase, in nanoseconds. */
    public long longestWaitNanos;
    /** When the swap ended, in milliseconds since the epoch. */
    public long endedAtMillis;
    /**
     * What a watch or a canary measured ({@link SwapOptions}), by name, or {@code null} for a plain
     * swap. A watch reports {@code watch} ({@code passed}, {@code reverted}, {@code revert failed}
     * or {@code ended}: the entry was swapped or released during the window), {@code calls},
     * {@code errorRate}, {@code p99Micros} and the same three of the baseline
     * ({@code baselineCalls}, {@code baselineErrorRate}, {@code baselineP99Micros}) and
     * {@code windowMillis}; a canary reports {@code canary} ({@code passed} or {@code failed}),
     * {@code mirrored}, {@code compared}, {@code mismatches}, {@code writes} and {@code format}.
     *
     * @since 1.2
     */
    public java.util.Map<String, Object> figures;
    /**
     * For a canary that failed: its first mismatching calls, oldest first (at most 10); otherwise
     * {@code null}.
     *
     * @since 1.2
     */
    public java.util.List<MismatchDTO> mismatches;

    @Override
    public String toString() {
        return "swap of entry " + entryId + " " + outcome + " (" + from + " -> " + to + ", format " + format
                + (skippedFormats == null || skippedFormats.isEmpty() ? "" : ", skipped " + skippedFormats)
                + ", " + totalNanos / 1000 + " us" + (reason == null ? "" : ", " + reason) + ")";
    }
}
