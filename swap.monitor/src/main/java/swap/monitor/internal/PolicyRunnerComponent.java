package swap.monitor.internal;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import swap.api.PolicyDTO;
import swap.api.PolicyRunner;
import swap.api.SwapManager;

/**
 * Evaluates the configured policies every {@code period.millis} on one thread and logs every
 * decision (logger {@code swap.policy}); the swaps themselves carry the decision as their reason in
 * their events. Configuration PID {@code swap.policy}.
 */
@Component(service = PolicyRunner.class, immediate = true, configurationPid = "swap.policy")
@Designate(ocd = PolicyRunnerComponent.Config.class)
public class PolicyRunnerComponent implements PolicyRunner {

    @ObjectClassDefinition(id = "swap.policy", name = "Policy runner", description = "Runs the autonomic swap policies.")
    public @interface Config {
        @AttributeDefinition(name = "Policies", description = "Implementation names of the policies to run, in order.")
        String[] policies() default {ConcurrencyPolicy.NAME};

        @AttributeDefinition(name = "Turned on", description = "The policies that start turned on (swap:policy NAME on turns one on later). "
                + "None by default: the file cache managers' own contention trigger costs less than the policy's interposed sensors (docs/operators.md, monitors and policies).")
        String[] enabled() default {};

        @AttributeDefinition(name = "Period (ms)", description = "How often the policies are evaluated (once per contention-sensor window).", min = "10")
        long period_millis() default 1000;
    }

    private final Policies policies;
    private final ScheduledExecutorService timer;

    @Activate
    public PolicyRunnerComponent(@Reference SwapManager manager, @Reference(service = LoggerFactory.class) Logger log, Config config) {
        List<String> names = Arrays.asList(config.policies());
        this.policies = new Policies(manager, names, Arrays.asList(config.enabled()), (policy, decision) -> log.info("{}: {}", policy, decision));
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "swap-policy-runner");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(() -> {
            try {
                policies.evaluateAll();
            } catch (RuntimeException | LinkageError e) {
                log.error("a policy failed; it runs again next period", e);
            }
        }, config.period_millis(), config.period_millis(), TimeUnit.MILLISECONDS);
    }

    @Deactivate
    void deactivate() {
        timer.shutdownNow();
        policies.close();
    }

    @Override
    public List<PolicyDTO> policies() {
        return policies.policies();
    }

    @Override
    public void enable(String name, boolean enabled) {
        policies.enable(name, enabled);
    }
}
