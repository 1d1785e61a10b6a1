package swap.core.service;

import swap.kernel.Engine;
import swap.kernel.EntryImpl;
import swap.kernel.Implementation;
import swap.kernel.JoinedLoader;
import swap.kernel.Negotiation;
import swap.kernel.Parked;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.PrototypeServiceFactory;
import org.osgi.framework.ServiceFactory;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;

import swap.api.StateFormat;
import swap.api.SwapConstants;
import swap.api.SwapException;
import swap.api.SwapOutcome;
import swap.api.SwapResult;
import swap.api.SwappableServiceDTO;

/**
 * One swappable service: the front registration that stands for a hidden original, and the
 * entries behind it (one for a singleton; one per consuming bundle or per {@code getService} for
 * bundle and prototype scope, made by the front's service factory).
 *
 * <p>Life: PENDING (original hidden, front not yet registered) -> ACTIVE (entries run on the
 * original's instances) -> HELD (the original is unregistering: each entry was swapped, with the
 * ordinary protocol, to a {@link Parked} that took its state; calls wait) -> ACTIVE again when a
 * matching original registers ({@link #resume}: the held state is imported into the new instance,
 * then the calls go on), or PARKED after the grace time ({@link #expire}: the front stays, with the
 * parked state, and its calls fail at once until a matching provider registers or an operator
 * releases the entries). Parking and resuming are the engine's operations ({@link Engine#park},
 * {@link Engine#resume}): trust gate, negotiation against the new instance's imports, journal.
 *
 * <p>Concurrency: every change of state, entries and registration happens under this object's
 * monitor, except the unregistration of the front (done outside it, since the framework calls back
 * into the factory while it unregisters). Calls through the handles never take it.
 */
final class Front {

    static final String PENDING = "PENDING";
    static final String ACTIVE = "ACTIVE";
    static final String HELD = "HELD";
    /** The grace time ended without a matching provider: the front stays, with its entries' parked state. */
    static final String PARKED = "PARKED";
    static final String GONE = "GONE";

    private static final Set<String> NOT_COPIED = Set.of(Constants.SERVICE_ID, Constants.SERVICE_BUNDLEID, Constants.SERVICE_SCOPE,
            Constants.OBJECTCLASS, "component.id");

    private final ServiceFronts owner;
    final String key;
    final Class<?> type;
    private final String scope;

    // guarded by this
    private ServiceReference<?> original;
    private ServiceRegistration<?> registration;
    /** entry -> the consuming bundle it was made for ({@code null}: the singleton's shared entry) */
    private final Map<EntryImpl<?>, Bundle> entries = new LinkedHashMap<>();
    private String state = PENDING;
    private long moves;
    private String lastMove;
    private ScheduledFuture<?> expiry;
    private String providerBsn;
    private String providerVersion;
    private long providerId;
    private Dictionary<String, Object> published;

    Front(ServiceFronts owner, ServiceReference<?> original, String key, Class<?> type) {
        this.owner = owner;
        this.key = key;
        this.type = type;
        this.original = original;
        this.scope = owner.scopeOf(original);
        provider(original);
    }

    private void provider(ServiceReference<?> ref) {
        Bundle b = ref.getBundle();
        if (b != null) {
            providerBsn = b.getSymbolicName();
            providerVersion = b.getVersion().toString();
            providerId = b.getBundleId();
        }
    }

    synchronized boolean is(String s) {
        return state.equals(s);
    }

    synchronized ServiceReference<?> original() {
        return original;
    }

    /** Worker thread: registers the front service. */
    void open() {
        synchronized (this) {
            if (!state.equals(PENDING)) {
                return;
            }
            try {
                Dictionary<String, Object> props = properties(original);
                Object service;
                if (Constants.SCOPE_SINGLETON.equals(scope)) {
                    EntryImpl<?> shared = newEntry(null);
                    props.put(SwapConstants.FRONT_ENTRY_ID, shared.id());
                    service = shared.handle();
                } else {
                    service = factory();
                }
                published = props;
                registration = owner.context().registerService(type.getName(), service, props);
                state = ACTIVE;
                owner.log().info("swappable service " + type.getName() + " of " + providerBsn + " " + providerVersion + " (service "
                        + original.getProperty(Constants.SERVICE_ID) + ", " + scope + " scope): front service "
                        + registration.getReference().getProperty(Constants.SERVICE_ID) + " registered in its place");
                return;
            } catch (RuntimeException ex) {
                state = GONE;
                for (EntryImpl<?> e : entries.keySet()) {
                    owner.engine().release(e.id());
                }
                entries.clear();
                owner.unhide(original);
                owner.log().error("swappable service " + type.getName() + " of " + providerBsn + ": no front could be registered ("
                        + ex + "); the original is visible again, but bundles that looked for it meanwhile did not see it", ex);
            }
        }
        owner.forget(this);
    }

