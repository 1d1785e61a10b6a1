package swap.core.service;

import swap.core.osgi.Platform;
import swap.kernel.Engine;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceListener;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.hooks.service.EventListenerHook;
import org.osgi.framework.hooks.service.FindHook;
import org.osgi.framework.hooks.service.ListenerHook.ListenerInfo;
import org.osgi.framework.namespace.PackageNamespace;
import org.osgi.framework.wiring.BundleCapability;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import swap.api.SwapConstants;
import swap.api.SwappableServiceDTO;
import swap.api.SwappableServices;

/**
 * Swappable OSGi services (configuration PID {@code swap.core.services}): every service registered
 * with {@link SwapConstants#SWAPPABLE}{@code =true} by another bundle is hidden from every bundle
 * but swap.core, its own provider and the bundles that already used it (a {@link FindHook} and an
 * {@link EventListenerHook}, the proxying use of the OSGi service hooks), and a {@link Front} is
 * registered in its place whose service object is an entry's handle. When the original
 * unregisters (its bundle is updated, refreshed, stopped) the front's entries are held with their
 * state and move to the next matching original (same bundle symbolic name and component name, or
 * service interface): consumers see no service event. After the grace time without one, the
 * front is unregistered.
 *
 * <p>When swap.core stops, each front whose provider is a Declarative Services component has that
 * component disabled and enabled again (its state carried over to the new instance, as on an
 * update), so the new original is registered where every bundle sees it; then the fronts are
 * unregistered (consumers rebind to the originals) and the hooks removed.
 *
 * <p>Service events are delivered synchronously; the hooks may be called by any thread. Fronts are
 * opened and resumed on one worker thread (getting a service inside its own REGISTERED event is
 * not safe with every DS implementation); their grace times run on the same thread.
 */
@Component(service = SwappableServices.class, immediate = true, configurationPid = "swap.core.services")
@Designate(ocd = ServiceFronts.Config.class)
public class ServiceFronts implements SwappableServices {

    @ObjectClassDefinition(id = "swap.core.services", name = "Swappable services",
            description = "OSGi services registered with swap.swappable=true, fronted by swap-manager entries.")
    public @interface Config {
        @AttributeDefinition(name = "Grace time (ms)", description = "How long calls to a swappable service wait for its provider to come back "
                + "(bundle update, refresh, restart) before the front service is unregistered.", min = "1")
        long grace_millis() default 10_000;
    }

    @Reference
    Platform platform;

    @Reference(service = LoggerFactory.class)
    Logger log;

    @Reference
    ServiceComponentRuntime scr;

    private BundleContext context;
    private long self;
    private volatile long graceMillis;
    private volatile boolean stopping;
    private ScheduledExecutorService worker;
    private ServiceRegistration<?> hooks;
    private final ServiceListener listener = this::serviceChanged;
    /** service id -> whether it is hidden (decided once, at its REGISTERED event or when swap.core started) */
    private final Map<Long, Boolean> hidden = new ConcurrentHashMap<>();
    /** service id -> the bundles that used it before it was hidden (they keep seeing it) */
    private final Map<Long, Set<Long>> earlierUsers = new ConcurrentHashMap<>();
    private final List<Front> fronts = new CopyOnWriteArrayList<>();
    private Runnable stopUnstaged = () -> { };

