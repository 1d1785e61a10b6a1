package swap.core.upgrade;

import swap.core.osgi.OsgiImplementationSource;
import swap.core.osgi.Platform;
import swap.kernel.Engine;
import swap.kernel.EntryImpl;
import swap.kernel.Implementation;
import swap.kernel.Initiator;
import swap.kernel.Negotiation;
import swap.kernel.Parked;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceListener;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.framework.Version;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.framework.wiring.BundleRevision;

import swap.api.Batch;
import swap.api.StateFormat;
import swap.api.StatefulComponent;
import swap.api.SwapConstants;
import swap.api.SwapException;
import swap.api.SwapOutcome;
import swap.api.SwapResult;
import swap.api.UpgradeManager;

/**
 * What the swap manager does when implementation services come and go with their bundles
 * (docs/design.md, "Upgrades and bundle life cycle").
 *
 * <p><b>In place</b> ({@code update}, {@code refresh}, a jar overwritten in FileInstall's folder).
 * The framework stops the bundle <em>transiently</em>: it stays persistently started and comes back
 * as a new revision. When such a bundle's implementation service is unregistered (the event is
 * synchronous, so the old instances are still active), each entry it backs is <em>held</em>: one
 * ordinary swap (mediator, quiescence, transfer) moves the entry from its old instance to a
 * holder, which takes the state in a format the new revision can read (one whose type the bundle
 * does not define itself: a type private to the old revision is another {@code Class} in the new
 * one) and keeps every new call waiting. When the same bundle registers an implementation of the
 * same name again, the new instance imports the held state, the entry points at it, and the waiting
 * calls resume on it. Calls wait; none fails, none detours through another implementation. If the
 * new revision brings no such implementation within the hold time (a bad jar, an activation
 * error, an import that throws), the entry moves with its state to another implementation of the
 * same name, else of any name, else back to its old instance (ORPHANED); the history says why.
 *
 * <p><b>Stopped or uninstalled for good</b> (the bundle is persistently stopped): the entries move
 * at once to the best other implementation of the same name, else of any name ({@link Engine#evacuate});
 * an entry nothing can take stays on its old instance and is shown ORPHANED
 * ({@link Implementation#goneBecause()}).
 *
 * <p><b>Registered</b>: held entries of that bundle and name move to it; ORPHANED entries of that
 * name are adopted; and if the name's upgrade policy is {@code auto} (PID
 * {@code swap.upgrade.policy}), entries on a lower version of the name move to it as one batch.
 *
 * <p>A DS component of its own: it listens to implementation services (the events are delivered
 * synchronously, so the old instances are still active while they export their state) and moves
 * entries only through the engine's protocol and operations ({@link Engine#park},
 * {@link Engine#resume}, {@link Engine#evacuate}, {@link Engine#adopt}, batches).
 *
 * <p>Fault point for the crash tests ({@link Faults}): {@code update.parked}, right after an entry
 * is parked (and journaled). A crash there leaves the bundle's old revision installed (the framework
 * writes the new one after the bundle has stopped); entries with a stable key come back from what is
 * on disk, and the journal says what the park kept only in memory ({@code Restore}).
 *
 * <p>Thread-safety: {@link #unregistering} and {@link #registered} are called by the framework's
 * event delivery (any thread); the rest runs on this class's own thread.
 */
@Component(service = Upgrades.class, configurationPid = "swap.core.manager", immediate = true)
public final class Upgrades {

    /** The swap manager's configuration (PID {@code swap.core.manager}, described by its metatype); this reads its hold time. */
    public @interface Config {
        long upgrade_hold_millis() default 5000;
    }

    private final Engine engine;
    private final BundleContext context;
    private final OsgiImplementationSource source;
    private final Map<EntryImpl<?>, Waiting> waiting = new ConcurrentHashMap<>();
    private final ScheduledExecutorService thread;
    private final ServiceListener implementations;
    private final Runnable stopUnstaged;
    private final Faults faults;
    private volatile long holdMillis;