    /** The original's properties, less the framework's own and {@code component.id} (which changes with every provider instance). */
    private static Dictionary<String, Object> properties(ServiceReference<?> ref) {
        Dictionary<String, Object> d = new Hashtable<>();
        for (String k : ref.getPropertyKeys()) {
            if (!NOT_COPIED.contains(k)) {
                d.put(k, ref.getProperty(k));
            }
        }
        return d;
    }

    /** The service factory of a bundle or prototype scope front: a proxy whose class loader sees the service interface (Felix checks that). */
    private Object factory() {
        Class<?> f = Constants.SCOPE_PROTOTYPE.equals(scope) ? PrototypeServiceFactory.class : ServiceFactory.class;
        ClassLoader loader = new JoinedLoader(List.of(type.getClassLoader(), ServiceFactory.class.getClassLoader(), Front.class.getClassLoader()));
        InvocationHandler h = (proxy, method, args) -> switch (method.getName()) {
            case "getService" -> consumerGet((Bundle) args[0]);
            case "ungetService" -> {
                consumerUnget(args[2]);
                yield null;
            }
            case "equals" -> proxy == args[0];
            case "hashCode" -> System.identityHashCode(proxy);
            default -> "front factory of " + type.getName();
        };
        return Proxy.newProxyInstance(loader, new Class<?>[] {f}, h);
    }

    private BundleContext userContext(Bundle consumer) {
        BundleContext c = consumer == null ? null : consumer.getBundleContext();
        return c != null ? c : owner.context();
    }

    /** An entry on the current original's instance for {@code consumer}, or on an empty hold while the provider is away. */
    private EntryImpl<?> newEntry(Bundle consumer) {
        EntryImpl<?> e;
        if (state.equals(HELD) || state.equals(PARKED)) {
            e = (EntryImpl<?>) owner.engine().parkedEntry(type, new Away(providerBsn, providerVersion), "provider " + providerBsn + " " + providerVersion
                    + " is away", state.equals(HELD) ? owner.maxWaitMillis() : 0, Front::unavailable);
        } else {
            ServiceImplementation impl = new ServiceImplementation(original, userContext(consumer), this);
            e = owner.engine().entry(type, impl, Engine.instantiate(type, impl));
        }
        entries.put(e, consumer);
        return e;
    }

    private synchronized Object consumerGet(Bundle consumer) {
        if (state.equals(GONE)) {
            return null;
        }
        return newEntry(consumer).handle();
    }

    private void consumerUnget(Object handle) {
        EntryImpl<?> gone = null;
        synchronized (this) {
            for (EntryImpl<?> e : entries.keySet()) {
                if (e.handle() == handle) {
                    gone = e;
                    break;
                }
            }
            if (gone != null) {
                entries.remove(gone);
            }
        }
        if (gone != null) {
            owner.engine().release(gone.id()); // the consumer let go of it
        }
    }

    /** What a call that waited for the provider in vain throws: what the original's consumers would have seen. */
    static RuntimeException unavailable(String why) {
        return new org.osgi.framework.ServiceException(why, org.osgi.framework.ServiceException.UNREGISTERED);
    }

    /** The implementation an entry made while the provider is away is parked on: named after the provider. */
    private static final class Away extends Implementation.Named {
        Away(String bsn, String version) {
            super(bsn, version, bsn);
        }

        @Override
        public Object origin() {
            return this;
        }

        @Override
        public Object newInstance() {
            throw new SwapException("the provider is away");
        }

        @Override
        public void release(Object instance) {
        }
    }

    /** A property change of the current original: the front's properties follow (consumers see MODIFIED). */
    synchronized void modified(ServiceReference<?> ref) {
        if (ref.equals(original) && registration != null && state.equals(ACTIVE)) {
            republish(ref);
        }
    }

