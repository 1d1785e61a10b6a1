package swap.shell.internal;

import java.util.ArrayList;
import java.util.List;

import org.apache.felix.hc.api.HealthCheck;
import org.apache.felix.hc.api.Result;
import org.apache.felix.hc.api.ResultLog;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * {@code swap:health}: runs the swap health check (the Felix Health Checks service with
 * {@code hc.name=swap}, from swap.monitor) and prints its status and messages. The distribution has
 * the Health Checks API but no executor, so this is how an operator sees it. A component of its own:
 * if the Health Checks API is missing, only this command is (the import is optional).
 *
 * <p>Thread-safe: the check list is replaced whole by DS.
 */
@Component(service = HealthCommand.class, property = {"osgi.command.scope=swap", "osgi.command.function=health"})
public final class HealthCommand {

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY,
            target = "(" + HealthCheck.NAME + "=swap)")
    volatile List<HealthCheck> checks;

    @Descriptor("run the swap health check (hc.name=swap): its status (OK, WARN, CRITICAL...) and messages")
    public Dtos.Health health() {
        List<HealthCheck> l = checks;
        if (l == null || l.isEmpty()) {
            throw new ShellException("swap", "no swap health check registered: bundle swap.monitor provides it; lb and scr:list show whether it is active");
        }
        return run(l);
    }

    public Object getHealth(Object... wrong) {
        throw Usage.wrong("swap", "health");
    }

    static Dtos.Health run(List<HealthCheck> l) {
        Dtos.Health h = new Dtos.Health();
        Result.Status worst = Result.Status.OK;
        for (HealthCheck c : l) {
            Result r;
            try {
                r = c.execute();
            } catch (RuntimeException e) {
                r = new Result(Result.Status.HEALTH_CHECK_ERROR, "the health check threw " + e, e);
            }
            if (r.getStatus().ordinal() > worst.ordinal()) {
                worst = r.getStatus();
            }
            for (ResultLog.Entry e : r) {
                if (!e.isDebug()) {
                    h.messages.add(new String[] {String.valueOf(e.getStatus()), e.getMessage()});
                }
            }
        }
        h.status = worst.toString();
        return h;
    }

    /** For tests: the messages as lines. */
    static List<String> lines(Dtos.Health h) {
        List<String> out = new ArrayList<>();
        for (String[] m : h.messages) {
            out.add(m[0] + " " + m[1]);
        }
        return out;
    }
}
