package swap.webconsole.internal;

import java.util.ArrayList;
import java.util.List;

import org.apache.felix.hc.api.HealthCheck;
import org.apache.felix.hc.api.Result;
import org.apache.felix.hc.api.ResultLog;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * Runs the swap health check ({@code hc.name=swap}, swap.monitor's) as {@code swap:health} does: the
 * worst status and every message that is not debug. A component of its own so that only the health
 * page is missing when the Health Checks API bundle is (its import is optional).
 */
@Component(service = HealthSource.class)
public final class HealthSource {
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY,
            target = "(" + HealthCheck.NAME + "=swap)")
    volatile List<HealthCheck> checks;

    /** The result, or {@code null} when no swap health check is registered. */
    Platform.Health run() {
        List<HealthCheck> l = checks;
        if (l == null || l.isEmpty()) {
            return null;
        }
        Result.Status worst = Result.Status.OK;
        List<String[]> messages = new ArrayList<>();
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
                    messages.add(new String[] {String.valueOf(e.getStatus()), e.getMessage()});
                }
            }
        }
        return new Platform.Health(worst.toString(), messages);
    }
}
