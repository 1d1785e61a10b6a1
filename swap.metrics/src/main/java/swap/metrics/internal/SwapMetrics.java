package swap.metrics.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.function.LongFunction;
import java.util.function.Supplier;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import swap.api.EntryDTO;
import swap.api.SwapConstants;
import swap.api.SwapOutcome;
import swap.api.SwapResult;

/**
 * The platform's figures, in one Prometheus registry of its own: what the swap events told (swaps
 * by outcome, phase durations, watch and canary verdicts), counted from this object's creation, and
 * what the swap manager shows when read (entries by state, calls and failed calls from the entries'
 * monitors). The JMX MBeans read the same counters, so both views always agree.
 *
 * <p>Thread-safety: {@link #onEvent} may be called from any thread, concurrently (the counters are
 * the Prometheus client's, which are lock-free); every other method too. A figure read after
 * {@code onEvent} returned includes that event.
 */
public final class SwapMetrics implements MetricsText {
    /** Upper bounds of the phase-duration buckets, in seconds: 10 us to 30 s. */
    static final double[] BUCKETS = {0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30};
    /** The phases a {@link SwapResult} reports, as label values of {@code swap_swap_phase_seconds}. */
    static final List<String> PHASES = List.of("instantiate", "forward", "blocked", "transfer", "total");
    /** Entry states shown even when no entry is in them (so a dashboard sees a 0, not a gap). */
    static final List<String> STATES = List.of("ACTIVE", "SWAPPING", "PARKED", "ORPHANED");

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter swaps;
    private final Histogram phases;
    private final Counter watchVerdicts;
    private final Counter canaryVerdicts;
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

    /**
     * @param entries the swap manager's entries ({@code SwapManager::list})
     * @param statistics what the monitors on an entry measured ({@code SwapManager::statistics}); may throw for an entry just released
     */
    public SwapMetrics(Supplier<List<EntryDTO>> entries, LongFunction<Map<String, Map<String, Object>>> statistics) {
        swaps = Counter.builder().name("swap_swaps_total")
                .help("Swaps that ran, by outcome (completed, rolled_back, failed), since swap.metrics started. A watched swap that was later reverted counts as completed here and as reverted in swap_watch_verdicts_total; swap:history shows it as REVERTED.")
                .labelNames("outcome").register(registry);
        phases = Histogram.builder().name("swap_swap_phase_seconds")
                .help("Duration of each phase of a swap (instantiate, forward, blocked, transfer, total), by outcome; a phase that did not run is observed as 0.")
                .labelNames("phase", "outcome").classicUpperBounds(BUCKETS).classicOnly().register(registry);
        watchVerdicts = Counter.builder().name("swap_watch_verdicts_total")
                .help("Watch verdicts after a watched swap: passed, reverted (swapped back), revert_failed.")
                .labelNames("verdict").register(registry);
        canaryVerdicts = Counter.builder().name("swap_canary_verdicts_total")
                .help("Canary verdicts before a swap: passed (committed), failed (mismatch or inconclusive; the old instance stayed).")
                .labelNames("verdict").register(registry);
        for (SwapOutcome o : List.of(SwapOutcome.COMPLETED, SwapOutcome.ROLLED_BACK, SwapOutcome.FAILED)) {
            swaps.labelValues(label(o)); // present at 0 from the start
        }
        for (String v : List.of("passed", "reverted", "revert_failed")) {
            watchVerdicts.labelValues(v);
        }
        for (String v : List.of("passed", "failed")) {
            canaryVerdicts.labelValues(v);
        }
        GaugeWithCallback.builder().name("swap_entries")
                .help("Entries of the swap manager by state (ACTIVE, SWAPPING, PARKED, ORPHANED), read at scrape time.")
                .labelNames("state")
                .callback(cb -> entriesByState(entries.get()).forEach((state, n) -> cb.call(n, state)))
                .register(registry);
        CounterWithCallback.builder().name("swap_entry_calls_total")
                .help("Calls through an entry, as counted by a monitor on it (e.g. swap:monitor ID counter); entries without such a monitor are absent.")
                .labelNames("entry", "interface", "implementation")
                .callback(cb -> forEachMonitored(entries.get(), statistics, "calls", (e, n) -> cb.call(n, String.valueOf(e.id), e.iface, e.implementation)))
                .register(registry);
        CounterWithCallback.builder().name("swap_entry_call_failures_total")
                .help("Calls through an entry that threw, as counted by a monitor on it; entries without such a monitor are absent.")
                .labelNames("entry", "interface", "implementation")
                .callback(cb -> forEachMonitored(entries.get(), statistics, "thrown", (e, n) -> cb.call(n, String.valueOf(e.id), e.iface, e.implementation)))
                .register(registry);
    }

