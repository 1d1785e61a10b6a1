package swap.fleet.internal;

import java.util.Dictionary;
import java.util.Hashtable;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;

import swap.api.SwapConstants;

/**
 * The Event Admin handler that asks the fleet's agent for a reconcile when an entry is created
 * ({@link SwapConstants#TOPIC_CREATED}) or a swap of one ends. In a class of its own so that
 * {@link Fleet} loads without the Event Admin API (its import is optional): {@link #register} then
 * throws a {@link LinkageError} the caller catches.
 */
final class EntryEvents {
    private EntryEvents() {
    }

    static ServiceRegistration<?> register(BundleContext context, Runnable ask) {
        Dictionary<String, Object> p = new Hashtable<>();
        p.put(EventConstants.EVENT_TOPIC, new String[] {SwapConstants.TOPIC_CREATED, SwapConstants.TOPIC_COMPLETED, SwapConstants.TOPIC_ROLLED_BACK,
                SwapConstants.TOPIC_REVERTED});
        EventHandler h = event -> ask.run();
        return context.registerService(EventHandler.class, h, p);
    }
}
