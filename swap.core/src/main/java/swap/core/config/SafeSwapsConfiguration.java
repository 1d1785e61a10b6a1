package swap.core.config;

import swap.core.osgi.Platform;
import swap.core.safe.SafeSwapConfig;
import swap.core.safe.SafeSwaps;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;


/**
 * Hands the safe-swap defaults (configuration PID {@code swap.core.safe}) to the swap manager. A
 * component of its own, so that the watch and canary settings have their own Metatype page and
 * changing them does not reconfigure the swap manager.
 */
@Component(service = {}, immediate = true, configurationPid = "swap.core.safe")
@Designate(ocd = SafeSwapsConfiguration.Config.class)
public class SafeSwapsConfiguration {

    @ObjectClassDefinition(id = "swap.core.safe", name = "Safe swaps",
            description = "Watch after a swap (swapped back if it gets worse than its baseline) and canary before it (mirrored side-effect-free calls compared).")
    public @interface Config {
        @AttributeDefinition(name = "Watch window (ms)", description = "How long a watched swap is measured after it completed.", min = "1")
        long watch_window_millis() default 10_000;

        @AttributeDefinition(name = "Baseline (ms)", description = "How long the entry is measured just before a watched swap (0: no baseline, thresholds are absolute).", min = "0")
        long watch_baseline_millis() default 1_000;

        @AttributeDefinition(name = "Error-rate rise", description = "Swap back when the fraction of calls that threw rises above the baseline's by more than this (0..1).", min = "0", max = "1")
        double watch_error_rate() default 0.05;

        @AttributeDefinition(name = "p99 factor", description = "Swap back when the p99 latency exceeds this multiple of the baseline's...", min = "1")
        double watch_p99_factor() default 5.0;

        @AttributeDefinition(name = "p99 floor (us)", description = "...and exceeds the baseline's p99 by at least this many microseconds.", min = "0")
        double watch_p99_floor_micros() default 200;

        @AttributeDefinition(name = "Minimum calls", description = "A watch judges only once its window has this many calls.", min = "1")
        long watch_min_calls() default 100;

        @AttributeDefinition(name = "Check interval (ms)", description = "How often a watch reads its monitors.", min = "1")
        long watch_check_millis() default 20;

        @AttributeDefinition(name = "Calls monitor", description = "Interposer service counting calls and calls that threw (statistics 'calls', 'thrown').")
        String watch_calls_monitor() default "calls";

        @AttributeDefinition(name = "Latency monitor", description = "Interposer service measuring latency (statistic 'p99Micros').")
        String watch_latency_monitor() default "latency";

        @AttributeDefinition(name = "Canary calls", description = "A canary commits after this many compared calls with no mismatch...", min = "1")
        int canary_calls() default 100;

        @AttributeDefinition(name = "Canary time (ms)", description = "...or after this long, whichever comes first.", min = "1")
        long canary_millis() default 10_000;

        @AttributeDefinition(name = "Canary minimum", description = "A canary that reaches its time limit with fewer compared calls is inconclusive and does not commit (0: commit on time).", min = "0")
        int canary_min_calls() default 10;

        @AttributeDefinition(name = "Mirror inline", description = "Mirror calls on the caller's thread, after its own call (default: on the canary's thread, off the caller's path).")
        boolean canary_inline() default false;
    }

    private final SafeSwaps safeSwaps;

    @Activate
    public SafeSwapsConfiguration(@Reference Platform platform, Config config) {
        this.safeSwaps = platform.safeSwaps();
        modified(config);
    }

    @Modified
    void modified(Config c) {
        SafeSwapConfig s = new SafeSwapConfig();
        s.windowMillis = c.watch_window_millis();
        s.baselineMillis = c.watch_baseline_millis();
        s.errorRate = c.watch_error_rate();
        s.p99Factor = c.watch_p99_factor();
        s.p99FloorMicros = c.watch_p99_floor_micros();
        s.minCalls = c.watch_min_calls();
        s.checkMillis = c.watch_check_millis();
        s.callsMonitor = c.watch_calls_monitor();
        s.latencyMonitor = c.watch_latency_monitor();
        s.canaryCalls = c.canary_calls();
        s.canaryMillis = c.canary_millis();
        s.canaryMinCalls = c.canary_min_calls();
        s.canaryInline = c.canary_inline();
        safeSwaps.configure(s);
    }
}