    private void republish(ServiceReference<?> ref) {
        Dictionary<String, Object> props = properties(ref);
        Object id = published.get(SwapConstants.FRONT_ENTRY_ID);
        if (id != null) {
            props.put(SwapConstants.FRONT_ENTRY_ID, id);
        }
        if (!props.equals(published)) {
            published = props;
            registration.setProperties(props);
        }
    }

    /**
     * The original is unregistering (its bundle stops, is updated, refreshed or uninstalled; the
     * event is synchronous, so its instances are still active): every entry is swapped to a hold
     * that takes its state, and the front waits for a matching original for the grace time.
     */
    void providerLeaving(ServiceReference<?> ref) {
        synchronized (this) {
            if (!ref.equals(original) || !state.equals(ACTIVE)) {
                if (ref.equals(original) && state.equals(PENDING)) {
                    state = GONE; // never opened
                } else {
                    return;
                }
            } else {
                String reason = "provider " + providerBsn + " " + providerVersion + " is going away (service "
                        + ref.getProperty(Constants.SERVICE_ID) + " unregistering): calls wait for it";
                for (EntryImpl<?> e : entries.keySet()) {
                    SwapResult r = owner.engine().park(e.id(), portableFirst(Negotiation.exports(e.instance()), ref.getBundle()), List.of(), owner.maxWaitMillis(),
                            Front::unavailable, reason);
                    if (r.outcome != SwapOutcome.COMPLETED) {
                        owner.log().error("entry " + e.id() + " of swappable service " + type.getName() + " could not be held (" + r.outcome
                                + ": " + r.reason + "); its calls fail while " + providerBsn + " is away, and it moves to the next provider without state");
                    }
                }
                state = HELD;
                expiry = owner.timer().schedule(this::expire, owner.graceMillis(), TimeUnit.MILLISECONDS);
                return;
            }
        }
        owner.forget(this);
    }

    /** The old instance's export formats, those whose type a new bundle revision can see (not the provider's own classes) first. */
    private static List<StateFormat<?>> portableFirst(List<StateFormat<?>> exports, Bundle provider) {
        List<StateFormat<?>> l = new ArrayList<>();
        List<StateFormat<?>> local = new ArrayList<>();
        for (StateFormat<?> f : exports) {
            Bundle owner = FrameworkUtil.getBundle(f.type());
            (provider != null && provider.equals(owner) ? local : l).add(f);
        }
        l.addAll(local);
        return l;
    }

    /** Worker thread: a matching original registered while the front was held: the entries move to it with their state. */
    void resume(ServiceReference<?> next) {
        synchronized (this) {
            if (!state.equals(HELD) && !state.equals(PARKED)) {
                return;
            }
            String reason = "provider " + bundleLabel(next) + " is back (service " + next.getProperty(Constants.SERVICE_ID) + ")";
            List<String> problems = new ArrayList<>();
            for (Map.Entry<EntryImpl<?>, Bundle> me : entries.entrySet()) {
                String p = moveHeld(me.getKey(), new ServiceImplementation(next, userContext(me.getValue()), this), reason);
                if (p != null) {
                    problems.add("entry " + me.getKey().id() + ": " + p);
                }
            }
            original = next;
            provider(next);
            if (!problems.isEmpty()) {
                lastMove = String.join("; ", problems);
                owner.log().error("swappable service " + type.getName() + ": " + reason + ", but " + lastMove
                        + "; the front keeps the parked state (swap:services), a later matching provider is tried again, swap:release drops it");
                return; // still HELD or PARKED: a later matching original is tried again
            }
            if (expiry != null) {
                expiry.cancel(false);
            }
            state = ACTIVE;
            moves++;
            lastMove = "moved " + entries.size() + " entr" + (entries.size() == 1 ? "y" : "ies") + " to " + bundleLabel(next) + " with state";
            republish(next);
            owner.log().info("swappable service " + type.getName() + ": " + lastMove);
        }
    }

    private static String bundleLabel(ServiceReference<?> ref) {
        Bundle b = ref.getBundle();
        return b == null ? "(gone)" : b.getSymbolicName() + " " + b.getVersion();
    }

    /** Moves a parked entry to a new instance of {@code impl} with its state (the engine's resume). @return {@code null} or the problem */
    private String moveHeld(EntryImpl<?> e, ServiceImplementation impl, String reason) {
        SwapResult r = owner.engine().isParked(e.id()) ? owner.engine().resume(e.id(), List.of(impl), reason)
                : owner.engine().execute(e, () -> impl, null, reason, 0); // it could not be parked: the ordinary swap, from whatever it runs on
        return r.outcome == SwapOutcome.COMPLETED ? null : r.outcome + ": " + r.reason;
    }

