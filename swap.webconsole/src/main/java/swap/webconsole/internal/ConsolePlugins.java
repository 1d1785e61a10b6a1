package swap.webconsole.internal;

import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;

import jakarta.servlet.Servlet;

import org.apache.felix.webconsole.servlet.ServletConstants;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

import swap.api.SwapJournal;
import swap.api.SwapManager;
import swap.api.SwappableServices;
import swap.api.UpgradeManager;

/**
 * DS glue: holds the platform's services (each optional and dynamic: a page says which one is
 * missing) and registers one Web Console plug-in servlet per {@link Page} (label, title, category
 * {@value #CATEGORY}). The fleet is read through swap.fleet's {@code fleet:nodes} and
 * {@code fleet:status} commands (its only public face; its classes are private), and counts as
 * configured while swap.fleet's component for PID {@code swap.fleet} is registered.
 */
@Component(immediate = true)
public final class ConsolePlugins implements Platform {
    static final String CATEGORY = "Swap";
    private static final String FLEET_SERVICE = "swap.fleet.internal.Fleet";

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile SwapManager manager;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile UpgradeManager upgrades;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile SwapJournal journal;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile SwappableServices services;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile HealthSource health;

    private final BundleContext context;
    private final List<ServiceRegistration<Servlet>> registrations = new ArrayList<>();

    @Activate
    public ConsolePlugins(BundleContext context) {
        this.context = context;
        Confirmations confirmations = new Confirmations();
        for (Page p : Page.values()) {
            Hashtable<String, Object> props = new Hashtable<>();
            props.put(ServletConstants.PLUGIN_LABEL, p.label);
            props.put(ServletConstants.PLUGIN_TITLE, p.title);
            props.put(ServletConstants.PLUGIN_CATEGORY, CATEGORY);
            registrations.add(context.registerService(Servlet.class, new PageServlet(p, this, confirmations), props));
        }
    }

    @Deactivate
    void deactivate() {
        for (ServiceRegistration<Servlet> r : registrations) {
            try {
                r.unregister();
            } catch (IllegalStateException alreadyGone) {
                // the bundle is stopping
            }
        }
    }

    @Override
    public SwapManager manager() {
        return manager;
    }

    @Override
    public UpgradeManager upgrades() {
        return upgrades;
    }

    @Override
    public SwapJournal journal() {
        return journal;
    }

    @Override
    public SwappableServices services() {
        return services;
    }

    @Override
    public Health health() {
        HealthSource h = health;
        return h == null ? null : h.run();
    }

    @Override
    public Fleet fleet() {
        try {
            ServiceReference<?>[] fleet = context.getServiceReferences((String) null, "(objectClass=" + FLEET_SERVICE + ")");
            ServiceReference<?>[] commands = context.getServiceReferences((String) null, "(&(osgi.command.scope=fleet)(osgi.command.function=status))");
            if (fleet == null || fleet.length == 0) {
                return new Fleet(false, null, null, commands == null ? "bundle swap.fleet is not active." :
                        "configure PID swap.fleet, e.g. a file deploy/swap.fleet.cfg with connect=zkhost:2181 (and node=NAME, labels=a,b); see docs/fleet.md");
            }
            if (commands == null || commands.length == 0) {
                return new Fleet(true, "-", "-", "the fleet:* commands are not registered; scr:list shows swap.fleet's components");
            }
            Object c = context.getService(commands[0]);
            if (c == null) {
                return new Fleet(true, "-", "-", "the fleet:* commands are not available");
            }
            try {
                return new Fleet(true, call(c, "nodes"), call(c, "status"), null);
            } finally {
                context.ungetService(commands[0]);
            }
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A fleet command's text, or its one-line error. */
    private static String call(Object commands, String function) {
        try {
            return String.valueOf(commands.getClass().getMethod(function).invoke(commands));
        } catch (InvocationTargetException e) {
            return String.valueOf(e.getCause().getMessage());
        } catch (ReflectiveOperationException | RuntimeException e) {
            return "fleet:" + function + " could not be called: " + e;
        }
    }
}
