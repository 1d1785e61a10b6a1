package swap.core;

import java.util.Map;

import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import swap.api.SwapConstants;
import swap.api.SwapManager;

/**
 * The swap manager as a DS component. Configuration PID {@code swap.core.manager}.
 *
 * <p>When an implementation service is unregistered (its bundle stops or is uninstalled), every
 * entry it backs is first moved, with its state, to the best remaining implementation of the same
 * name, else of any name; the service's event is delivered synchronously, so the old instances are
 * still active while they export their state.
 */
@Component(service = SwapManager.class, configurationPid = "swap.core.manager", immediate = true)
@Designate(ocd = OsgiSwapManager.Config.class)
public class OsgiSwapManager extends Engine {

    @ObjectClassDefinition(id = "swap.core.manager", name = "Swap manager", description = "The hot-swap platform's object translation table and swap protocol.")
    public @interface Config {
        @AttributeDefinition(name = "Quiescence timeout (ms)", description = "How long a swap may wait for calls to drain before it rolls back, unless the entry or the request sets its own.", min = "1")
        long timeout_millis() default DEFAULT_TIMEOUT_MILLIS;

        @AttributeDefinition(name = "History length", description = "How many swap results swap:history keeps.", min = "0")
        int history_size() default 256;
    }

    private final BundleContext context;
    private final ServiceListener implementationsGoing;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile EventAdmin eventAdmin;

    @Activate
    public OsgiSwapManager(BundleContext context, Config config) {
        super(new OsgiImplementationSource(context));
        this.context = context;
        configure(config.timeout_millis(), config.history_size());
        events((topic, properties) -> {
            EventAdmin admin = eventAdmin;
            if (admin != null) {
                admin.postEvent(new Event(topic, (Map<String, ?>) properties));
            }
        });
        implementationsGoing = event -> {
            if (event.getType() == ServiceEvent.UNREGISTERING) {
                evacuate(event.getServiceReference(), "implementation " + OsgiImplementationSource.name(event.getServiceReference())
                        + " is going away (bundle " + event.getServiceReference().getBundle().getSymbolicName() + ")");
            }
        };
        try {
            context.addServiceListener(implementationsGoing, "(&(" + SwapConstants.IMPL_NAME + "=*)(" + Constants.SERVICE_SCOPE + "=" + Constants.SCOPE_PROTOTYPE + "))");
        } catch (org.osgi.framework.InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Modified
    void modified(Config config) {
        configure(config.timeout_millis(), config.history_size());
    }

    @Deactivate
    void deactivate() {
        context.removeServiceListener(implementationsGoing);
        shutdown();
    }
}
