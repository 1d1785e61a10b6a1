package swap.monitor.internal;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

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
 * K42's file-cache policy, for any component whose implementations carry the characteristic
 * {@code concurrency=shared|distributed} (by default the file cache managers): when an entry is used
 * by several threads at once for {@code hot.windows} consecutive windows, swap it to a
 * {@code distributed} implementation; after {@code quiet.windows} windows with at most one thread,
 * swap it back to {@code shared}. Hysteresis (the two window counts) and a rate limit (at most one
 * swap of an entry per {@code min.interval.millis}) keep it from flapping.
 *
 * <p>It puts a {@code contention} sensor on every entry it governs and reads its statistics once
 * per evaluation; evaluate it once per sensor window.
 */
@Component(service = Policy.class, scope = ServiceScope.PROTOTYPE, configurationPid = "swap.policy.concurrency",
        property = {SwapConstants.IMPL_NAME + "=" + ConcurrencyPolicy.NAME, SwapConstants.IMPL_VERSION + "=1.0.0"})
@Designate(ocd = ConcurrencyPolicy.Config.class)
public class ConcurrencyPolicy implements Policy {

    public static final String NAME = "policy.concurrency";

    @ObjectClassDefinition(id = "swap.policy.concurrency", name = "Concurrency policy",
            description = "Swaps components between shared and distributed implementations as their contention changes.")
    public @interface Config {
        @AttributeDefinition(name = "Interface", description = "The component interface whose entries this policy governs.")
        String iface() default "swap.api.fcm.FileCacheManager";

        @AttributeDefinition(name = "Threads", description = "Distinct calling threads in a window that count as contention.", min = "2")
        int threads() default 2;

        @AttributeDefinition(name = "Hot windows", description = "Consecutive contended windows before swapping to distributed.", min = "1")
        int hot_windows() default 2;

        @AttributeDefinition(name = "Quiet windows", description = "Consecutive windows with at most one thread before swapping back to shared.", min = "1")
        int quiet_windows() default 5;

        @AttributeDefinition(name = "Minimum interval (ms)", description = "At most one swap of an entry per interval.", min = "0")
        long min_interval_millis() default 5000;
    }

    private final String iface;
    private final int threads;
    private final int hotWindows;
    private final int quietWindows;
    private final long minIntervalNanos;
    private final Map<Long, State> states = new HashMap<>();

    private static final class State {
        int hot;
        int quiet;
        long lastSwap = Long.MIN_VALUE / 2;
    }

    @Activate
    public ConcurrencyPolicy(Config c) {
        this(c.iface(), c.threads(), c.hot_windows(), c.quiet_windows(), c.min_interval_millis());
    }

    /** Outside OSGi: tests, benchmarks. */
    public ConcurrencyPolicy(String iface, int threads, int hotWindows, int quietWindows, long minIntervalMillis) {
        this.iface = iface;
        this.threads = threads;
        this.hotWindows = hotWindows;
        this.quietWindows = quietWindows;
        this.minIntervalNanos = minIntervalMillis * 1_000_000L;
    }

    @Override
    public String evaluate(SwapManager manager) {
        Map<String, String> concurrency = new HashMap<>();
        for (ImplementationDTO d : manager.implementations(iface)) {
            Object c = d.properties.get("concurrency");
            if (c != null) {
                concurrency.put(d.name, c.toString());
            }
        }
        StringBuilder decided = new StringBuilder();
        long now = System.nanoTime();
        for (EntryDTO e : manager.list()) {
            if (!iface.equals(e.iface) || !"ACTIVE".equals(e.state)) {
                continue;
            }
            if (!e.interposers.contains("contention")) {
                try {
                    manager.interpose(e.id, "contention");
                } catch (RuntimeException gone) {
                    continue; // released meanwhile, or no sensor available
                }
                continue; // its first window starts now
            }
            Map<String, Object> s = manager.statistics(e.id).get("contention");
            if (s == null) {
                continue;
            }
            int seen = ((Number) s.get("threadsLastWindow")).intValue();
            int inFlight = ((Number) s.get("maxInFlightLastWindow")).intValue();
            State st = states.computeIfAbsent(e.id, k -> new State());
            String current = concurrency.getOrDefault(e.implementation, "");
            boolean contended = seen >= threads && inFlight >= 2;
            st.hot = contended ? st.hot + 1 : 0;
            st.quiet = seen <= 1 ? st.quiet + 1 : 0;
            String target = null;
            String why = null;
            if ("shared".equals(current) && st.hot >= hotWindows) {
                target = "(concurrency=distributed)";
                why = NAME + ": " + seen + " threads, up to " + inFlight + " calls at once for " + st.hot + " windows";
            } else if ("distributed".equals(current) && st.quiet >= quietWindows) {
                target = "(concurrency=shared)";
                why = NAME + ": at most one thread for " + st.quiet + " windows";
            }
            if (target == null || now - st.lastSwap < minIntervalNanos) {
                continue;
            }
            st.lastSwap = now;
            st.hot = 0;
            st.quiet = 0;
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
