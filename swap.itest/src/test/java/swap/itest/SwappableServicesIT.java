package swap.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNotSame;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.ops4j.pax.exam.CoreOptions.bundle;

import java.io.InputStream;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import org.junit.FixMethodOrder;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.MethodSorters;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceObjects;
import org.osgi.framework.ServiceReference;
import org.osgi.util.tracker.ServiceTracker;
import org.osgi.util.tracker.ServiceTrackerCustomizer;

import swap.api.SwapConstants;
import swap.api.SwappableServiceDTO;
import swap.api.SwappableServices;
import swap.example.consumer.RequestLoop;
import swap.example.store.api.SessionStore;

/**
 * Swappable OSGi services in a real Felix with SCR: the example session store (swap.example.store,
 * {@code swap.swappable=true}) and its DS consumer (swap.example.consumer, a static mandatory
 * reference serving requests in a loop). The methods run in name order and build on each other:
 * the store bundle is updated, uninstalled and reinstalled, and swap.core is stopped last.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
@FixMethodOrder(MethodSorters.NAME_ASCENDING)
public class SwappableServicesIT extends PlatformTestSupport {

    private static final int UPDATES = 20;
    private static final int USERS = 5_000;

    private Bundle store;

    /** The API and the consumer at boot (the test probe's classes need their packages); the store is installed by the tests. */
    @Override
    protected Option[] extraOptions() {
        return new Option[] {bundle(testBundleUrl("example.store.api")), bundle(testBundleUrl("example.consumer"))};
    }

    private Bundle consumer;

    /** What swap.core logged (warnings and errors, and the fronts' info lines), for failure messages. */
    private static final List<String> LOG = new java.util.concurrent.CopyOnWriteArrayList<>();
    private static boolean listening;

    private void install() throws Exception {
        awaitService(SwappableServices.class.getName(), 10_000);
        if (!listening) {
            listening = true;
            org.osgi.service.log.LogReaderService reader = (org.osgi.service.log.LogReaderService) awaitService(org.osgi.service.log.LogReaderService.class.getName(), 10_000);
            reader.addLogListener(e -> {
                if (e.getBundle() != null && "swap.core".equals(e.getBundle().getSymbolicName()) && !e.getMessage().startsWith("entry ")) {
                    LOG.add(e.getLogLevel() + " " + e.getMessage());
                }
            });
        }
        for (String name : new String[] {"example.store.api", "example.store", "example.consumer"}) {
            Bundle b = null;
            for (Bundle x : context.getBundles()) {
                if (x.getSymbolicName().equals("swap." + name)) {
                    b = x;
                }
            }
            if (b == null) {
                b = context.installBundle(testBundleUrl(name));
            }
            b.start();
            if (name.equals("example.store")) {
                store = b;
            } else if (name.equals("example.consumer")) {
                consumer = b;
            }
        }
    }

    private SwappableServices services() throws InterruptedException {
        return (SwappableServices) awaitService(SwappableServices.class.getName(), 10_000);
    }

    private SwappableServiceDTO described(String store) throws Exception {
        for (SwappableServiceDTO d : services().list()) {
            ServiceReference<?>[] refs = context.getServiceReferences(SessionStore.class.getName(), "(&(store=" + store + ")(" + SwapConstants.SWAPPABLE + "=true))");
            if (refs != null && refs.length == 1 && (Long) refs[0].getProperty("service.id") == d.frontServiceId) {
                return d;
            }
        }
        return null;
    }

    /** The only (store=NAME) service this test's bundle sees. */
    private ServiceReference<SessionStore> only(String name) throws Exception {
        java.util.Collection<ServiceReference<SessionStore>> refs = context.getServiceReferences(SessionStore.class, "(store=" + name + ")");
        assertEquals("services (store=" + name + ") visible to the test bundle: " + refs, 1, refs.size());
        return refs.iterator().next();
    }

    private static void await(String what, long millis, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("not within " + millis + " ms: " + what);
            }
            Thread.sleep(10);
        }
    }

    private void updateStore() throws Exception {
        try (InputStream in = new URL(testBundleUrl("example.store")).openStream()) {
            store.update(in);
        }
    }

    /** Waits until the front of (store=NAME) has moved {@code moves} times and is ACTIVE again. */
    private void awaitMoves(String name, long moves) throws Exception {
        await("front of (store=" + name + ") ACTIVE after " + moves + " moves", 20_000, () -> {
            try {
                SwappableServiceDTO d = described(name);
                return d != null && d.state.equals("ACTIVE") && d.moves == moves;
            } catch (Exception e) {
                return false;
            }
        });
    }

    private static final class Counting implements ServiceTrackerCustomizer<SessionStore, SessionStore> {
        final BundleContext context;
        final AtomicInteger added = new AtomicInteger();
        final AtomicInteger removed = new AtomicInteger();

        Counting(BundleContext context) {
            this.context = context;
        }

        @Override
        public SessionStore addingService(ServiceReference<SessionStore> reference) {
            added.incrementAndGet();
            return context.getService(reference);
        }

        @Override
        public void modifiedService(ServiceReference<SessionStore> reference, SessionStore service) {
        }

        @Override
        public void removedService(ServiceReference<SessionStore> reference, SessionStore service) {
            removed.incrementAndGet();
            context.ungetService(reference);
        }
    }

    /**
     * (a) A DS consumer with a static mandatory reference keeps its one activation, fails no call
     * and loses no update while the provider's bundle is updated 20 times under its load; every
     * key survives every update. (b) A ServiceTracker sees addingService once, removedService never.
     */
    @Test
    public void t1_staticConsumerAndTrackerSeeNothingWhileTheProviderIsUpdated() throws Exception {
        install();
        RequestLoop loop = (RequestLoop) awaitService(RequestLoop.class.getName(), 10_000);
        await("the consumer serves requests", 20_000, () -> loop.served() > 100);

        ServiceReference<SessionStore> front = only("main");
        assertEquals("the test bundle sees the front, registered by swap.core", "swap.core", front.getBundle().getSymbolicName());
        assertNotNull("a singleton front names its entry: " + properties(front) + " " + LOG, front.getProperty(SwapConstants.FRONT_ENTRY_ID));
        assertEquals("properties pass through", Boolean.TRUE, front.getProperty(SwapConstants.SWAPPABLE));

        Counting counts = new Counting(context);
        ServiceTracker<SessionStore, SessionStore> tracker = new ServiceTracker<>(context, context.createFilter("(&(objectClass=" + SessionStore.class.getName() + ")(store=main))"), counts);
        tracker.open();
        SessionStore s = tracker.getService();
        assertNotNull(s);
        await("the consumer seeded its users", 10_000, () -> s.size() >= USERS);

        long firstMoves = described("main").moves;
        for (int u = 1; u <= UPDATES; u++) {
            long servedBefore = loop.served();
            updateStore();
            awaitMoves("main", firstMoves + u);
            for (int i = 0; i < USERS; i++) {
                assertEquals("update " + u + ": key user-" + i, i, s.get("user-" + i));
            }
            final long before = servedBefore;
            await("update " + u + ": the consumer serves again", 20_000, () -> loop.served() > before + 10);
        }
        loop.stop();
        long sessions = 0;
        for (int i = 0; i < 100; i++) {
            sessions += Math.max(0, s.get("session-" + i));
        }
        assertEquals("failed calls (first: " + loop.firstFailure() + ")", 0, loop.failures());
        assertEquals("consumer activations", 1, loop.activations());
        assertEquals("every served request counted exactly once in the store, across " + UPDATES + " updates", loop.served(), sessions);
        assertEquals("tracker addingService", 1, counts.added.get());
        assertEquals("tracker removedService", 0, counts.removed.get());
        assertEquals("the tracker's service object is still the same front", s, tracker.getService());
        SwappableServiceDTO d = described("main");
        assertEquals(List.of(SessionStore.class.getName()), d.interfaces);
        assertEquals("swap.example.store", d.providerBundle);
        assertEquals(1, d.entryIds.size());
        assertTrue("consumers " + d.consumers, d.consumers.contains("swap.example.consumer"));
        tracker.close();
    }

    /** Ranking and other properties of the original pass through to the front (here by a configuration of the provider's component). */
    @Test
    public void t1b_propertiesPassThrough() throws Exception {
        install();
        RequestLoop loop = (RequestLoop) awaitService(RequestLoop.class.getName(), 10_000);
        long activations = loop.activations();
        ServiceReference<SessionStore> front = only("main");
        Object frontId = front.getProperty("service.id");
        awaitService(org.osgi.service.cm.ConfigurationAdmin.class.getName(), 10_000);
        ServiceReference<org.osgi.service.cm.ConfigurationAdmin> caRef = context.getServiceReference(org.osgi.service.cm.ConfigurationAdmin.class);
        org.osgi.service.cm.Configuration c = context.getService(caRef).getConfiguration("swap.example.store.SingletonStore", "?");
        java.util.Dictionary<String, Object> d = new java.util.Hashtable<>();
        d.put("store", "main");
        d.put("service.ranking", 5);
        d.put("tier", "gold");
        c.update(d);
        try {
            await("the front shows the provider's new properties", 20_000, () -> {
                try {
                    ServiceReference<SessionStore> f = only("main");
                    return Integer.valueOf(5).equals(f.getProperty("service.ranking")) && "gold".equals(f.getProperty("tier"));
                } catch (Exception | AssertionError e) {
                    return false;
                }
            });
            assertEquals("the same front throughout", frontId, only("main").getProperty("service.id"));
            assertEquals("the consumer was not re-activated", activations, loop.activations());
            assertEquals("swap.core", only("main").getBundle().getSymbolicName());
        } finally {
            c.delete();
            context.ungetService(caRef);
        }
        await("the front back to the component's own properties", 20_000, () -> {
            try {
                SwappableServiceDTO dto = described("main");
                return only("main").getProperty("tier") == null && dto != null && dto.state.equals("ACTIVE");
            } catch (Exception | AssertionError e) {
                return false;
            }
        });
    }

    /** (c) Bundle scope: one entry per consuming bundle; prototype scope: one per getService; each keeps its own state across an update. */
    @Test
    public void t2_bundleAndPrototypeScopes() throws Exception {
        install();
        // bundle scope: the test bundle and the store API bundle are two consumers
        ServiceReference<SessionStore> bundleFront = only("bundle");
        assertEquals("swap.core", bundleFront.getBundle().getSymbolicName());
        assertEquals("a singleton component's front is a singleton", "singleton", only("main").getProperty("service.scope"));
        assertEquals("bundle", bundleFront.getProperty("service.scope"));
        BundleContext other = installedBundle("swap.example.store.api").getBundleContext();
        SessionStore mine = context.getService(bundleFront);
        SessionStore theirs = other.getService(bundleFront);
        assertNotSame(mine, theirs);
        mine.put("who", 1);
        theirs.put("who", 2);
        // prototype scope: two objects from one bundle
        ServiceReference<SessionStore> protoFront = only("prototype");
        assertEquals("prototype", protoFront.getProperty("service.scope"));
        ServiceObjects<SessionStore> objects = context.getServiceObjects(protoFront);
        SessionStore p1 = objects.getService();
        SessionStore p2 = objects.getService();
        assertNotSame(p1, p2);
        p1.put("which", 1);
        p2.put("which", 2);
        assertEquals(2, described("bundle").entryIds.size());
        assertEquals(2, described("prototype").entryIds.size());

        long bundleMoves = described("bundle").moves;
        long protoMoves = described("prototype").moves;
        updateStore();
        awaitMoves("bundle", bundleMoves + 1);
        awaitMoves("prototype", protoMoves + 1);
        assertEquals("bundle scope, first consumer's state", 1, mine.get("who"));
        assertEquals("bundle scope, second consumer's state", 2, theirs.get("who"));
        assertEquals("prototype, first object's state", 1, p1.get("which"));
        assertEquals("prototype, second object's state", 2, p2.get("which"));
        assertEquals("the same front service throughout", bundleFront, only("bundle"));

        // the other ways a provider restarts: stop and start, and a refresh
        store.stop();
        store.start();
        awaitMoves("bundle", bundleMoves + 2);
        awaitMoves("prototype", protoMoves + 2);
        refresh(store);
        awaitMoves("bundle", bundleMoves + 3);
        awaitMoves("prototype", protoMoves + 3);
        assertEquals("after stop/start and refresh, bundle scope", 1, mine.get("who"));
        assertEquals(2, theirs.get("who"));
        assertEquals("after stop/start and refresh, prototype", 1, p1.get("which"));
        assertEquals(2, p2.get("which"));

        objects.ungetService(p2);
        assertEquals("ungetService releases its entry", 1, described("prototype").entryIds.size());
        objects.ungetService(p1);
        context.ungetService(bundleFront);
        other.ungetService(bundleFront);
    }

    /** (d) A provider without swap.swappable is left alone: its consumers see the ordinary unregister / register and lose its state. */
    @Test
    public void t3_providerWithoutTheOptInIsUntouched() throws Exception {
        install();
        ServiceReference<SessionStore> plain = only("plain");
        assertEquals("registered by the store itself", "swap.example.store", plain.getBundle().getSymbolicName());
        Counting counts = new Counting(context);
        ServiceTracker<SessionStore, SessionStore> tracker = new ServiceTracker<>(context, context.createFilter(
                "(&(objectClass=" + SessionStore.class.getName() + ")(store=plain))"), counts);
        tracker.open();
        SessionStore s = tracker.getService();
        s.put("x", 7);
        assertFalse("not a front's handle: " + s.getClass().getName(), s.getClass().getName().startsWith("swap.generated"));
        updateStore();
        await("the plain store registered again", 20_000, () -> counts.added.get() == 2);
        assertEquals("removedService, as without the platform", 1, counts.removed.get());
        assertEquals("the new instance starts empty, as without the platform", -1, tracker.getService().get("x"));
        for (SwappableServiceDTO d : services().list()) {
            assertFalse("no front for the plain store", d.originalServiceId == (Long) tracker.getServiceReference().getProperty("service.id"));
        }
        tracker.close();
    }

    /**
     * (f) The provider uninstalled: the front stays, and keeps the store's state parked (issue 21:
     * nothing drops state without an explicit release). Calls wait for the grace time, then fail at
     * once with a ServiceException; the consumer stays bound; a provider installed again takes the
     * state back.
     */
    @Test
    public void t4_providerUninstalledFrontKeepsTheParkedStateUntilAProviderComesBack() throws Exception {
        install();
        ServiceReference<SessionStore> front = only("main");
        long frontId = (Long) front.getProperty("service.id");
        SessionStore s = context.getService(front);
        s.put("marker", 4242);
        Counting counts = new Counting(context);
        ServiceTracker<SessionStore, SessionStore> tracker = new ServiceTracker<>(context, context.createFilter(
                "(&(objectClass=" + SessionStore.class.getName() + ")(store=main))"), counts);
        tracker.open();
        assertEquals(1, counts.added.get());
        long start = System.nanoTime();
        store.uninstall();
        SwappableServiceDTO d = described("main");
        assertNotNull("the front is still registered right after the uninstall", d);
        assertEquals("HELD", d.state);
        await("the grace time ended: the front keeps the parked state", 40_000, () -> "PARKED".equals(stateOf("main")));
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue("parked after " + waited + " ms, not before the 10,000 ms grace time", waited >= 10_000);
        d = described("main");
        assertTrue(d.lastMove, d.lastMove.contains("did not come back") && d.lastMove.contains("swap:release"));
        assertEquals("the front stays registered: consumers see no event", 0, counts.removed.get());
        assertEquals(frontId, (long) (Long) only("main").getProperty("service.id"));
        assertNotNull("the consumer keeps its reference", context.getServiceReference(RequestLoop.class));
        long t = System.nanoTime();
        try {
            s.get("marker");
            fail("a call to a parked front after the grace time fails");
        } catch (org.osgi.framework.ServiceException expected) {
            assertTrue(expected.getMessage(), expected.getMessage().contains("is parked"));
        }
        assertTrue("it failed at once", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t) < 5_000);
        for (long id : d.entryIds) {
            assertEquals("PARKED", ((swap.api.SwapManager) awaitService(swap.api.SwapManager.class.getName(), 10_000)).entry(id).orElseThrow().describe().state);
        }
        // a provider again: the parked state comes back
        store = null;
        install();
        await("the front resumed on the new provider", 20_000, () -> "ACTIVE".equals(stateOf("main")));
        assertEquals("the state came back: " + LOG, 4242, s.get("marker"));
        assertEquals("still the same front", frontId, (long) (Long) only("main").getProperty("service.id"));
        context.ungetService(front);
        tracker.close();
        awaitService(RequestLoop.class.getName(), 20_000);
    }

    /** (e) Stopping swap.core: fronts go, hooks go, the originals are visible and the consumer rebinds to its original, state kept. */
    @Test
    public void t5_stoppingCoreRestoresTheOriginals() throws Exception {
        install();
        RequestLoop loop = (RequestLoop) awaitService(RequestLoop.class.getName(), 20_000);
        long activations = loop.activations();
        ServiceReference<SessionStore> front = only("main");
        assertEquals("swap.core", front.getBundle().getSymbolicName());
        SessionStore s = context.getService(front);
        s.put("marker", 42);
        context.ungetService(front);
        Bundle core = installedBundle("swap.core");
        core.stop();
        try {
            ServiceReference<SessionStore> original = only("main");
            assertEquals("the original is visible again", "swap.example.store", original.getBundle().getSymbolicName());
            RequestLoop again = (RequestLoop) awaitService(RequestLoop.class.getName(), 20_000);
            await("the consumer rebound to the original", 20_000, () -> again.activations() == activations + 1);
            SessionStore o = context.getService(original);
            assertFalse(o.getClass().getName().startsWith("swap.generated"));
            assertEquals("state carried to the original: " + LOG, 42, o.get("marker"));
            assertEquals(USERS, countUsers(o));
            long served = again.served();
            await("the consumer serves through the original", 20_000, () -> again.served() > served + 10);
            context.ungetService(original);
            List<String> swapCore = new ArrayList<>();
            for (ServiceReference<?> r : context.getServiceReferences((String) null, "(" + SwapConstants.SWAPPABLE + "=true)")) {
                if (r.getBundle().getSymbolicName().equals("swap.core")) {
                    swapCore.add(String.valueOf(r.getProperty("store")));
                }
            }
            assertEquals("no front left", List.of(), swapCore);
        } finally {
            core.start();
        }
    }

    /** The front's state ({@code null} if none), for a condition awaited. */
    private String stateOf(String store) {
        try {
            SwappableServiceDTO d = described(store);
            return d == null ? null : d.state;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static java.util.Map<String, Object> properties(ServiceReference<?> ref) {
        java.util.Map<String, Object> m = new java.util.TreeMap<>();
        for (String k : ref.getPropertyKeys()) {
            Object v = ref.getProperty(k);
            m.put(k, v instanceof String[] ? List.of((String[]) v) : v);
        }
        return m;
    }

    private void refresh(Bundle b) throws Exception {
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        context.getBundle(0).adapt(org.osgi.framework.wiring.FrameworkWiring.class).refreshBundles(List.of(b), e -> done.countDown());
        assertTrue("refresh done", done.await(30, TimeUnit.SECONDS));
    }

    private static int countUsers(SessionStore s) {
        int n = 0;
        for (int i = 0; i < USERS; i++) {
            if (s.get("user-" + i) == i) {
                n++;
            }
        }
        return n;
    }
}
