package swap.monitor.internal;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ServiceScope;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import swap.api.EntryDTO;
import swap.api.ImplementationDTO;
import swap.api.Policy;
import swap.api.SwapConstants;
import swap.api.SwapManager;
import swap.api.SwapOutcome;
import swap.api.SwapResult;

/**
 * K42's access-pattern policy for file cache managers: puts an {@code access-pattern} monitor on
 * every entry of {@code iface} whose implementation carries the characteristic {@code pattern}
 * ({@code sequential|mixed|random}, the FCMs of {@code swap.fcm.pattern}; other entries, on the
 * shared or distributed FCM, are left to the concurrency policy), and swaps a file's FCM, through
 * {@link SwapManager#swap}, when its class changes: sequential reads, a hot set mixed with scans
 * and loops over more pages than the budget to {@code (pattern=sequential)} (read-ahead; its
 * drop-behind keeps the hot set through the scans, and its read-ahead turns a scan's or a loop's
 * misses into pages read ahead: on the phased trace it missed less than the scan-resistant FCM in
 * every phase), random or strided reads to {@code (pattern=random)} (CLOCK; no FCM reads ahead by
 * strides), except random re-reads of a hot set ({@link #servedFromTheCache}) and random reads of a
 * file on the read-ahead FCM, which leave the file where it is: the read-ahead FCM replaces by CLOCK
 * and reads ahead only for misses that continue a stream, so for random reads it is
 * {@code fcm.clock}, and a swap would only cost (the dwell, the transfer, and the lag back at the
 * next scan: on the phased trace, each swap back to CLOCK in the hot-set phase cost the next
 * mixed phase its first {@code stable.evaluations} windows of scan reads as misses). So no class maps to {@code (pattern=mixed)} (the scan-resistant FCM) since
 * issue 28's measurements; it stays selectable by name or filter.
 *
 * <p>No flapping, as the concurrency policy: a class must be seen at {@code stable.evaluations}
 * consecutive evaluations before it counts (hysteresis: a pattern alternating faster never swaps),
 * and an entry swaps at most once per {@code min.interval.millis} (minimum dwell), so whatever
 * the reads do, at most one swap per interval.
 *
 * <p>Evaluate it about once per monitor window's worth of reads; evaluations are serialised by the
 * policy runner.
 */
@Component(service = Policy.class, scope = ServiceScope.PROTOTYPE, configurationPid = "swap.policy.pattern",
        property = {SwapConstants.IMPL_NAME + "=" + AccessPatternPolicy.NAME, SwapConstants.IMPL_VERSION + "=1.0.0"})
@Designate(ocd = AccessPatternPolicy.Config.class)
public class AccessPatternPolicy implements Policy {

    public static final String NAME = "policy.pattern";

    /** The characteristic (service property) the policy reads and swaps by. */
    static final String PATTERN = "pattern";

    @ObjectClassDefinition(id = "swap.policy.pattern", name = "Access-pattern policy",
            description = "Swaps file cache managers between read-ahead, scan-resistant and CLOCK implementations as their access pattern changes.")
    public @interface Config {
        @AttributeDefinition(name = "Interface", description = "The component interface whose entries this policy governs.")
        String iface() default "swap.api.fcm.FileCacheManager";

        @AttributeDefinition(name = "Stable evaluations", description = "Consecutive evaluations a new class must be seen at before the file swaps.", min = "1")
        int stable_evaluations() default 3;

        @AttributeDefinition(name = "Minimum interval (ms)", description = "At most one swap of an entry per interval.", min = "0")
        long min_interval_millis() default 5000;
    }

    private final String iface;
    private final int stable;
    private final long minIntervalNanos;
    private final LongSupplier clock;
    private final Map<Long, State> states = new HashMap<>();

    private static final class State {
        String seen;
        int times;
        long lastSwap = Long.MIN_VALUE / 2;
    }

    @Activate
    public AccessPatternPolicy(Config c) {
        this(c.iface(), c.stable_evaluations(), c.min_interval_millis(), System::nanoTime);
    }

