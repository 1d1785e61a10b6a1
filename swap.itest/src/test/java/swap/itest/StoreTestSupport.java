package swap.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;

import swap.api.EntryDTO;
import swap.api.SwapConstants;
import swap.api.SwapManager;
import swap.api.SwapResult;
import swap.example.store.api.SessionStore;

/**
 * What the in-framework tests of swappable session-store fronts and of upgrades share
 * ({@link ProtocolDefectsIT}, {@link TrustPathsIT}): the (store=main) front with 100 keys put through
 * it, the store service the test bundle sees, installing test bundles, an entry's history, polling
 * with a deadline. Subclasses set {@link #manager} before they use {@link #history}.
 */
public abstract class StoreTestSupport extends PlatformTestSupport {

    /** The swap manager, set by the subclass's set-up. */
    protected SwapManager manager;

    /** The front of (store=main) as this test's bundle sees it, with 100 keys {@code kept-i = i} put through it. */
    protected final class Front {
        static final int KEYS = 100;
        final long serviceId;
        final long entryId;
        final SessionStore store;

        Front(ServiceReference<SessionStore> ref) {
            serviceId = serviceId(ref);
            Object id = ref.getProperty(SwapConstants.FRONT_ENTRY_ID);
            assertNotNull("a singleton front names its entry", id);
            entryId = ((Number) id).longValue();
            store = context.getService(ref);
            for (int i = 0; i < KEYS; i++) {
                store.put("kept-" + i, i);
            }
        }

        void assertKeys(String when) {
            for (int i = 0; i < KEYS; i++) {
                assertEquals(when + ": key kept-" + i, i, store.get("kept-" + i));
            }
        }
    }
    protected Front front() throws Exception {
        assertTrue("a front of (store=main) registered by swap.core", poll(20_000, () -> {
            try {
                return "swap.core".equals(only("main").getBundle().getSymbolicName());
            } catch (AssertionError | Exception notYet) {
                return false;
            }
        }));
        return new Front(only("main"));
    }
    /** The only (store=NAME) service this test's bundle sees. */
    protected ServiceReference<SessionStore> only(String name) throws Exception {
        Collection<ServiceReference<SessionStore>> refs = context.getServiceReferences(SessionStore.class, "(store=" + name + ")");
        assertEquals("services (store=" + name + ") visible to the test bundle: " + refs, 1, refs.size());
        return refs.iterator().next();
    }
    protected static long serviceId(ServiceReference<?> ref) {
        return (Long) ref.getProperty("service.id");
    }
    protected static Path testBundlePath(String name) throws Exception {
        return Paths.get(new URI(testBundleUrl(name)));
    }
    protected Bundle installAndStart(String location) throws Exception {
        Bundle b = context.installBundle(location);
        b.start();
        return b;
    }
    protected Bundle installAndStart(String location, Path jar) throws Exception {
        Bundle b;
        try (InputStream in = Files.newInputStream(jar)) {
            b = context.installBundle(location, in);
        }
        b.start();
        return b;
    }
    /** Entry {@code id}'s history, oldest first. */
    protected List<SwapResult> history(long id) {
        List<SwapResult> l = manager.history(10_000).stream().filter(r -> r.entryId == id).collect(Collectors.toList());
        Collections.reverse(l);
        return l;
    }
    /** Polls {@code condition} every 20 ms until it holds or {@code millis} passed. @return whether it held */
    protected static boolean poll(long millis, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }
    protected static String describe(EntryDTO d) {
        return "entry " + d.id + " " + d.state + (d.stateReason == null ? "" : " (" + d.stateReason + ")") + " on " + d.implementation + " " + d.version
                + " of bundle " + d.bundle + " [" + d.bundleId + "] revision " + d.revision;
    }
}
