package swap.monitor.internal;

import java.util.HashMap;
import java.util.Map;

import org.apache.felix.hc.api.FormattingResultLog;
import org.apache.felix.hc.api.HealthCheck;
import org.apache.felix.hc.api.Result;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import swap.api.ImplementationDTO;
import swap.api.JournalRecordDTO;
import swap.api.SwapJournal;
import swap.api.SwapManager;
import swap.api.SwapOutcome;
import swap.api.SwapResult;

/**
 * A Felix Health Checks health check ({@code hc.name=swap}, tag {@code swap}) over the recent swap
 * history: WARN for a rolled-back or failed swap in the window, for an ORPHANED entry (its
 * implementation's bundle is gone: nothing can swap it until an implementation of its name
 * registers), for an implementation the trust policy refuses and for a bundle refused the swap
 * manager in the window (from the journal, with the configuration line that allows it), CRITICAL for a flapping entry
 * (more than {@code flapping.swaps} completed swaps in the window), OK otherwise.
 * Configuration PID {@code swap.health}.
 */
@Component(service = HealthCheck.class, configurationPid = "swap.health",
        property = {HealthCheck.NAME + "=swap", HealthCheck.TAGS + "=swap"})
@Designate(ocd = SwapHealthCheck.Config.class)
public class SwapHealthCheck implements HealthCheck {

    @ObjectClassDefinition(id = "swap.health", name = "Swap health check", description = "Reports recent rollbacks, failed swaps and flapping entries.")
    public @interface Config {
        @AttributeDefinition(name = "Window (s)", description = "How far back the check looks.", min = "1")
        long window_seconds() default 300;

        @AttributeDefinition(name = "Flapping swaps", description = "More completed swaps of one entry than this in the window is flapping.", min = "1")
        int flapping_swaps() default 10;
    }

    private final SwapManager manager;
    /** Optional: where a bundle refused the swap manager is recorded (kind refusal, about swap.api.SwapManager). */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile SwapJournal journal;
    private final long windowMillis;
    private final int flappingSwaps;

    @Activate
    public SwapHealthCheck(@Reference SwapManager manager, Config config) {
        this(manager, config.window_seconds() * 1000, config.flapping_swaps());
    }

    SwapHealthCheck(SwapManager manager, long windowMillis, int flappingSwaps) {
        this.manager = manager;
        this.windowMillis = windowMillis;
        this.flappingSwaps = flappingSwaps;
    }

    @Override
    public Result execute() {
        FormattingResultLog log = new FormattingResultLog();
        long since = System.currentTimeMillis() - windowMillis;
        Map<Long, Integer> completed = new HashMap<>();
        int problems = 0;
        for (SwapResult r : manager.history(Integer.MAX_VALUE)) {
            if (r.endedAtMillis < since) {
                continue;
            }
            if (r.outcome == SwapOutcome.COMPLETED) {
                completed.merge(r.entryId, 1, Integer::sum);
            } else if (r.reason == null || !r.reason.contains("mid-swap")) {
                problems++;
                log.warn("entry {}: swap {} -> {} {}: {}", r.entryId, r.from, r.to, r.outcome, r.reason);
            }
        }
        for (swap.api.EntryDTO e : manager.list()) {
            if ("ORPHANED".equals(e.state) || "PARKED".equals(e.state)) {
                problems++;
                log.warn("entry {} ({}) is {}: {}", e.id, e.iface, e.state, e.stateReason);
            }
        }
        for (ImplementationDTO d : manager.implementations(null)) {
            if (d.refused != null) {
                problems++;
                log.warn("implementation {} {} of {} (bundle {} [{}]) is refused by the trust policy: {}", d.name, d.version, d.iface, d.bundle, d.bundleId, d.refused);
            }
        }
        SwapJournal j = journal;
        if (j != null) {
            String prefix = SwapManager.class.getName() + ": ";
            for (JournalRecordDTO r : j.records(1000, -1)) {
                if (r.timeMillis >= since && "refusal".equals(r.kind) && r.reason != null && r.reason.startsWith(prefix)) {
                    problems++;
                    log.warn("{}", r.reason.substring(prefix.length()));
                }
            }
        }
        completed.forEach((id, n) -> {
            if (n > flappingSwaps) {
                log.critical("entry {} is flapping: {} swaps in the last {} s (check its policy's hysteresis and rate limit)", id, n, windowMillis / 1000);
            }
        });
        if (problems == 0 && completed.values().stream().noneMatch(n -> n > flappingSwaps)) {
            log.info("no orphaned or parked entry, refused implementation or bundle refused the swap manager, and no rollback, failed swap or flapping entry in the last {} s ({} entries)", windowMillis / 1000, manager.list().size());
        }
        return new Result(log);
    }
}
