package swap.core.upgrade;

import swap.core.osgi.OsgiImplementationSource;
import swap.core.journal.JournalService;
import swap.core.osgi.Platform;
import swap.core.safe.SafeSwaps;
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
import java.util.Set;
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
import swap.api.SwapOptions;
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
    private final SafeSwaps safeSwaps;
    private final JournalService journal;
    /** In-place updates under a watch, by bundle id: open from the old revision's stop until each held entry resumed or gave up. */
    private final Map<Long, InPlace> inPlace = new ConcurrentHashMap<>();
    /** Bundles a watch is updating back to their previous revision: that update is not watched again. */
    private final Set<Long> reverting = ConcurrentHashMap.newKeySet();
    private volatile long holdMillis;

    @Activate
    public Upgrades(BundleContext context, @Reference Platform platform, @Reference JournalService journal, Config config) {
        this.journal = journal;
        this.engine = platform.engine();
        this.context = context;
        this.source = platform.source();
        this.holdMillis = config.upgrade_hold_millis();
        this.faults = Faults.of(context);
        this.safeSwaps = platform.safeSwaps();
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
            List<EntryImpl<?>> entries = new ArrayList<>(engine.entriesFrom(ref));
            InPlace watched = watchUpdate(b, name, entries);
            for (EntryImpl<?> e : entries) {
                if (!hold(e, ref, b, name) && watched != null) {
                    watched.settle(e, null); // not held: the evacuation moves it elsewhere, unwatched
                }
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

    /**
     * The safety gates the {@code swap.upgrade.policy} configuration of {@code name} asks for its
     * automatic moves ({@code watch.millis}, {@code canary}): {@link SwapOptions#plain()} if none.
     */
    static SwapOptions gates(BundleContext context, String name) {
        long watch = 0;
        boolean canary = false;
        try {
            ServiceReference<?>[] refs = context.getServiceReferences(UpgradePolicy.class.getName(), "(" + UpgradePolicy.NAME + "=" + OsgiImplementationSource.escape(name) + ")");
            if (refs != null) {
                for (ServiceReference<?> r : refs) {
                    Object w = r.getProperty(UpgradePolicy.WATCH);
                    if (w != null) {
                        watch = Math.max(watch, Long.parseLong(String.valueOf(w).trim()));
                    }
                    canary |= Boolean.parseBoolean(String.valueOf(r.getProperty(UpgradePolicy.CANARY)).trim());
                }
            }
        } catch (InvalidSyntaxException | IllegalStateException | NumberFormatException e) {
            // no readable gates: none (the metatype makes watch.millis a long)
        }
        SwapOptions o = canary ? SwapOptions.canary(0, 0) : watch > 0 ? SwapOptions.watch(watch) : SwapOptions.plain();
        if (canary && watch > 0) {
            o.andWatch(watch);
        }
        return o;
    }

    /** Auto policy: every entry on a lower version of {@code name} moves to {@code ref}, one batch (behind the policy's gates, if any). */
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
        String target = "(" + Constants.SERVICE_ID + "=" + ref.getProperty(Constants.SERVICE_ID) + ")";
        String reason = "upgrade policy auto: " + name + " " + v + " registered (bundle " + ref.getBundle().getSymbolicName() + " "
                + ref.getBundle().getVersion() + "), higher than " + lower;
        SwapOptions gates = gates(context, name);
        if (gates.isCanary()) {
            // a canary is for one entry: each moves after its own (and its own watch, if asked); one that fails stays on the lower version
            for (long id : ids) {
                engine.swap(id, target, reason + " (canary" + (gates.isWatch() ? " and watch" : "") + ")", gates);
            }
            return;
        }
        Batch batch = Batch.of(ids).to(target).reason(gates.isWatch() ? reason + " (watched)" : reason);
        if (gates.isWatch()) {
            batch.options(gates); // the watch swaps any entry that got worse back to the lower version
        }
        engine.swap(batch);
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

    // ------------------------------------------------------------------ watched in-place updates

    /**
     * An in-place update of bundle {@code b}, whose implementation {@code name} the policy watches
     * ({@code watch.millis} of {@code swap.upgrade.policy}): keeps the old revision's content (to go
     * back to) and measures the entries' baseline now, while their old instances still serve calls
     * (this delays the update by the baseline time). @return the watch, or {@code null} if none
     */
    private InPlace watchUpdate(Bundle b, String name, List<EntryImpl<?>> entries) {
        SwapOptions gates = gates(context, name);
        if (!gates.isWatch() || entries.isEmpty() || reverting.contains(b.getBundleId())) {
            return null;
        }
        InPlace ip = inPlace.get(b.getBundleId());
        if (ip == null) {
            byte[] previous;
            try {
                previous = BundleContent.of(b);
            } catch (java.io.IOException | RuntimeException ex) {
                journal.refusal(entries.get(0).type().getName(), name, "the in-place update of bundle " + b.getSymbolicName() + " (" + b.getBundleId()
                        + ") is not watched: its current revision cannot be kept to go back to (" + ex.getMessage() + ")");
                return null;
            }
            ip = new InPlace(b.getBundleId(), b.getSymbolicName() + " " + b.getVersion(), previous);
            inPlace.put(b.getBundleId(), ip);
        }
        SafeSwaps.Watching w;
        try {
            w = safeSwaps.begin(entries, gates);
        } catch (SwapException ex) {
            journal.refusal(entries.get(0).type().getName(), name, "the in-place update of bundle " + b.getSymbolicName() + " (" + b.getBundleId()
                    + ") is not watched: " + ex.getMessage());
            return null;
        }
        ip.watchings.add(w);
        for (EntryImpl<?> e : entries) {
            ip.pending.add(e.id());
        }
        return ip;
    }

    /** Entry {@code e} of a watched in-place update resumed on the new revision ({@code r}), or will not ({@code null}). */
    private void settle(EntryImpl<?> e, SwapResult r) {
        for (InPlace ip : inPlace.values()) {
            ip.settle(e, r);
        }
    }

    /** One watched in-place update of one bundle; its {@link SafeSwaps.Reverter} updates the bundle back to the revision it replaced. */
    private final class InPlace implements SafeSwaps.Reverter {
        final long bundleId;
        final String previousBundle;
        final byte[] previous;
        final List<SafeSwaps.Watching> watchings = new java.util.concurrent.CopyOnWriteArrayList<>();
        final Set<Long> pending = ConcurrentHashMap.newKeySet();
        final Map<Long, SwapResult> moved = new ConcurrentHashMap<>();
        private boolean reverted;
        private String revertProblem;
        private volatile String because;

        InPlace(long bundleId, String previousBundle, byte[] previous) {
            this.bundleId = bundleId;
            this.previousBundle = previousBundle;
            this.previous = previous;
        }

        void settle(EntryImpl<?> e, SwapResult r) {
            if (!pending.remove(e.id())) {
                return;
            }
            if (r != null) {
                moved.put(e.id(), r);
            }
            if (pending.isEmpty() && inPlace.remove(bundleId, this)) {
                for (SafeSwaps.Watching w : watchings) {
                    safeSwaps.judge(w, moved, this); // on a safe-swap worker: the verdicts go to the history
                }
            }
        }

        @Override
        public String revertedBecause() {
            return because;
        }

        @Override
        public String target(EntryImpl<?> entry) {
            return "the previous revision of bundle " + previousBundle + " (" + bundleId + ")";
        }

        @Override
        public SwapResult revert(EntryImpl<?> entry, Object watched, String crossed) {
            synchronized (this) {
                if (!reverted) {
                    reverted = true;
                    because = "the watch of entry " + entry.id() + " crossed a threshold (" + crossed + "), and its bundle went back as a whole";
                    Bundle b = context.getBundle(bundleId);
                    reverting.add(bundleId);
                    try {
                        if (b == null) {
                            revertProblem = "bundle " + bundleId + " is gone";
                        } else {
                            // the update's own in-place path parks every entry and resumes it on the previous revision
                            b.update(new java.io.ByteArrayInputStream(previous));
                        }
                    } catch (org.osgi.framework.BundleException | RuntimeException ex) {
                        revertProblem = "cannot update bundle " + bundleId + " back to " + previousBundle + ": " + ex.getMessage();
                    } finally {
                        reverting.remove(bundleId);
                    }
                }
            }
            SwapResult r = new SwapResult();
            r.entryId = entry.id();
            r.from = entry.implementationLabel();
            if (revertProblem != null) {
                r.outcome = SwapOutcome.FAILED;
                r.reason = revertProblem;
                return r;
            }
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2 * holdMillis + engine.defaultTimeoutMillis());
            while (entry.instance() == watched || engine.isParked(entry.id())) {
                if (System.nanoTime() > deadline || EntryImpl.RELEASED.equals(entry.state())) {
                    r.outcome = SwapOutcome.FAILED;
                    r.reason = "bundle " + bundleId + " was updated back to " + previousBundle + ", but entry " + entry.id() + " did not resume on it in time";
                    return r;
                }
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
            }
            r.outcome = SwapOutcome.COMPLETED;
            r.to = entry.implementationLabel();
            return r;
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
    private boolean hold(EntryImpl<?> e, ServiceReference<?> ref, Bundle b, String name) {
        List<String> skipped = new ArrayList<>();
        List<StateFormat<?>> portable = portable(e.instance(), b, skipped);
        if (portable.isEmpty()) {
            return false; // every format is private to the old revision: the evacuation that follows deals with it
        }
        long hold = holdMillis;
        String why = "bundle " + b.getSymbolicName() + " (" + b.getBundleId() + ") is being updated or refreshed: calls wait for its new revision (at most "
                + hold + " ms)";
        SwapResult r = engine.park(e.id(), portable, skipped, hold * 2 + engine.defaultTimeoutMillis(),
                msg -> new IllegalStateException(msg + " (the new revision of bundle " + b.getSymbolicName() + " (" + b.getBundleId() + ") did not come in time)"), why);
        if (r.outcome != SwapOutcome.COMPLETED) {
            return false; // the entry stays on its old instance; the evacuation that follows moves it
        }
        java.util.concurrent.ScheduledFuture<?>[] expiry = new java.util.concurrent.ScheduledFuture<?>[1];
        waiting.put(e, new Waiting(b.getBundleId(), b.getSymbolicName(), name, ref, expiry));
        expiry[0] = thread.schedule(Initiator.carry(() -> expire(e)), hold, TimeUnit.MILLISECONDS);
        faults.reach(Faults.UPDATE_PARKED); // the crash tests: killed here, with the park journaled
        return true;
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
            settle(e, r.outcome == SwapOutcome.COMPLETED ? r : null);
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
        settle(e, null); // not on the new revision: nothing to watch
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
