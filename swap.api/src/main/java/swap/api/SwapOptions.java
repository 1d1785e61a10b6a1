package swap.api;

/**
 * How to make a swap safe ({@link SwapManager#swap(long, String, String, SwapOptions)},
 * {@link Batch#options(SwapOptions)}): a <em>watch</em> after it completes, a <em>canary</em> before
 * it commits, or both. Every value left at 0 (or negative) takes the platform's default, configured
 * through Config Admin (PID {@code swap.core.safe}).
 *
 * <p><b>Watch.</b> Just before the swap the platform puts monitors on the entry for a short baseline
 * (error rate: the fraction of calls that threw; p99 latency); after the swap completed it puts
 * fresh ones on for the window and compares. If the error rate rises above the baseline's by more
 * than {@link #errorRate(double)}, or the p99 latency exceeds {@link #p99(double)} times the
 * baseline's (and the baseline's plus a configured floor), the entry is swapped back to the previous
 * implementation with the state it has then: outcome {@link SwapOutcome#REVERTED}. Once the window
 * ends the monitors are removed: a watch costs nothing afterwards.
 *
 * <p><b>Canary.</b> The new implementation first runs beside the old one: it imports a <em>copy</em>
 * of the state (a canonical format both sides list is required: a by-reference format would share
 * the live structure, so it cannot be used for a copy and the request is refused), and every call to
 * a {@link ReadOnly} method of the interface is mirrored to it and the two results compared. After
 * {@link #canary(int, long) N} compared calls, or T milliseconds, with no mismatch the swap is
 * committed as a normal swap (which carries the state as it is then, so writes made during the
 * window are not lost); the first mismatch aborts it and the result shows the mismatching calls.
 * A read is compared only while no write has begun since the copy (a write makes the copy stale);
 * a canary that reaches its time limit having compared fewer calls than the configured minimum is
 * inconclusive and does not commit.
 * Mirrored calls run off the caller's path on a canary thread, or {@link #inline()} on the
 * caller's thread after its own call.
 *
 * <p>Not thread-safe: build it on one thread, then hand it over; the manager copies what it needs.
 *
 * @since 1.2
 */
public final class SwapOptions {
    private boolean watch;
    private long windowMillis;
    private double errorRate = -1;
    private double p99Factor = -1;
    private boolean canary;
    private int canaryCalls;
    private long canaryMillis;
    private boolean inline;
    private long timeoutMillis;
    private long transferTimeoutMillis;

    private SwapOptions() {
    }

    /**
     * Options with only a transfer limit (see {@link #transferTimeout(long)}), for a plain swap.
     *
     * @since 1.5
     */
    public static SwapOptions plain() {
        return new SwapOptions();
    }

    /** A watch after the swap, for {@code windowMillis} (0: the configured window). */
    public static SwapOptions watch(long windowMillis) {
        return new SwapOptions().andWatch(windowMillis);
    }

    /**
     * A canary before the swap: commits after {@code calls} compared calls or {@code millis}
     * milliseconds with no mismatch, whichever comes first (0: the configured values).
     */
    public static SwapOptions canary(int calls, long millis) {
        return new SwapOptions().andCanary(calls, millis);
    }

    /** Adds a watch (see {@link #watch(long)}). */
    public SwapOptions andWatch(long windowMillis) {
        if (windowMillis < 0) {
            throw new IllegalArgumentException("a watch window is >= 0 ms (0: the configured window)");
        }
        this.watch = true;
        this.windowMillis = windowMillis;
        return this;
    }

    /** Adds a canary (see {@link #canary(int, long)}). */
    public SwapOptions andCanary(int calls, long millis) {
        if (calls < 0 || millis < 0) {
            throw new IllegalArgumentException("canary calls and time are >= 0 (0: the configured values)");
        }
        this.canary = true;
        this.canaryCalls = calls;
        this.canaryMillis = millis;
        return this;
    }

    /** Watch threshold: the largest tolerated rise of the error rate over the baseline's (0..1, e.g. 0.05 for 5 points). */
    public SwapOptions errorRate(double maxIncrease) {
        this.errorRate = maxIncrease;
        return this;
    }

    /** Watch threshold: the largest tolerated p99 latency, as a multiple of the baseline's (e.g. 5). */
    public SwapOptions p99(double maxFactor) {
        this.p99Factor = maxFactor;
        return this;
    }

    /** Canary: mirror each read on the caller's thread, right after the caller's own call. */
    public SwapOptions inline() {
        this.inline = true;
        return this;
    }

    /** The quiescence timeout of the swap (and of the canary's state copy), in ms (0: default). */
    public SwapOptions timeout(long millis) {
        if (millis < 0) {
            throw new IllegalArgumentException("timeout must be >= 0 ms");
        }
        this.timeoutMillis = millis;
        return this;
    }

    /**
     * The limit of the state transfer, in ms (0: the platform's default, 60,000 ms): from the start of
     * the copy made while the old instance serves ({@link PreCopyComponent}) to the end of the last
     * import, or, for a plain transfer, of its export and import while calls are held. Checked
     * after each part and each delta (a plain export or import is one call: checked when it returns);
     * past the limit the swap rolls back, the old instance stays with its state and serves on.
     *
     * @since 1.5
     */
    public SwapOptions transferTimeout(long millis) {
        if (millis < 0) {
            throw new IllegalArgumentException("transfer timeout must be >= 0 ms (0: the default)");
        }
        this.transferTimeoutMillis = millis;
        return this;
    }

    /** @return the transfer limit in ms (0: default) @since 1.5 */
    public long transferTimeoutMillis() {
        return transferTimeoutMillis;
    }

    /** @return whether a watch is asked for */
    public boolean isWatch() {
        return watch;
    }

    /** @return the watch window in ms (0: default) */
    public long windowMillis() {
        return windowMillis;
    }

    /** @return the error-rate threshold (negative: default) */
    public double errorRate() {
        return errorRate;
    }

    /** @return the p99 factor threshold (negative: default) */
    public double p99Factor() {
        return p99Factor;
    }

    /** @return whether a canary is asked for */
    public boolean isCanary() {
        return canary;
    }

    /** @return the canary's compared calls (0: default) */
    public int canaryCalls() {
        return canaryCalls;
    }

    /** @return the canary's longest run in ms (0: default) */
    public long canaryMillis() {
        return canaryMillis;
    }

    /** @return whether mirrored calls run on the caller's thread */
    public boolean isInline() {
        return inline;
    }

    /** @return the quiescence timeout in ms (0: default) */
    public long timeoutMillis() {
        return timeoutMillis;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        if (canary) {
            b.append("canary ").append(canaryCalls == 0 ? "default" : String.valueOf(canaryCalls)).append(" calls / ")
                    .append(canaryMillis == 0 ? "default" : canaryMillis + " ms").append(inline ? " inline" : "");
        }
        if (watch) {
            b.append(b.length() == 0 ? "" : ", ").append("watch ").append(windowMillis == 0 ? "default window" : windowMillis + " ms");
        }
        if (transferTimeoutMillis > 0) {
            b.append(b.length() == 0 ? "" : ", ").append("transfer limit ").append(transferTimeoutMillis).append(" ms");
        }
        return b.length() == 0 ? "no options" : b.toString();
    }
}
