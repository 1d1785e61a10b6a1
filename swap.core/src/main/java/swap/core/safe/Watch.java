package swap.core.safe;

import swap.kernel.Engine;
import swap.kernel.EntryImpl;
import swap.kernel.Implementation;
import swap.kernel.ImplementationSource;
import swap.kernel.InterposerChain;

import java.util.LinkedHashMap;
import java.util.Map;

import swap.api.Monitor;
import swap.api.SwapConstants;
import swap.api.SwapException;

/**
 * One entry's watch: the monitors put on it for the baseline and for the window, the figures they
 * measured and the verdict. The monitors are interposer services (by default {@code calls} and
 * {@code latency} of {@code swap.monitor}) read through {@link Monitor#statistics()} with the keys
 * {@link SwapConstants#STAT_CALLS}, {@link SwapConstants#STAT_THROWN} and
 * {@link SwapConstants#STAT_P99_MICROS}; they are interposed under the names {@value #CALLS} and
 * {@value #LATENCY}, so they never clash with monitors an operator put on the entry.
 *
 * <p>Used by one thread of {@link SafeSwaps} at a time; {@link #line()} may be read by any thread
 * (it reads only volatile fields and thread-safe monitors).
 */
final class Watch {
    static final String CALLS = "watch.calls";
    static final String LATENCY = "watch.latency";

    /** What a pair of monitors measured. */
    record Figures(long calls, long thrown, double p99Micros) {
        double errorRate() {
            return calls == 0 ? 0 : (double) thrown / calls;
        }
    }

    final EntryImpl<?> entry;
    final SafeSwaps.Settings settings;
    /** The implementation before the swap: {@code name}, {@code version}. */
    final String previousName;
    final String previousVersion;
    /** The previous implementation's bundle: the swap back finds it by it when it has no swap.impl.version property (then its version is the bundle's). */
    final long previousBundleId;
    volatile Figures baseline = new Figures(0, 0, 0);
    /**
     * Counts every call from the start of the baseline until the watch ends, across the swap and the
     * swap back: the figures a watch reports in all are differences of its counts, so no call in
     * between is missed.
     */
    private volatile Monitor calls;
    /** The latency of the current stage (the baseline, then the window): a percentile cannot be subtracted, so each stage has its own. */
    private volatile Monitor latency;
    /** {@link #calls}' counts when the swap started (the end of the baseline) and when it completed. */
    private volatile Figures atStart = new Figures(0, 0, 0);
    private volatile Figures atSwap = new Figures(0, 0, 0);
    volatile long windowStart;
    volatile long windowEnd;
    /** The instance the window watches (the swap's new instance). */
    volatile Object watched;
    /** How the entry goes back if the window crosses a threshold; {@code null}: a swap back to the previous implementation. */
    volatile SafeSwaps.Reverter reverter;

    Watch(EntryImpl<?> entry, SafeSwaps.Settings settings) {
        this.entry = entry;
        this.settings = settings;
        Implementation impl = entry.implementation();
        this.previousName = impl.name();
        this.previousVersion = impl.version();
        this.previousBundleId = impl.bundleId();
    }

    /**
     * Puts fresh monitors on the entry: the call counter for the whole watch and a latency monitor
     * for the baseline.
     *
     * @throws SwapException if a monitor service is missing or the names are taken
     */
    void interpose(ImplementationSource source) {
        Monitor c = put(source, settings.config().callsMonitor, CALLS);
        try {
            latency = put(source, settings.config().latencyMonitor, LATENCY);
        } catch (RuntimeException ex) {
            Engine.remove(entry, CALLS);
            throw ex;
        }
        calls = c;
    }

    /** The baseline ended and the swap starts: its latency monitor comes off; the counter stays and its counts are the start of the watch. */
    void swapStarts() {
        baseline = read();
        atStart = counts();
        latency = null;
        Engine.remove(entry, LATENCY);
    }

    /**
     * The swap completed: the window starts, with a fresh latency monitor.
     *
     * @throws SwapException if the latency monitor cannot be put on
     */
    void windowStarts(ImplementationSource source) {
        atSwap = counts();
        latency = put(source, settings.config().latencyMonitor, LATENCY);
    }

    private Monitor put(ImplementationSource source, String service, String name) {
        InterposerChain.Named n = source.newInterposer(service);
        if (!(n.interposer() instanceof Monitor)) {
            n.release().run();
            throw new SwapException("a watch needs the monitor '" + service + "' to be a swap.api.Monitor interposer");
        }
        try {
            Engine.add(entry, new InterposerChain.Named(name, n.interposer(), n.release()));
        } catch (RuntimeException ex) {
            n.release().run();
            throw ex;
        }
        return (Monitor) n.interposer();
    }

