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
 * <p>Implementation services coming and going with their bundles (update, refresh, stop,
 * uninstall, a new version, ORPHANED entries and their adoption, the auto upgrade policy) are
 * handled by {@link Upgrades}: the service events are delivered synchronously, so the old instances
 * are still active while they export their state.
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

        @AttributeDefinition(name = "Upgrade hold (ms)", description = "While an implementation's bundle is updated or refreshed, how long its entries' calls may wait for the new revision before the entries move elsewhere.", min = "1")
        long upgrade_hold_millis() default 5000;
    }

    private final BundleContext context;
    private final ServiceListener implementationsGoing;
    private final Upgrades upgrades;

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
        upgrades = new Upgrades(this, context, (OsgiImplementationSource) source(), config.upgrade_hold_millis());
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
                if (topic.equals(SwapConstants.TOPIC_COMPLETED) || topic.equals(SwapConstants.TOPIC_WATCH_STARTED)
                        || topic.equals(SwapConstants.TOPIC_WATCH_PASSED) || topic.equals(SwapConstants.TOPIC_CANARY_PASSED)) {
                    l.info(line);
                } else {
                    l.warn(line);
                }
            }
        });
        implementationsGoing = event -> {
            if (event.getType() == ServiceEvent.UNREGISTERING) {
                upgrades.unregistering(event.getServiceReference());
            } else if (event.getType() == ServiceEvent.REGISTERED) {
                upgrades.registered(event.getServiceReference());
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
        upgrades.holdMillis(config.upgrade_hold_millis());
    }

    Upgrades upgrades() {
        return upgrades;
    }

    @Deactivate
    void deactivate() {
        context.removeServiceListener(implementationsGoing);
        upgrades.shutdown();
        shutdown();
    }
}
