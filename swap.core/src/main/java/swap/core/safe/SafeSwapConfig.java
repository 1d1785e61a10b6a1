package swap.core.safe;

import swap.core.config.SafeSwapsConfiguration;

/**
 * The defaults of safe swaps ({@link swap.api.SwapOptions}): the watch's window, baseline and
 * thresholds, and the canary's length. On OSGi they come from Config Admin (PID
 * {@code swap.core.safe}, {@link SafeSwapsConfiguration}); outside OSGi from
 * {@link SafeSwaps#configure}. A request's {@code SwapOptions} overrides the window, the two
 * thresholds and the canary's length.
 *
 * <p>A plain mutable value: the engine copies it when it is configured.
 */
public final class SafeSwapConfig {
    /** How long a watch runs after the swap completed, in ms. */
    public long windowMillis = 10_000;
    /** How long the baseline is measured just before the swap, in ms (0: no baseline, thresholds are absolute). */
    public long baselineMillis = 1_000;
    /** Largest tolerated rise of the error rate over the baseline's (0..1). */
    public double errorRate = 0.05;
    /** Largest tolerated p99 latency as a multiple of the baseline's. */
    public double p99Factor = 5.0;
    /**
     * The p99 must also exceed the baseline's by this much, in microseconds, to count: a fast call's
     * p99 is a few microseconds and the JIT recompiling callers after a swap makes them slower for
     * a few milliseconds.
     */
    public double p99FloorMicros = 200;
    /** A watch judges only once the window has at least this many calls. */
    public long minCalls = 100;
    /** How often a watch reads its monitors, in ms. */
    public long checkMillis = 20;
    /** The interposer service that counts calls and calls that threw. */
    public String callsMonitor = "calls";
    /** The interposer service that measures latency percentiles. */
    public String latencyMonitor = "latency";
    /** A canary commits after this many compared calls with no mismatch... */
    public int canaryCalls = 100;
    /** ...or after this long, in ms, whichever comes first. */
    public long canaryMillis = 10_000;
    /**
     * A canary that reaches its time limit having compared fewer calls than this is inconclusive and
     * does not commit (writes may have left nothing to compare: its copy of the state was stale).
     * 0: commit on time whatever was compared.
     */
    public int canaryMinCalls = 10;
    /** Mirror calls on the caller's thread instead of the canary's own thread. */
    public boolean canaryInline;

    /** @return a copy */
    public SafeSwapConfig copy() {
        SafeSwapConfig c = new SafeSwapConfig();
        c.windowMillis = windowMillis;
        c.baselineMillis = baselineMillis;
        c.errorRate = errorRate;
        c.p99Factor = p99Factor;
        c.p99FloorMicros = p99FloorMicros;
        c.minCalls = minCalls;
        c.checkMillis = checkMillis;
        c.callsMonitor = callsMonitor;
        c.latencyMonitor = latencyMonitor;
        c.canaryCalls = canaryCalls;
        c.canaryMillis = canaryMillis;
        c.canaryMinCalls = canaryMinCalls;
        c.canaryInline = canaryInline;
        return c;
    }

    void check() {
        if (windowMillis <= 0 || baselineMillis < 0 || errorRate < 0 || p99Factor < 1 || p99FloorMicros < 0 || minCalls < 1 || checkMillis <= 0
                || canaryCalls < 1 || canaryMillis <= 0 || canaryMinCalls < 0 || callsMonitor == null || latencyMonitor == null) {
            throw new IllegalArgumentException("safe-swap settings out of range: window > 0 ms, baseline >= 0 ms, error rate >= 0, p99 factor >= 1, "
                    + "floor >= 0 us, min calls >= 1, check > 0 ms, canary calls >= 1, canary time > 0 ms, canary minimum >= 0, monitor names given");
        }
    }
}