    @Activate
    void activate(BundleContext context, Config config) throws InvalidSyntaxException {
        this.context = context;
        this.self = context.getBundle().getBundleId();
        this.graceMillis = config.grace_millis();
        ScheduledThreadPoolExecutor w = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "swap-services");
            t.setDaemon(true);
            return t;
        });
        w.setRemoveOnCancelPolicy(true);
        worker = w;
        hooks = context.registerService(new String[] {FindHook.class.getName(), EventListenerHook.class.getName()}, new Hooks(), null);
        String filter = "(" + SwapConstants.SWAPPABLE + "=true)";
        context.addServiceListener(listener, filter);
        stopUnstaged = platform.onUnstaged(this::unstaged);
        ServiceReference<?>[] existing = context.getAllServiceReferences(null, filter);
        if (existing != null) {
            for (ServiceReference<?> ref : existing) {
                if (decide(ref)) {
                    registered(ref);
                }
            }
        }
    }

    @Modified
    void modified(Config config) {
        graceMillis = config.grace_millis();
    }

    @Deactivate
    void deactivate() {
        stopping = true; // originals registered from now on are not hidden
        for (Front f : fronts) {
            restartProvider(f);
        }
        hidden.clear(); // nothing is hidden any more: lookups find the originals
        for (Front f : fronts) {
            f.close(); // consumers see the front unregistering and rebind to the original
        }
        fronts.clear();
        hooks.unregister();
        context.removeServiceListener(listener);
        stopUnstaged.run();
        worker.shutdownNow();
    }

    /**
     * Disables and enables the DS component behind an active front, so that its original registers
     * again where every bundle sees it; the entries move to it with their state, as on an update.
     * Other providers keep their original, which bundles that looked it up while it was hidden find
     * only by looking again.
     */
    private void restartProvider(Front f) {
        String component = f.componentName();
        ServiceReference<?> ref = f.original();
        Bundle b = ref.getBundle();
        if (component == null || b == null || !f.is(Front.ACTIVE)) {
            return;
        }
        try {
            ComponentDescriptionDTO d = scr.getComponentDescriptionDTO(b, component);
            if (d == null) {
                return;
            }
            scr.disableComponent(d).getValue();
            scr.enableComponent(d).getValue();
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(graceMillis);
            while (!f.is(Front.ACTIVE) && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            if (!f.is(Front.ACTIVE)) {
                log.warn("swap.core stopping: component " + component + " of " + b.getSymbolicName() + " did not register again within "
                        + graceMillis + " ms; its consumers rebind when it does");
            }
        } catch (Exception ex) {
            log.warn("swap.core stopping: could not restart component " + component + " of " + b.getSymbolicName() + ": " + ex);
        }
    }

    /**
     * The scope a provider means: a DS component's declared scope (SCR registers a singleton
     * component through a service factory, so its {@code service.scope} reads {@code bundle}), else
     * the registration's {@code service.scope}.
     */
    String scopeOf(ServiceReference<?> ref) {
        Object component = ref.getProperty("component.name");
        Bundle b = ref.getBundle();
        if (component != null && b != null) {
            try {
                ComponentDescriptionDTO d = scr.getComponentDescriptionDTO(b, component.toString());
                if (d != null && d.scope != null) {
                    return d.scope;
                }
            } catch (RuntimeException notDs) {
                // fall back to the registration's scope
            }
        }
        Object s = ref.getProperty(Constants.SERVICE_SCOPE);
        return s == null ? Constants.SCOPE_SINGLETON : s.toString();
    }

    BundleContext context() {
        return context;
    }

    Engine engine() {
        return platform.engine();
    }

    Logger log() {
        return log;
    }

    ScheduledExecutorService timer() {
        return worker;
    }

    long graceMillis() {
        return graceMillis;
    }

    /** How long a held call waits at most: the grace time plus a margin for the expiry to run (then it fails). */
    long maxWaitMillis() {
        return 2 * graceMillis + 5_000;
    }

    /** Makes a hidden original visible again (its front could not be registered). */
    void unhide(ServiceReference<?> ref) {
        hidden.put((Long) ref.getProperty(Constants.SERVICE_ID), false);
    }

    void forget(Front f) {
        fronts.remove(f);
    }

    @Override
    public List<SwappableServiceDTO> list() {
        List<SwappableServiceDTO> l = new ArrayList<>();
        for (Front f : fronts) {
            l.add(f.describe());
        }
        l.sort(Comparator.comparingLong((SwappableServiceDTO d) -> d.frontServiceId));
        return l;
    }

    // ---------------------------------------------------------------- hiding

    private static boolean swappable(ServiceReference<?> ref) {
        Object v = ref.getProperty(SwapConstants.SWAPPABLE);
        return v instanceof Boolean ? (Boolean) v : v != null && "true".equalsIgnoreCase(v.toString().trim());
    }

    /** Decides once whether a swappable service gets a front (then it is hidden); logs why not. */
    private boolean decide(ServiceReference<?> ref) {
        Bundle provider = ref.getBundle();
        if (provider == null || provider.getBundleId() == self || !swappable(ref)) {
            return false;
        }
        Long id = (Long) ref.getProperty(Constants.SERVICE_ID);
        return hidden.computeIfAbsent(id, k -> {
            if (stopping) {
                return false;
            }
            String why = refusal(ref, provider);
            if (why == null && !hasFront(ref)) {
                // The trust gate for a new swappable service: a refused provider gets no front, so no entry ever runs on it
                // (its service is left as it is). A later provider of an existing front is hidden as usual and the gate
                // refuses the front's move to it: the front keeps its entries where they are.
                String refused = platform.source().refusal(ref, ((String[]) ref.getProperty(Constants.OBJECTCLASS))[0]);
                why = refused == null ? null : "the trust policy refuses it: " + refused;
            }
            if (why != null) {
                log.warn("swappable service " + k + " of " + provider.getSymbolicName() + " " + provider.getVersion()
                        + " is left alone (no front): " + why);
                return false;
            }
            Set<Long> users = ConcurrentHashMap.newKeySet();
            Bundle[] using = ref.getUsingBundles();
            if (using != null) {
                for (Bundle b : using) {
                    users.add(b.getBundleId());
                }
            }
            earlierUsers.put(k, users);
            return true;
        });
    }

    /** @return whether a front already stands for the service {@code ref} provides (an update or a newer version of its provider) */
    private boolean hasFront(ServiceReference<?> ref) {
        String k = key(ref);
        for (Front f : fronts) {
            if (f.key.equals(k)) {
                return true;
            }
        }
        return false;
    }

    /** @return why {@code ref} cannot have a front, or {@code null} */
    static String refusal(ServiceReference<?> ref, Bundle provider) {
        String[] names = (String[]) ref.getProperty(Constants.OBJECTCLASS);
        if (names.length != 1) {
            return "it is registered under " + names.length + " names " + List.of(names) + "; a front stands for exactly one interface";
        }
        Class<?> type;
        try {
            type = provider.loadClass(names[0]);
        } catch (ClassNotFoundException | RuntimeException ex) {
            return "its interface " + names[0] + " cannot be loaded from its bundle";
        }
        if (!type.isInterface() || !java.lang.reflect.Modifier.isPublic(type.getModifiers())) {
            return names[0] + " is not a public interface";
        }
        Bundle owner = FrameworkUtil.getBundle(type);
        if (owner != null && owner.getBundleId() != 0 && !exports(owner, type.getPackageName())) {
            return "its interface package " + type.getPackageName() + " is private to bundle " + owner.getSymbolicName()
                    + " (not exported), so no other bundle can use a front of it; export the package from an API bundle";
        }
        return null;
    }

    private static boolean exports(Bundle owner, String pkg) {
        BundleWiring w = owner.adapt(BundleWiring.class);
        if (w == null) {
            return false;
        }
        for (BundleCapability c : w.getCapabilities(PackageNamespace.PACKAGE_NAMESPACE)) {
            if (pkg.equals(c.getAttributes().get(PackageNamespace.PACKAGE_NAMESPACE))) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code viewer} must not see {@code ref}: a hidden original, not its provider, not swap.core, not an earlier user. */
    private boolean hiddenFrom(ServiceReference<?> ref, Bundle viewer) {
        if (viewer == null || viewer.getBundleId() == self || viewer.getBundleId() == 0) {
            return false;
        }
        Long id = (Long) ref.getProperty(Constants.SERVICE_ID);
        if (!Boolean.TRUE.equals(hidden.get(id))) {
            return false;
        }
        if (viewer.equals(ref.getBundle())) {
            return false;
        }
        Set<Long> earlier = earlierUsers.get(id);
        return earlier == null || !earlier.contains(viewer.getBundleId());
    }

    private final class Hooks implements FindHook, EventListenerHook {
        @Override
        public void find(BundleContext ctx, String name, String filter, boolean allServices, Collection<ServiceReference<?>> refs) {
            if (refs.isEmpty() || hidden.isEmpty()) {
                return;
            }
            Bundle viewer = ctx.getBundle();
            refs.removeIf(r -> swappable(r) && hiddenFrom(r, viewer));
        }

        @Override
        public void event(ServiceEvent event, Map<BundleContext, Collection<ListenerInfo>> listeners) {
            ServiceReference<?> ref = event.getServiceReference();
            if (!swappable(ref)) {
                return;
            }
            if (event.getType() == ServiceEvent.REGISTERED) {
                decide(ref); // before any listener hears of it
            }
            listeners.keySet().removeIf(ctx -> hiddenFrom(ref, ctx.getBundle()));
        }
    }

    // ---------------------------------------------------------------- events

    private void serviceChanged(ServiceEvent event) {
        ServiceReference<?> ref = event.getServiceReference();
        Bundle b = ref.getBundle();
        if (b == null || b.getBundleId() == self) {
            return;
        }
        switch (event.getType()) {
            case ServiceEvent.REGISTERED -> {
                if (decide(ref) || stopping) {
                    registered(ref);
                }
            }
            case ServiceEvent.MODIFIED -> {
                for (Front f : fronts) {
                    f.modified(ref);
                }
            }
            case ServiceEvent.UNREGISTERING, ServiceEvent.MODIFIED_ENDMATCH -> {
                for (Front f : fronts) {
                    f.providerLeaving(ref);
                }
                Long id = (Long) ref.getProperty(Constants.SERVICE_ID);
                if (event.getType() == ServiceEvent.UNREGISTERING) {
                    hidden.remove(id);
                    earlierUsers.remove(id);
                }
            }
            default -> {
            }
        }
    }

    /** What makes a later original stand for the same service: its bundle's symbolic name and its component name, else its interface. */
    private static String key(ServiceReference<?> ref) {
        Object component = ref.getProperty("component.name");
        String[] names = (String[]) ref.getProperty(Constants.OBJECTCLASS);
        return ref.getBundle().getSymbolicName() + "/" + (component != null ? component : String.join(",", names)) + "/" + names[0];
    }

    /** A hidden original registered (or, while stopping, any swappable one): a held front resumes on it, a newer version replaces, else a new front. */
    private void registered(ServiceReference<?> ref) {
        registered(ref, worker);
    }

    /** A bundle came off trial (its side-by-side upgrade moved its entries): its swappable services are taken as new ones, the fronts moved before this returns. */
    private void unstaged(long bundleId) {
        Bundle b = context.getBundle(bundleId);
        ServiceReference<?>[] refs = b == null ? null : b.getRegisteredServices();
        if (refs != null) {
            for (ServiceReference<?> ref : refs) {
                if (swappable(ref) && hidden.containsKey((Long) ref.getProperty(Constants.SERVICE_ID))) {
                    registered(ref, Runnable::run);
                }
            }
        }
    }

    private synchronized void registered(ServiceReference<?> ref, java.util.concurrent.Executor worker) {
        if (platform.staged(ref)) {
            return; // a bundle on trial (an upgrade not done, a dry run): no front moves to it; see unstaged()
        }
        String key = key(ref);
        for (Front f : fronts) {
            if (!f.key.equals(key)) {
                continue;
            }
            if (f.is(Front.HELD) || f.is(Front.PARKED)) {
                worker.execute(() -> f.resume(ref));
                return;
            }
            if (!stopping && f.is(Front.ACTIVE) && newer(ref, f.original())) {
                worker.execute(() -> f.move(ref));
                return;
            }
        }
        if (stopping) {
            return;
        }
        Class<?> type;
        try {
            type = ref.getBundle().loadClass(((String[]) ref.getProperty(Constants.OBJECTCLASS))[0]);
        } catch (ClassNotFoundException | RuntimeException ex) {
            hidden.remove((Long) ref.getProperty(Constants.SERVICE_ID));
            return;
        }
        Front f = new Front(this, ref, key, type);
        fronts.add(f);
        worker.execute(f::open);
    }

    private static boolean newer(ServiceReference<?> ref, ServiceReference<?> than) {
        Bundle a = ref.getBundle();
        Bundle b = than.getBundle();
        return a != null && b != null && a.getBundleId() != b.getBundleId() && a.getVersion().compareTo(b.getVersion()) > 0;
    }
}