    /** @return the counter's calls and thrown since it was put on, no latency */
    private Figures counts() {
        Monitor c = calls;
        if (c == null) {
            return new Figures(0, 0, 0);
        }
        Map<String, Object> cs = c.statistics();
        return new Figures(number(cs.get(SwapConstants.STAT_CALLS)), number(cs.get(SwapConstants.STAT_THROWN)), 0);
    }

    /** @return the current stage's figures: before the swap, the baseline's; after it, the window's (zeros if no monitor is on) */
    Figures read() {
        Monitor l = latency;
        Figures c = counts();
        Figures from = atSwap;
        Map<String, Object> ls = l == null ? Map.of() : l.statistics();
        return new Figures(c.calls() - from.calls(), c.thrown() - from.thrown(),
                ls.get(SwapConstants.STAT_P99_MICROS) instanceof Number ? ((Number) ls.get(SwapConstants.STAT_P99_MICROS)).doubleValue() : 0);
    }

    /**
     * @return every call through the entry since the swap started (the end of the baseline), with
     *         those that threw: across the swap, the window and a swap back, until now
     */
    Figures inAll() {
        Figures c = counts();
        Figures from = atStart;
        return new Figures(c.calls() - from.calls(), c.thrown() - from.thrown(), 0);
    }

    private static long number(Object o) {
        return o instanceof Number ? ((Number) o).longValue() : 0;
    }

    /** Takes the monitors off the entry (and releases them). Idempotent. */
    void remove() {
        calls = null;
        latency = null;
        Engine.remove(entry, CALLS);
        Engine.remove(entry, LATENCY);
    }

    /** @return whether the window saw too few calls for a verdict */
    boolean tooFew(Figures w) {
        return w.calls() < settings.config().minCalls;
    }

    /** @return why the window's figures cross a threshold, or {@code null} if they do not (or there are too few calls yet) */
    String crossed(Figures w) {
        if (w.calls() < settings.config().minCalls) {
            return null;
        }
        Figures b = baseline;
        if (w.errorRate() - b.errorRate() > settings.errorRate()) {
            return String.format(java.util.Locale.ROOT, "error rate %.1f%% (%d of %d calls threw) is more than %.1f points above the baseline's %.1f%%",
                    100 * w.errorRate(), w.thrown(), w.calls(), 100 * settings.errorRate(), 100 * b.errorRate());
        }
        double limit = Math.max(settings.p99Factor() * b.p99Micros(), b.p99Micros() + settings.config().p99FloorMicros);
        if (w.p99Micros() > limit) {
            return String.format(java.util.Locale.ROOT, "p99 latency %.1f us over %d calls is above %.1f x the baseline's %.1f us (limit %.1f us)",
                    w.p99Micros(), w.calls(), settings.p99Factor(), b.p99Micros(), limit);
        }
        return null;
    }

    /** The figures of a result, for {@link swap.api.SwapResult#figures}. */
    Map<String, Object> figures(String verdict, Figures w) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("watch", verdict);
        m.put("windowMillis", settings.windowMillis());
        m.put("watchedMillis", windowStart == 0 ? 0.0 : (System.nanoTime() - windowStart) / 1e6);
        m.put("calls", w.calls());
        m.put("errorRate", w.errorRate());
        m.put("p99Micros", w.p99Micros());
        Figures b = baseline;
        m.put("baselineCalls", b.calls());
        m.put("baselineErrorRate", b.errorRate());
        m.put("baselineP99Micros", b.p99Micros());
        Figures all = inAll();
        m.put("callsInAll", all.calls());
        m.put("thrownInAll", all.thrown());
        return m;
    }

    /** Event properties of the figures. */
    Map<String, Object> eventProperties(Figures w) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put(SwapConstants.EVENT_WINDOW_MILLIS, settings.windowMillis());
        p.put(SwapConstants.EVENT_BASELINE_ERROR_RATE, baseline.errorRate());
        p.put(SwapConstants.EVENT_BASELINE_P99_MICROS, baseline.p99Micros());
        if (w != null) {
            p.put(SwapConstants.EVENT_CALLS, w.calls());
            p.put(SwapConstants.EVENT_ERROR_RATE, w.errorRate());
            p.put(SwapConstants.EVENT_P99_MICROS, w.p99Micros());
        }
        return p;
    }

    /** @return the watch in progress as one line, for {@link swap.api.EntryDTO#safety} */
    String line() {
        Figures w = read();
        long left = Math.max(0, (windowEnd - System.nanoTime()) / 1_000_000);
        Figures b = baseline;
        return String.format(java.util.Locale.ROOT,
                "watch: %d ms left of %d ms; %d calls, error rate %.1f%% (baseline %.1f%%, limit +%.1f), p99 %.1f us (baseline %.1f us, limit x%.1f)",
                left, settings.windowMillis(), w.calls(), 100 * w.errorRate(), 100 * b.errorRate(), 100 * settings.errorRate(), w.p99Micros(),
                b.p99Micros(), settings.p99Factor());
    }
}