    @Activate
    public Upgrades(BundleContext context, @Reference Platform platform, Config config) {
        this.engine = platform.engine();
        this.context = context;
        this.source = platform.source();
        this.holdMillis = config.upgrade_hold_millis();
        this.faults = Faults.of(context);
        AtomicInteger n = new AtomicInteger();
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
            Thread th = new Thread(r, "swap-upgrades-" + n.incrementAndGet());
            th.setDaemon(true);
            return th;
        });
        t.setRemoveOnCancelPolicy(true);
        this.thread = t;
        implementations = event -> {
            if (event.getType() == ServiceEvent.UNREGISTERING) {
                unregistering(event.getServiceReference());
            } else if (event.getType() == ServiceEvent.REGISTERED && !platform.staged(event.getServiceReference())) {
                registered(event.getServiceReference());
            }
        };
        try {
            context.addServiceListener(implementations, "(&(" + SwapConstants.IMPL_NAME + "=*)(" + Constants.SERVICE_SCOPE + "=" + Constants.SCOPE_PROTOTYPE + "))");
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        // A bundle off trial (its side-by-side upgrade moved its entries): its implementations count as registered now.
        stopUnstaged = platform.onUnstaged(id -> {
            Bundle b = context.getBundle(id);
            ServiceReference<?>[] refs = b == null ? null : b.getRegisteredServices();
            if (refs != null) {
                for (ServiceReference<?> r : refs) {
                    if (r.getProperty(SwapConstants.IMPL_NAME) != null && Constants.SCOPE_PROTOTYPE.equals(r.getProperty(Constants.SERVICE_SCOPE))) {
                        registered(r);
                    }
                }
            }
        });
    }

    @Modified
    void modified(Config config) {
        holdMillis = config.upgrade_hold_millis();
    }

    /** Stops listening and the thread; parked entries stay parked (their calls fail when they have waited their bound). */
    @Deactivate
    void deactivate() {
        context.removeServiceListener(implementations);
        stopUnstaged.run();
        thread.shutdownNow();
    }

    // ------------------------------------------------------------------ service events

    /** An implementation service is being unregistered (synchronous: its instances are still active). */
    void unregistering(ServiceReference<?> ref) {
        Bundle b = ref.getBundle();
        String name = OsgiImplementationSource.name(ref);
        String bsn = b == null ? "?" : b.getSymbolicName() + " (" + b.getBundleId() + ")";
        if (comesBack(b)) {
            for (EntryImpl<?> e : engine.entriesFrom(ref)) {
                hold(e, ref, b, name);
            }
        }
        // Whatever was not held (a bundle stopped for good, or no format the new revision could read):
        // to the best other implementation now; what nothing takes stays and shows ORPHANED.
        engine.evacuate(ref, "implementation " + name + " is going away (bundle " + bsn + (b != null && b.getState() == Bundle.STOPPING
                && !comesBack(b) ? " stopped" : "") + ")");
    }

    /** An implementation service was registered. */
    void registered(ServiceReference<?> ref) {
        String name = OsgiImplementationSource.name(ref);
        Bundle b = ref.getBundle();
        if (b == null) {
            return; // already gone again
        }
        long bundleId = b.getBundleId();
        for (Map.Entry<EntryImpl<?>, Waiting> me : waiting.entrySet()) {
            Waiting w = me.getValue();
            if (w.name.equals(name) && w.bundleId == bundleId && types(ref).contains(me.getKey().type().getName())) {
                thread.execute(Initiator.carry(() -> resume(me.getKey(), source.of(ref), "in-place upgrade: bundle " + b.getSymbolicName() + " (" + bundleId
                        + ") came back as " + OsgiImplementationSource.revisionOf(b) + " with implementation " + name)));
            }
        }
        Object sid = ref.getProperty(Constants.SERVICE_ID);
        engine.adopt(name, origin -> origin instanceof ServiceReference ? ((ServiceReference<?>) origin).getBundle() == null : parkedAlone(origin),
                "(" + Constants.SERVICE_ID + "=" + sid + ")",
                "adopted: implementation " + name + " is available again (service " + sid + " of bundle " + b.getSymbolicName() + " " + b.getVersion() + ")");
        if (UpgradeManager.AUTO.equals(policy(name))) {
            thread.execute(() -> pull(ref, name));
        }
    }

    /**
     * Whether {@code origin} is the park of an entry whose implementation service went away and that
     * no in-place upgrade is waiting for any more (its wait expired): such an entry is adopted, with
     * its state, by the next implementation of its name.
     */
    private boolean parkedAlone(Object origin) {
        return origin instanceof Parked p && p.was().origin() instanceof ServiceReference<?> r && r.getProperty(SwapConstants.IMPL_NAME) != null
                && waiting.keySet().stream().noneMatch(e -> e.implementation() == p);
    }

    /** Whether {@code b} is stopping only to come back: an update or a refresh (it stays persistently started), the framework not stopping. */
    private boolean comesBack(Bundle b) {
        if (b == null || b.getState() != Bundle.STOPPING) {
            return false;
        }
        Bundle system = context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION);
        if (system != null && system.getState() != Bundle.ACTIVE) {
            return false;
        }
        BundleStartLevel sl = b.adapt(BundleStartLevel.class);
        return sl != null && sl.isPersistentlyStarted();
    }

    // ------------------------------------------------------------------ auto policy

    /** The upgrade policy of {@code name}: the {@code policy} of the {@code swap.upgrade.policy} configuration naming it, else manual. */
    String policy(String name) {
        return policy(context, name);
    }

    /** The upgrade policy of {@code name} as {@code context} sees the {@code swap.upgrade.policy} configurations. */
    static String policy(BundleContext context, String name) {
        try {
            ServiceReference<?>[] refs = context.getServiceReferences(UpgradePolicy.class.getName(), "(" + UpgradePolicy.NAME + "=" + OsgiImplementationSource.escape(name) + ")");
            if (refs != null) {
                for (ServiceReference<?> r : refs) {
                    if (UpgradeManager.AUTO.equals(String.valueOf(r.getProperty(UpgradePolicy.POLICY)).trim())) {
                        return UpgradeManager.AUTO;
                    }
                }
            }
        } catch (InvalidSyntaxException | IllegalStateException e) {
            // no policy readable: manual
        }
        return UpgradeManager.MANUAL;
    }

    /** Auto policy: every entry on a lower version of {@code name} moves to {@code ref}, one batch. */
    private void pull(ServiceReference<?> ref, String name) {
        Version v = OsgiImplementationSource.version(ref);
        List<Long> ids = new ArrayList<>();
        String lower = null;
        for (EntryImpl<?> e : engine.table().entries()) {
            Implementation impl = e.implementation();
            if (!EntryImpl.RELEASED.equals(e.state()) && !waiting.containsKey(e) && name.equals(impl.name()) && version(impl.version()).compareTo(v) < 0
                    && types(ref).contains(e.type().getName())) {
                ids.add(e.id());
                lower = lower == null ? impl.version() : lower;
            }
        }
        if (ids.isEmpty() || ref.getBundle() == null) {
            return;
        }
        engine.swap(Batch.of(ids).to("(" + Constants.SERVICE_ID + "=" + ref.getProperty(Constants.SERVICE_ID) + ")")
                .reason("upgrade policy auto: " + name + " " + v + " registered (bundle " + ref.getBundle().getSymbolicName() + " "
                        + ref.getBundle().getVersion() + "), higher than " + lower));
    }

    private static List<String> types(ServiceReference<?> ref) {
        Object o = ref.getProperty(Constants.OBJECTCLASS);
        return o instanceof String[] ? List.of((String[]) o) : List.of();
    }

    private static Version version(String v) {
        try {
            return Version.parseVersion(v);
        } catch (IllegalArgumentException e) {
            return Version.emptyVersion;
        }
    }

    // ------------------------------------------------------------------ parks

    /** An entry parked by an in-place upgrade, waiting for its bundle's next revision. */
    private record Waiting(long bundleId, String bsn, String name, ServiceReference<?> ref, java.util.concurrent.ScheduledFuture<?>[] expiry) {
    }

    /**
     * Parks {@code e} (the engine's protocol: its state is kept in every format the new revision
     * may read, its calls wait) until the bundle's new revision registers its implementation again.
     */
    private void hold(EntryImpl<?> e, ServiceReference<?> ref, Bundle b, String name) {
        List<String> skipped = new ArrayList<>();
        List<StateFormat<?>> portable = portable(e.instance(), b, skipped);
        if (portable.isEmpty()) {
            return; // every format is private to the old revision: the evacuation that follows deals with it
        }
        long hold = holdMillis;
        String why = "bundle " + b.getSymbolicName() + " (" + b.getBundleId() + ") is being updated or refreshed: calls wait for its new revision (at most "
                + hold + " ms)";
        SwapResult r = engine.park(e.id(), portable, skipped, hold * 2 + engine.defaultTimeoutMillis(),
                msg -> new IllegalStateException(msg + " (the new revision of bundle " + b.getSymbolicName() + " (" + b.getBundleId() + ") did not come in time)"), why);
        if (r.outcome != SwapOutcome.COMPLETED) {
            return; // the entry stays on its old instance; the evacuation that follows moves it
        }
        java.util.concurrent.ScheduledFuture<?>[] expiry = new java.util.concurrent.ScheduledFuture<?>[1];
        waiting.put(e, new Waiting(b.getBundleId(), b.getSymbolicName(), name, ref, expiry));
        expiry[0] = thread.schedule(Initiator.carry(() -> expire(e)), hold, TimeUnit.MILLISECONDS);
        faults.reach(Faults.UPDATE_PARKED); // the crash tests: killed here, with the park journaled
    }

    /** The new revision registered {@code impl}: the parked entry resumes on it (trust gate, negotiation, import: the engine's protocol). */
    private void resume(EntryImpl<?> e, Implementation impl, String why) {
        Waiting w = waiting.get(e);
        if (w == null) {
            return;
        }
        SwapResult r = engine.resume(e.id(), List.of(impl), why);
        if (r.outcome == SwapOutcome.COMPLETED || !engine.isParked(e.id())) {
            done(e, w);
        } // else: it stays parked; the expiry tries every other candidate
    }

    /**
     * The new revision brought nothing that takes the state in time: every other implementation of
     * the same name, then of any name, is tried, newest first; if none takes it the entry stays
     * parked, with its state, and resumes on the next implementation of its name that registers.
     */
    private void expire(EntryImpl<?> e) {
        Waiting w = waiting.get(e);
        if (w == null || !engine.isParked(e.id())) {
            return;
        }
        List<Implementation> candidates = new ArrayList<>(source.candidates(e.type(), w.name, null));
        for (Implementation other : source.candidates(e.type(), "(" + SwapConstants.IMPL_NAME + "=*)", null)) {
            if (candidates.stream().noneMatch(c -> c.origin().equals(other.origin()))) {
                candidates.add(other);
            }
        }
        String late = "the new revision of bundle " + w.bsn + " (" + w.bundleId + ") brought no usable implementation " + w.name + " within " + holdMillis + " ms";
        waiting.remove(e);
        engine.resume(e.id(), candidates, late); // none can take it: the entry stays parked, and the history says why
    }

    private void done(EntryImpl<?> e, Waiting w) {
        if (waiting.remove(e, w) && w.expiry[0] != null) {
            w.expiry[0].cancel(false);
        }
    }

    /**
     * The formats {@code old} exports that its bundle's next revision can read: those whose type
     * the bundle does not define itself (a type private to a revision is another class in the next),
     * in the order the old instance imports them (its next revision most likely imports the same),
     * {@code empty} last.
     */
    private static List<StateFormat<?>> portable(Object old, Bundle b, List<String> skipped) {
        List<StateFormat<?>> exports = Negotiation.exports(old);
        List<StateFormat<?>> order = new ArrayList<>();
        for (StateFormat<?> f : Negotiation.imports(old)) {
            if (exports.contains(f)) {
                order.add(exports.get(exports.indexOf(f)));
            }
        }
        for (StateFormat<?> f : exports) {
            if (!order.contains(f)) {
                order.add(f);
            }
        }
        List<StateFormat<?>> l = new ArrayList<>();
        for (StateFormat<?> f : order) {
            Bundle owner = FrameworkUtil.getBundle(f.type());
            if (!f.equals(StateFormat.EMPTY) && (owner == null || owner.getBundleId() != b.getBundleId())) {
                l.add(f);
            } else if (skipped != null && !f.equals(StateFormat.EMPTY)) {
                skipped.add(f.name() + ": " + f.type().getName() + " is defined by bundle " + b.getSymbolicName() + " (" + b.getBundleId()
                        + ") itself, and its next revision defines it again as another class");
            }
        }
        if (exports.contains(StateFormat.EMPTY) && !(old instanceof StatefulComponent)) {
            l.add(StateFormat.EMPTY); // stateless: nothing to carry
        }
        return l;
    }

}
