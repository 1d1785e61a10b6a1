package swap.core.trust;

import swap.core.journal.JournalService;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.hooks.service.EventListenerHook;
import org.osgi.framework.hooks.service.FindHook;
import org.osgi.framework.hooks.service.ListenerHook.ListenerInfo;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import swap.api.SwapJournal;
import swap.api.SwapManager;

/**
 * Who may swap: the {@link SwapManager} (and the {@link SwapJournal}) services are visible only to
 * the bundles this allows (a {@link FindHook} hides them from look-ups, an {@link EventListenerHook}
 * from service events, so a DS reference or a tracker in another bundle never sees them). Others get
 * no service, and one log line (warning) per bundle. Configuration PID {@value #PID}; the framework
 * property {@value #EXTRA} adds patterns (comma-separated) to the configured ones, e.g. for a test
 * harness. swap.core itself and the system bundle always see them.
 *
 * <p>A bundle that already holds the swap manager when the configuration narrows keeps it until it
 * lets go (services cannot be taken back); restart it. Thread-safe.
 */
@Component(service = {SwapManagerVisibility.class, FindHook.class, EventListenerHook.class}, configurationPid = SwapManagerVisibility.PID, immediate = true)
@Designate(ocd = SwapManagerVisibility.Config.class)
public class SwapManagerVisibility implements FindHook, EventListenerHook {
    static final String PID = "swap.visibility";
    /** Framework property: more allowed bundle patterns, comma-separated. */
    static final String EXTRA = "swap.visibility.allowed";

    @ObjectClassDefinition(id = PID, name = "Swap manager visibility", description = "Which bundles may see (and so use) the swap manager.")
    public @interface Config {
        @AttributeDefinition(name = "Allowed bundles", description = "Bundle symbolic-name patterns (globs, * is any text) that see the swap manager and the journal.")
        String[] allowed_bundles() default {"swap.shell", "swap.monitor", "swap.fcm.*", "swap.fleet", "swap.webconsole", "swap.metrics"};
    }

    private static final Set<String> HIDDEN = Set.of(SwapManager.class.getName(), SwapJournal.class.getName());

    private final long self;
    private final String extra;
    private final Set<Long> logged = ConcurrentHashMap.newKeySet();
    private final Set<Long> told = ConcurrentHashMap.newKeySet();
    private volatile List<Pattern> allowed;
    /** The configured patterns (without the framework property's), for the line that says how to allow a bundle. */
    private volatile List<String> configured = List.of();

    @Reference(service = LoggerFactory.class)
    Logger log;

    private final JournalService journal;

    @Activate
    public SwapManagerVisibility(BundleContext context, @Reference JournalService journal, Config config) {
        this.self = context.getBundle().getBundleId();
        this.extra = context.getProperty(EXTRA);
        this.journal = journal;
        apply(config);
    }

    @Modified
    void modified(Config config) {
        apply(config);
    }

    private void apply(Config config) {
        List<Pattern> l = new ArrayList<>();
        List<String> text = new ArrayList<>();
        for (String p : config.allowed_bundles()) {
            if (p != null && !p.isBlank()) {
                l.add(TrustPolicy.glob(p.trim()));
                text.add(p.trim());
            }
        }
        configured = List.copyOf(text);
        if (extra != null) {
            for (String p : extra.split(",")) {
                if (!p.isBlank()) {
                    l.add(TrustPolicy.glob(p.trim()));
                    text.add(p.trim() + " (framework property " + EXTRA + ")");
                }
            }
        }
        allowed = l;
        logged.clear();
        told.clear();
        journal.policy("swap manager visible to bundles " + text);
    }

    /** @return whether {@code bundle} may see the swap manager */
    boolean allowed(Bundle bundle) {
        long id = bundle.getBundleId();
        if (id == 0 || id == self) {
            return true;
        }
        String bsn = bundle.getSymbolicName();
        for (Pattern p : allowed) {
            if (bsn != null && p.matcher(bsn).matches()) {
                return true;
            }
        }
        if (logged.add(id)) {
            Logger l = log;
            String line = refusal(bsn, id, configured);
            if (l != null) {
                l.warn(line);
            }
        }
        return false;
    }

    /**
     * The line a refused bundle's operator reads: who was refused, and the configuration that would
     * allow it (the deploy file's line, with the patterns configured now plus the bundle's name).
     */
    static String refusal(String bsn, long id, List<String> configured) {
        StringBuilder allow = new StringBuilder("allowed.bundles=[");
        for (String p : configured) {
            allow.append('"').append(p).append("\",");
        }
        allow.append('"').append(bsn).append("\"]");
        return "bundle " + bsn + " [" + id + "] is not allowed to see the swap manager (PID " + PID + ", allowed.bundles): it gets no service."
                + " To allow it, put this line in deploy/" + PID + ".config: " + allow + " and restart the bundle (stop " + id + ", start " + id
                + "), or start the platform with -D" + EXTRA + "=" + bsn;
    }

    /**
     * A bundle that asked for the swap manager or the journal by name (a look-up, or a listener such as
     * a DS reference or a tracker whose filter names it) and was refused is told at once where the
     * operator looks, the console (stderr), and in the journal, where swap:health (swap.monitor's health
     * check) finds it (issue 23). Bundles that only receive every service event (Event Admin, Gogo...)
     * are refused silently but for the log line.
     */
    private void tell(Bundle bundle) {
        if (told.add(bundle.getBundleId())) {
            String line = refusal(bundle.getSymbolicName(), bundle.getBundleId(), configured);
            System.err.println("swap: " + line);
            journal.refusal(SwapManager.class.getName(), bundle.getSymbolicName(), line);
        }
    }

    /** @return whether {@code filter} names the swap manager or the journal */
    private static boolean names(String filter) {
        if (filter == null) {
            return false;
        }
        for (String c : HIDDEN) {
            if (filter.contains(c)) {
                return true;
            }
        }
        return false;
    }

    private static boolean hidden(ServiceReference<?> ref) {
        for (String c : (String[]) ref.getProperty(Constants.OBJECTCLASS)) {
            if (HIDDEN.contains(c)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void find(BundleContext context, String name, String filter, boolean allServices, Collection<ServiceReference<?>> references) {
        if (name != null && !HIDDEN.contains(name)) {
            return;
        }
        boolean checked = false;
        boolean ok = true;
        for (Iterator<ServiceReference<?>> it = references.iterator(); it.hasNext();) {
            ServiceReference<?> r = it.next();
            if (hidden(r)) {
                if (!checked) {
                    ok = allowed(context.getBundle());
                    checked = true;
                    if (!ok && (name != null || names(filter))) {
                        tell(context.getBundle());
                    }
                }
                if (!ok) {
                    it.remove();
                }
            }
        }
    }

    @Override
    public void event(ServiceEvent event, Map<BundleContext, Collection<ListenerInfo>> listeners) {
        if (!hidden(event.getServiceReference())) {
            return;
        }
        listeners.entrySet().removeIf(en -> {
            try {
                BundleContext c = en.getKey();
                if (allowed(c.getBundle())) {
                    return false;
                }
                for (ListenerInfo info : en.getValue()) {
                    if (names(info.getFilter())) {
                        tell(c.getBundle());
                        break;
                    }
                }
                return true;
            } catch (IllegalStateException stale) {
                return false; // that context's bundle is stopping: the framework drops its listeners
            }
        });
    }
}
