package swap.core;

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
import org.osgi.framework.ServiceReference;
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
 * ({@code DESIGN.md}, "Upgrades and bundle life cycle").
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
 * <p>Thread-safety: {@link #unregistering} and {@link #registered} are called by the framework's
 * event delivery (any thread); the rest runs on this class's own thread. A held entry's swap claim
 * ({@link EntryImpl#swapping}) is kept for the whole hold, so no other swap can start on it.
 */
final class Upgrades {

    private final Engine engine;
    private final BundleContext context;
    private final OsgiImplementationSource source;
    private final Map<EntryImpl<?>, Hold> held = new ConcurrentHashMap<>();
    private final ScheduledExecutorService thread;
    private volatile long holdMillis;

    Upgrades(Engine engine, BundleContext context, OsgiImplementationSource source, long holdMillis) {
        this.engine = engine;
        this.context = context;
        this.source = source;
        this.holdMillis = holdMillis;
        AtomicInteger n = new AtomicInteger();
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
            Thread th = new Thread(r, "swap-upgrades-" + n.incrementAndGet());
            th.setDaemon(true);
            return th;
        });
        t.setRemoveOnCancelPolicy(true);
        this.thread = t;
    }

    void holdMillis(long millis) {
        holdMillis = millis;
    }

    /** Gives every held entry back to its old instance and stops the thread. */
    void shutdown() {
        for (Hold h : new ArrayList<>(held.values())) {
            h.giveBack("the swap manager stopped");
        }
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
        for (Hold h : held.values()) {
            if (h.name.equals(name) && h.bundleId == bundleId && types(ref).contains(h.entry.type().getName())) {
                thread.execute(() -> h.complete(source.of(ref), "in-place upgrade: bundle " + b.getSymbolicName() + " (" + bundleId
                        + ") came back as " + revisionOf(b) + " with implementation " + name));
            }
        }
        Object sid = ref.getProperty(Constants.SERVICE_ID);
        engine.adopt(name, origin -> origin instanceof ServiceReference && ((ServiceReference<?>) origin).getBundle() == null,
                "(" + Constants.SERVICE_ID + "=" + sid + ")",
                "adopted: implementation " + name + " is available again (service " + sid + " of bundle " + b.getSymbolicName() + " " + b.getVersion() + ")");
        if (UpgradeManager.AUTO.equals(policy(name))) {
            thread.execute(() -> pull(ref, name));
        }
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
            if (!EntryImpl.RELEASED.equals(e.state()) && !held.containsKey(e) && name.equals(impl.name()) && version(impl.version()).compareTo(v) < 0
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

    // ------------------------------------------------------------------ holds

    /** Moves {@code e} from its old instance to a holder that keeps its state and its calls until the bundle's new revision registers. */
    private void hold(EntryImpl<?> e, ServiceReference<?> ref, Bundle b, String name) {
        Object old = e.instance();
        List<String> skipped = new ArrayList<>();
        List<StateFormat<?>> portable = portable(old, b, skipped);
        if (portable.isEmpty()) {
            return; // every format is private to the old revision: the evacuation that follows deals with it
        }
        long hold = holdMillis;
        Hold h = new Hold(e, ref, b, name, portable, hold);
        h.skipped = List.copyOf(skipped);
        String why = "bundle " + b.getSymbolicName() + " (" + b.getBundleId() + ") is being updated or refreshed: calls wait for its new revision (at most "
                + hold + " ms)";
        SwapResult r;
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(engine.defaultTimeoutMillis() * 2);
        while (true) {
            r = engine.execute(e, () -> h, null, why, 0);
            if (!(r.outcome == SwapOutcome.REFUSED && e.swapping.get() && System.nanoTime() < until)) {
                break;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(100_000);
        }
        if (r.outcome != SwapOutcome.COMPLETED) {
            return; // the entry stays on its old instance; the evacuation that follows moves it
        }
        h.heldSince = System.nanoTime();
        // Keep the entry claimed for the whole hold. Between the swap's end and this claim another swap
        // may have moved the entry off the holder (with the held state): then there is nothing to hold.
        while (!e.swapping.compareAndSet(false, true)) {
            Thread.onSpinWait();
        }
        if (e.instance() != h.holder) {
            e.swapping.set(false);
            h.wake();
            return;
        }
        e.stateReason = why;
        e.state(EntryImpl.UPGRADING);
        held.put(e, h);
        h.timeout = thread.schedule(h::expire, hold, TimeUnit.MILLISECONDS);
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

    /**
     * One held entry: an implementation whose only instance is the holder, which imports the old
     * instance's state, exports it again, and keeps calls waiting until the entry is given a real
     * instance.
     */
    private final class Hold extends Implementation.Named implements InvocationHandler {
        final EntryImpl<?> entry;
        final ServiceReference<?> ref;
        final long bundleId;
        final String bsn;
        final String name;
        final List<StateFormat<?>> formats;
        final long holdMillis;
        final Implementation oldImpl;
        final Object oldInstance;
        final Object holder;
        final long created = System.nanoTime();
        volatile long heldSince;
        volatile java.util.concurrent.ScheduledFuture<?> timeout;
        // the state, written by the hold swap's import (swapping thread), read when the hold ends (this class's thread)
        volatile StateFormat<?> format;
        /** The old instance's formats left out because the new revision cannot read them (set before the hold begins). */
        volatile List<String> skipped = List.of();
        volatile Object state;
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition released = lock.newCondition();
        private volatile boolean awake;
        private boolean done; // guarded by lock
        private volatile String problem;
        private final AtomicLong waited = new AtomicLong();

        Hold(EntryImpl<?> entry, ServiceReference<?> ref, Bundle b, String name, List<StateFormat<?>> formats, long holdMillis) {
            super(name, OsgiImplementationSource.version(ref).toString(), b.getSymbolicName());
            this.entry = entry;
            this.ref = ref;
            this.bundleId = b.getBundleId();
            this.bsn = b.getSymbolicName();
            this.name = name;
            this.formats = List.copyOf(formats);
            this.holdMillis = holdMillis;
            this.oldImpl = entry.implementation();
            this.oldInstance = entry.instance();
            this.holder = Proxy.newProxyInstance(HOLDER_LOADERS.get(entry.type()),
                    new Class<?>[] {entry.type(), StatefulComponent.class}, this);
        }

        @Override
        public String label() {
            return name() + " " + version() + " (held for the new revision of bundle " + bundleId + ")";
        }

        @Override
        public long bundleId() {
            return bundleId;
        }

        @Override
        public Map<String, Object> properties() {
            return oldImpl.properties();
        }

        @Override
        public Object origin() {
            return this;
        }

        @Override
        public Object newInstance() {
            return holder;
        }

        @Override
        public void release(Object instance) {
            wake();
        }

        @Override
        public Object invoke(Object proxy, Method m, Object[] args) throws Throwable {
            if (m.getDeclaringClass() == Object.class) {
                switch (m.getName()) {
                    case "equals": return proxy == args[0];
                    case "hashCode": return System.identityHashCode(proxy);
                    default: return "holder of entry " + entry.id() + " (" + label() + ")";
                }
            }
            if (m.getDeclaringClass() == StatefulComponent.class) {
                switch (m.getName()) {
                    case "exportFormats":
                        return format == null ? formats : List.of(format);
                    case "importFormats":
                        return formats;
                    case "exportState":
                        return state;
                    default: // importState
                        format = (StateFormat<?>) args[0];
                        state = args[1];
                        return null;
                }
            }
            // A call on the entry while it is held: wait for the entry's next instance, then go through the entry to it.
            if (!awake) {
                waited.incrementAndGet();
                long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(holdMillis * 2 + engine.defaultTimeoutMillis());
                lock.lock();
                try {
                    while (!awake) {
                        long left = deadline - System.nanoTime();
                        if (left <= 0) {
                            throw new IllegalStateException("entry " + entry.id() + " waited for the new revision of bundle " + bsn + " (" + bundleId
                                    + ") and for a fallback longer than " + (holdMillis * 2 + engine.defaultTimeoutMillis()) + " ms");
                        }
                        released.awaitNanos(left);
                    }
                } finally {
                    lock.unlock();
                }
            }
            return Mediator.call(entry.inner(), m, args);
        }

        /** Lets every waiting call go on through the entry (which no longer points here). */
        void wake() {
            lock.lock();
            try {
                awake = true;
                released.signalAll();
            } finally {
                lock.unlock();
            }
        }

        /**
         * Ends the hold on {@code impl}: a new instance imports the held state and the entry points at
         * it. Runs on the upgrades thread. @return whether it did
         */
        boolean complete(Implementation impl, String why) {
            lock.lock();
            try {
                if (done) {
                    return true;
                }
                long t0 = System.nanoTime();
                Object fresh;
                try {
                    fresh = Engine.instantiate(entry.type(), impl);
                } catch (SwapException ex) {
                    problem = ex.getMessage();
                    return false;
                }
                StateFormat<?> f = null;
                for (StateFormat<?> in : Negotiation.imports(fresh)) {
                    if (in.name().equals(format.name()) && in.type() == format.type()) {
                        f = in;
                        break;
                    }
                }
                if (f == null) {
                    impl.release(fresh);
                    problem = impl.label() + " does not import the held state's format '" + format + "' (it imports "
                            + Negotiation.names(Negotiation.imports(fresh)) + ")";
                    return false;
                }
                try {
                    if (fresh instanceof StatefulComponent) {
                        ((StatefulComponent) fresh).importState(f, state, engine.transferContext(entry.id()));
                    }
                } catch (Exception | LinkageError ex) {
                    impl.release(fresh);
                    problem = "import in format '" + f + "' into " + impl.label() + " failed: " + ex;
                    return false;
                }
                long transfer = System.nanoTime() - t0;
                finish(impl, fresh, SwapOutcome.COMPLETED, why, f.name(), transfer);
                return true;
            } finally {
                lock.unlock();
            }
        }

        /** The new revision did not come in time: another implementation, else the old instance. */
        void expire() {
            if (isDone()) {
                return;
            }
            String late = "the new revision of bundle " + bsn + " (" + bundleId + ") brought no usable implementation " + name + " within " + holdMillis
                    + " ms" + (problem == null ? "" : " (" + problem + ")");
            for (String target : new String[] {name, "(" + SwapConstants.IMPL_NAME + "=*)"}) {
                Implementation other;
                try {
                    other = source.resolve(entry.type(), target, ref);
                } catch (SwapException none) {
                    continue;
                }
                if (complete(other, late + ": moved to " + other.label() + " instead")) {
                    return;
                }
            }
            giveBack(late + "; no other implementation imports the held state's format '" + format + "'");
        }

        /** Puts the entry back on its old instance (its bundle is gone: the entry is ORPHANED until an implementation of its name registers). */
        void giveBack(String why) {
            lock.lock();
            try {
                if (done) {
                    return;
                }
                finish(oldImpl, oldInstance, SwapOutcome.ROLLED_BACK, why + "; the entry is back on its old instance (ORPHANED) and moves to the next implementation named "
                        + name + " that registers", format == null ? null : format.name(), 0);
            } finally {
                lock.unlock();
            }
        }

        private boolean isDone() {
            lock.lock();
            try {
                return done;
            } finally {
                lock.unlock();
            }
        }

        /** Called with the lock held: points the entry at {@code instance}, wakes the waiting calls, records the outcome, releases the claim. */
        private void finish(Implementation impl, Object instance, SwapOutcome outcome, String why, String formatName, long transferNanos) {
            done = true;
            java.util.concurrent.ScheduledFuture<?> t = timeout;
            if (t != null) {
                t.cancel(false);
            }
            entry.install(impl, instance);
            engine.table().moved(holder, instance, entry);
            entry.stateReason = null;
            entry.state(EntryImpl.ACTIVE);
            awake = true;
            released.signalAll();
            if (outcome == SwapOutcome.COMPLETED) {
                entry.swaps.incrementAndGet();
            } else {
                entry.rollbacks.incrementAndGet();
            }
            held.remove(entry);
            SwapResult r = new SwapResult();
            r.entryId = entry.id();
            r.outcome = outcome;
            r.reason = why;
            r.from = label();
            r.to = impl.label();
            r.format = formatName;
            r.skippedFormats = skipped;
            r.blockedNanos = System.nanoTime() - heldSince;
            r.transferNanos = transferNanos;
            r.totalNanos = System.nanoTime() - created;
            r.waitedCalls = waited.get();
            r.longestWaitNanos = waited.get() == 0 ? 0 : r.blockedNanos;
            r.endedAtMillis = System.currentTimeMillis();
            engine.history().record(entry, r, 0);
            entry.swapping.set(false);
        }
    }

    /** One holder class loader per component interface, so that every hold of it shares one proxy class. */
    private static final ClassValue<ClassLoader> HOLDER_LOADERS = new ClassValue<>() {
        @Override
        protected ClassLoader computeValue(Class<?> type) {
            return new Both(type.getClassLoader());
        }
    };

    /**
     * The holder's class loader: the component interface from its own loader, the state-transfer SPI
     * from this bundle's (the interface's bundle need not import swap.api).
     */
    private static final class Both extends ClassLoader {
        private final ClassLoader type;

        Both(ClassLoader type) {
            super(Upgrades.class.getClassLoader());
            this.type = type;
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (name.startsWith("swap.api.")) {
                return super.loadClass(name, resolve);
            }
            try {
                return type == null ? super.loadClass(name, resolve) : type.loadClass(name);
            } catch (ClassNotFoundException e) {
                return super.loadClass(name, resolve);
            }
        }
    }

    // ------------------------------------------------------------------ descriptions

    /** Why an implementation whose service is gone has no provider, for ORPHANED entries. */
    static String gone(String label, Bundle provider) {
        if (provider == null) {
            return "implementation " + label + " is no longer registered";
        }
        String state;
        switch (provider.getState()) {
            case Bundle.UNINSTALLED: state = "uninstalled"; break;
            case Bundle.RESOLVED: case Bundle.INSTALLED: state = "stopped"; break;
            default: state = "its service was unregistered (bundle " + stateName(provider.getState()) + ")";
        }
        return "implementation " + label + " is gone: bundle " + provider.getSymbolicName() + " (" + provider.getBundleId() + ") "
                + (state.startsWith("its") ? "active, but " + state : state)
                + "; the entry runs on its last instance and moves to the next implementation of that name that registers";
    }

    private static String stateName(int s) {
        switch (s) {
            case Bundle.ACTIVE: return "ACTIVE";
            case Bundle.STARTING: return "STARTING";
            case Bundle.STOPPING: return "STOPPING";
            default: return String.valueOf(s);
        }
    }

    /** The bundle revision {@code instance}'s class comes from, as {@code version (revision)}. */
    static String revision(Object instance) {
        Bundle b = instance == null ? null : FrameworkUtil.getBundle(instance.getClass());
        if (b == null) {
            return null;
        }
        ClassLoader l = instance.getClass().getClassLoader();
        BundleRevision current = b.adapt(BundleRevision.class);
        boolean isCurrent = current != null && current.getWiring() != null && current.getWiring().getClassLoader() == l;
        return revisionOf(b) + (isCurrent ? "" : " (stale: " + l + ")");
    }

    static String revisionOf(Bundle b) {
        BundleRevision r = b.adapt(BundleRevision.class);
        return b.getVersion() + " [" + (r == null ? "?" : r.toString()) + "]";
    }
}