    /** The label value of an outcome: {@code completed}, {@code rolled_back}, {@code failed}, ... */
    public static String label(SwapOutcome o) {
        return o.name().toLowerCase(Locale.ROOT);
    }

    /**
     * Counts one swap event ({@link SwapConstants#TOPIC_PREFIX}{@code *}); other topics are ignored.
     *
     * @param property the event's properties
     */
    public void onEvent(String topic, Function<String, Object> property) {
        switch (topic) {
            case SwapConstants.TOPIC_COMPLETED:
                swap(SwapOutcome.COMPLETED, property);
                break;
            case SwapConstants.TOPIC_ROLLED_BACK:
                swap(SwapOutcome.ROLLED_BACK, property);
                break;
            case SwapConstants.TOPIC_FAILED:
                swap(SwapOutcome.FAILED, property);
                break;
            case SwapConstants.TOPIC_WATCH_PASSED:
                watchVerdicts.labelValues("passed").inc();
                break;
            case SwapConstants.TOPIC_REVERTED:
                watchVerdicts.labelValues("reverted").inc();
                break;
            case SwapConstants.TOPIC_REVERT_FAILED:
                watchVerdicts.labelValues("revert_failed").inc();
                break;
            case SwapConstants.TOPIC_CANARY_PASSED:
                canaryVerdicts.labelValues("passed").inc();
                break;
            case SwapConstants.TOPIC_CANARY_FAILED:
                canaryVerdicts.labelValues("failed").inc();
                break;
            default:
                break;
        }
    }

    private void swap(SwapOutcome outcome, Function<String, Object> property) {
        String o = label(outcome);
        Object r = property.apply(SwapConstants.EVENT_RESULT);
        if (r instanceof SwapResult) { // a platform older than swap.api 1.6 sends no result: counted, no durations
            SwapResult s = (SwapResult) r;
            long[] nanos = {s.instantiateNanos, s.forwardNanos, s.blockedNanos, s.transferNanos, s.totalNanos};
            for (int i = 0; i < nanos.length; i++) {
                phases.labelValues(PHASES.get(i), o).observe(Math.max(0, nanos[i]) / 1e9);
            }
        }
        swaps.labelValues(o).inc(); // last: whoever sees the count also sees the durations
    }

    /** Swaps of this outcome counted so far. */
    public long swaps(SwapOutcome outcome) {
        return (long) swaps.labelValues(label(outcome)).get();
    }

    /** Watch verdicts ({@code passed}, {@code reverted}, {@code revert_failed}) counted so far. */
    public long watchVerdicts(String verdict) {
        return (long) watchVerdicts.labelValues(verdict).get();
    }

    /** Canary verdicts ({@code passed}, {@code failed}) counted so far. */
    public long canaryVerdicts(String verdict) {
        return (long) canaryVerdicts.labelValues(verdict).get();
    }

    /** Entries by state, every state of {@link #STATES} included (0 if none), then any other in order of appearance. */
    public static Map<String, Long> entriesByState(List<EntryDTO> entries) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (String s : STATES) {
            m.put(s, 0L);
        }
        for (EntryDTO e : entries) {
            if (!"RELEASED".equals(e.state)) {
                m.merge(e.state, 1L, Long::sum);
            }
        }
        return m;
    }

    /** What a monitor on the entry reports under {@code key} (the first monitor, outermost first, that has it), or -1. */
    public static long monitored(Map<String, Map<String, Object>> statistics, String key) {
        if (statistics != null) {
            for (Map<String, Object> m : statistics.values()) {
                Object v = m == null ? null : m.get(key);
                if (v instanceof Number) {
                    return ((Number) v).longValue();
                }
            }
        }
        return -1;
    }

    private interface EntryFigure {
        void accept(EntryDTO e, long n);
    }

    private static void forEachMonitored(List<EntryDTO> entries, LongFunction<Map<String, Map<String, Object>>> statistics, String key, EntryFigure out) {
        for (EntryDTO e : entries) {
            if (e.interposers == null || e.interposers.isEmpty()) {
                continue; // no monitor: nothing to read
            }
            long n;
            try {
                n = monitored(statistics.apply(e.id), key);
            } catch (RuntimeException released) {
                continue; // released since the list was taken
            }
            if (n >= 0) {
                out.accept(e, n);
            }
        }
    }

    @Override
    public String contentType() {
        return writer.getContentType();
    }

    @Override
    public void write(OutputStream out) throws IOException {
        writer.write(out, registry.scrape());
    }
}
