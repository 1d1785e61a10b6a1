package swap.core;

import java.util.Map;

import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceListener;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
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
 * still active while they export their state. An entry that nothing could take stays on its old
 * instance and moves, with its state, to the next implementation of the same name that is
 * registered (DS re-registers a component after a configuration change this way).
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

    /** Every swap's outcome and reason goes to the OSGi log too (logger {@code swap.core.OsgiSwapManager}). */
    @Reference(service = LoggerFactory.class)
    Logger log;

    /** Registered before the swap manager (a mandatory reference), so no bundle it hides ever sees it. */
    @Reference
    SwapManagerVisibility visibility;

    @Activate
    public OsgiSwapManager(BundleContext context, Config config, @Reference TrustPolicy trust, @Reference JournalService journal) {
        super(new OsgiImplementationSource(context, trust));
        this.context = context;
        journal(journal);
        configure(config.timeout_millis(), config.history_size());
        events((topic, properties) -> {
            EventAdmin admin = eventAdmin;
            if (admin != null) {
                admin.postEvent(new Event(topic, (Map<String, ?>) properties));
            }
            Logger l = log;
            if (l != null && !topic.equals(SwapConstants.TOPIC_STARTED)) {
                String line = "entry " + properties.get(SwapConstants.EVENT_ENTRY_ID) + " " + topic.substring(SwapConstants.TOPIC_PREFIX.length())
                        + ": " + properties.get(SwapConstants.EVENT_FROM) + " -> " + properties.get(SwapConstants.EVENT_TO)
                        + ", format " + properties.get(SwapConstants.EVENT_FORMAT) + ": " + properties.get(SwapConstants.EVENT_REASON);
                if (topic.equals(SwapConstants.TOPIC_COMPLETED)) {
                    l.info(line);
                } else {
                    l.warn(line);
                }
            }
        });
        implementationsGoing = event -> {
            ServiceReference<?> ref = event.getServiceReference();
            String name = OsgiImplementationSource.name(ref);
            if (event.getType() == ServiceEvent.UNREGISTERING) {
                evacuate(ref, "implementation " + name + " is going away (bundle " + ref.getBundle().getSymbolicName() + ")");
            } else if (event.getType() == ServiceEvent.REGISTERED) {
                // Entries left on an instance whose service went away (nothing else could take them,
                // or DS re-registered the component after a configuration change) move to the new one.
                adopt(name, origin -> origin instanceof ServiceReference && ((ServiceReference<?>) origin).getBundle() == null,
                        "(" + Constants.SERVICE_ID + "=" + ref.getProperty(Constants.SERVICE_ID) + ")",
                        "implementation " + name + " is available again (service " + ref.getProperty(Constants.SERVICE_ID) + ")");
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