    /**
     * Worker thread: a higher version of the provider registered beside the current one (a side-by-side
     * upgrade): every entry moves to it with the ordinary swap protocol, the old one still running.
     */
    synchronized void move(ServiceReference<?> next) {
        if (!state.equals(ACTIVE)) {
            return;
        }
        String reason = "provider replaced by " + bundleLabel(next);
        List<String> problems = new ArrayList<>();
        for (Map.Entry<EntryImpl<?>, Bundle> me : entries.entrySet()) {
            ServiceImplementation impl = new ServiceImplementation(next, userContext(me.getValue()), this);
            SwapResult r = owner.engine().execute(me.getKey(), () -> impl, null, reason, 0);
            if (r.outcome != SwapOutcome.COMPLETED) {
                problems.add("entry " + me.getKey().id() + " " + r.outcome + ": " + r.reason);
            }
        }
        if (problems.isEmpty()) {
            original = next;
            provider(next);
            moves++;
            lastMove = "moved " + entries.size() + " entr" + (entries.size() == 1 ? "y" : "ies") + " to " + bundleLabel(next) + " (side by side)";
            republish(next);
            owner.log().info("swappable service " + type.getName() + ": " + lastMove);
        } else {
            lastMove = String.join("; ", problems);
            owner.log().error("swappable service " + type.getName() + ": " + reason + " failed: " + lastMove);
        }
    }

    /**
     * Timer thread: the grace time ended and no matching provider came back. The front stays
     * registered and keeps its entries' parked state (nothing an operator did asked to drop it); from
     * now on its calls fail at once, as calls to the unregistered original would, until a matching
     * provider registers (the entries resume on it with their state) or an operator releases them.
     */
    void expire() {
        synchronized (this) {
            if (!state.equals(HELD)) {
                return;
            }
            state = PARKED;
            for (EntryImpl<?> e : entries.keySet()) {
                owner.engine().parkedCallWait(e.id(), 0);
            }
            lastMove = "provider " + providerBsn + " " + providerVersion + " did not come back within " + owner.graceMillis()
                    + " ms: calls fail until a matching provider registers; the state stays parked (swap:release ID drops it)";
            owner.log().warn("swappable service " + type.getName() + ": " + lastMove);
        }
    }

    /** Unregisters the front (consumers see UNREGISTERING), then releases its entries and lets held calls fail. */
    void close() {
        ServiceRegistration<?> reg;
        synchronized (this) {
            state = GONE;
            reg = registration;
            registration = null;
            if (expiry != null) {
                expiry.cancel(false);
            }
        }
        if (reg != null) {
            try {
                reg.unregister();
            } catch (IllegalStateException already) {
                // unregistered with swap.core's bundle
            }
        }
        List<EntryImpl<?>> l;
        synchronized (this) {
            l = new ArrayList<>(entries.keySet());
            entries.clear();
        }
        for (EntryImpl<?> e : l) {
            owner.engine().release(e.id());
        }
    }

    synchronized String componentName() {
        Object n = original.getProperty("component.name");
        return n == null ? null : n.toString();
    }

    synchronized SwappableServiceDTO describe() {
        SwappableServiceDTO d = new SwappableServiceDTO();
        d.interfaces = List.of(type.getName());
        d.frontServiceId = registration == null ? -1 : (Long) registration.getReference().getProperty(Constants.SERVICE_ID);
        d.originalServiceId = state.equals(HELD) || state.equals(PARKED) ? -1 : (Long) original.getProperty(Constants.SERVICE_ID);
        d.scope = scope;
        d.providerBundle = providerBsn;
        d.providerVersion = providerVersion;
        d.providerBundleId = providerId;
        d.state = state;
        d.entryIds = entries.keySet().stream().map(EntryImpl::id).toList();
        List<String> consumers = new ArrayList<>();
        Bundle[] using = registration == null ? null : registration.getReference().getUsingBundles();
        if (using != null) {
            for (Bundle b : using) {
                consumers.add(b.getSymbolicName());
            }
        }
        d.consumers = consumers;
        d.moves = moves;
        d.lastMove = lastMove;
        return d;
    }
}