    /** Outside OSGi: tests (with a clock of their own, in nanoseconds), benchmarks. */
    public AccessPatternPolicy(String iface, int stableEvaluations, long minIntervalMillis, LongSupplier clock) {
        if (stableEvaluations < 1 || minIntervalMillis < 0) {
            throw new IllegalArgumentException("stable.evaluations must be at least 1 and min.interval.millis at least 0, got "
                    + stableEvaluations + " and " + minIntervalMillis);
        }
        this.iface = iface;
        this.stable = stableEvaluations;
        this.minIntervalNanos = minIntervalMillis * 1_000_000L;
        this.clock = clock;
    }

    /** @return the {@code pattern} characteristic suited to a class, or null (unknown yet) */
    static String wanted(String pattern) {
        switch (pattern) {
            case "SEQUENTIAL":
            case "MIXED":
            case "LOOPING":
                return "sequential";
            case "RANDOM":
            case "STRIDED":
                return "random";
            default:
                return null;
        }
    }

    /**
     * @return whether the window's reads are random re-reads of pages read recently (at least 3/4
     *         of them re-read a page read within the monitor's memory, 4 budgets of reads: a hot
     *         set), which every FCM here serves alike (each replaces by CLOCK; the read-ahead FCM
     *         reads ahead only for misses that continue a stream): a swap would cost and gain
     *         nothing, so the file stays where it is
     */
    static boolean servedFromTheCache(Map<String, Object> s) {
        if (!"RANDOM".equals(String.valueOf(s.get("pattern")))) {
            return false;
        }
        Object reuse = s.get("reusePercent");
        return reuse instanceof Number r && 4 * r.intValue() >= 3 * 100;
    }

    @Override
    public String evaluate(SwapManager manager) {
        Map<String, String> patterns = new HashMap<>();
        for (ImplementationDTO d : manager.implementations(iface)) {
            Object p = d.properties.get(PATTERN);
            if (p != null) {
                patterns.put(d.name, p.toString());
            }
        }
        StringBuilder decided = new StringBuilder();
        long now = clock.getAsLong();
        for (EntryDTO e : manager.list()) {
            String current = patterns.get(e.implementation);
            if (!iface.equals(e.iface) || !"ACTIVE".equals(e.state) || current == null) {
                continue;
            }
            if (!e.interposers.contains(AccessPatternMonitor.NAME)) {
                try {
                    manager.interpose(e.id, AccessPatternMonitor.NAME);
                } catch (RuntimeException gone) {
                    // released meanwhile, or no monitor available
                }
                continue; // its window fills from now on
            }
            Map<String, Object> s = manager.statistics(e.id).get(AccessPatternMonitor.NAME);
            if (s == null) {
                continue;
            }
            String want = wanted(String.valueOf(s.get("pattern")));
            if ("random".equals(want) && ("sequential".equals(current) || servedFromTheCache(s))) {
                want = current; // nothing to gain (see the class comment)
            }
            State st = states.computeIfAbsent(e.id, k -> new State());
            if (want == null || !want.equals(st.seen)) {
                st.seen = want;
                st.times = want == null ? 0 : 1;
            } else {
                st.times++;
            }
            if (want == null || want.equals(current) || st.times < stable || now - st.lastSwap < minIntervalNanos
                    || !patterns.containsValue(want)) {
                continue;
            }
            st.lastSwap = now;
            String target = "(" + PATTERN + "=" + want + ")";
            String why = NAME + ": reads " + s.get("pattern") + " for " + st.times + " evaluations";
            SwapResult r = manager.swap(e.id, target, why).toCompletableFuture().join();
            decided.append(decided.length() == 0 ? "" : "; ").append("entry ").append(e.id).append(" -> ").append(target)
                    .append(' ').append(r.outcome).append(r.outcome == SwapOutcome.COMPLETED ? "" : " (" + r.reason + ")");
        }
        states.keySet().retainAll(ids(manager.list()));
        return decided.length() == 0 ? null : decided.toString();
    }

    private static List<Long> ids(List<EntryDTO> l) {
        return l.stream().map(d -> d.id).toList();
    }
}
