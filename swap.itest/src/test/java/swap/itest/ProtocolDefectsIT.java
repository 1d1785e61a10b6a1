package swap.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.ops4j.pax.exam.CoreOptions.bundle;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

import org.apache.felix.hc.api.HealthCheck;
import org.apache.felix.hc.api.Result;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;
import org.osgi.framework.Bundle;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.ServiceException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import swap.api.Entry;
import swap.api.EntryDTO;
import swap.api.ImplementationDTO;
import swap.api.JournalRecordDTO;
import swap.api.SwapConstants;
import swap.api.SwapJournal;
import swap.api.SwapManager;
import swap.api.SwapOutcome;
import swap.api.SwapResult;
import swap.api.SwappableServiceDTO;
import swap.api.SwappableServices;
import swap.api.UpgradeManager;
import swap.api.UpgradeResult;
import swap.example.consumer.RequestLoop;
import swap.example.counter.Counter;
import swap.example.store.api.SessionStore;

/**
 * Regression tests for the defects of issue 21 ("one swap protocol"): every path that changes an
 * entry's implementation outside the engine's protocol. Each test asserts the behaviour the issue
 * asks for, and fails on the engine the issue was written against:
 * <ol>
 * <li>an in-place {@code update} (and a {@code refresh} after it) to a build the trust policy
 * refuses must not put the entry on the refused revision;</li>
 * <li>a dry-run side-by-side upgrade of a swappable service's provider changes nothing, and a
 * refused real one leaves no front held for the bundle it uninstalled;</li>
 * <li>a front whose provider comes back unable to import the held state keeps its state, stays
 * registered and says so (history, health check), and its DS consumer stays satisfied;</li>
 * <li>a downgrade in place finds the format both sides know (v2 exports v2 and v1, v1 imports v1);</li>
 * <li>when the new revision refuses the held state, another installed implementation that imports
 * it takes the entry;</li>
 * <li>(6, crash recovery, is tested at distribution level, not here)</li>
 * <li>the journal names who called {@code update}, not SCR;</li>
 * <li>a call to a front whose provider was stopped fails with a {@link ServiceException} after the
 * grace time, and the state comes back with the provider.</li>
 * </ol>
 *
 * <p>One framework per test method ({@link PerMethod}): several tests leave the platform with a
 * held or parked state on purpose, which must not leak into the next test.
 *
 * <p>Test bundles: the example counters and session store as built, and variants of them made at
 * test time ({@link TestJars}): the striped counter signed (and not), the simple counter under
 * another symbolic name, and the store with another version and other state formats (its optional
 * manifest headers {@code Store-Export-Formats} / {@code Store-Import-Formats}), or without its
 * named implementation {@code session.map} (registered only while its configuration exists).
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class ProtocolDefectsIT extends StoreTestSupport {

    /** The default hold of an in-place upgrade (PID swap.core.manager, upgrade.hold.millis). */
    private static final long HOLD_MILLIS = 5_000;
    /** The default grace time of a swappable service's front (PID swap.core.services, grace.millis), as the README documents it. */
    private static final long GRACE_MILLIS = 10_000;
    /** Generous margin on top of a hold or a grace time before a test gives up waiting. */
    private static final long MARGIN_MILLIS = 20_000;
    private static final String NAMED_STORE_PID = "swap.example.store.NamedStore";
    private static final String SESSION_V1 = "session.entries.v1";
    private static final String SESSION_V2 = "session.entries.v2";

    private ServiceReference<ConfigurationAdmin> caRef;
    private ConfigurationAdmin ca;
    private Path dir;
    private final List<Long> entries = new ArrayList<>();

    /** The APIs and the store's DS consumer at boot (the probe's classes need their packages); the implementations are installed by the tests. */
    @Override
    protected Option[] extraOptions() {
        return new Option[] {bundle(testBundleUrl("example.api")), bundle(testBundleUrl("example.store.api")), bundle(testBundleUrl("example.consumer"))};
    }

    @Before
    public void setUp() throws Exception {
        manager = (SwapManager) awaitService(SwapManager.class.getName(), 10_000);
        awaitService(ConfigurationAdmin.class.getName(), 10_000);
        caRef = context.getServiceReference(ConfigurationAdmin.class); // held: Config Admin is a service factory
        ca = context.getService(caRef);
        Files.createDirectories(Paths.get("target"));
        dir = Files.createTempDirectory(Paths.get("target"), "protocol-").toAbsolutePath();
    }

    @After
    public void tearDown() {
        for (long id : entries) {
            try {
                manager.release(id);
            } catch (RuntimeException ignored) {
                // the framework is thrown away after each test anyway
            }
        }
        try {
            context.ungetService(caRef);
        } catch (RuntimeException ignored) {
            // idem
        }
    }

    // ================================================================== 1. trust on in-place upgrades

    /** Defect 1: {@code update} of a signed implementation bundle with its unsigned build. */
    @Test
    public void d1_anUpdateToABuildTheTrustPolicyRefusesNeverRunsTheEntry() throws Exception {
        Trusted t = trustedStripedEntry();
        try (InputStream in = Files.newInputStream(t.unsigned)) {
            t.striped.update(in);
        }
        String refused = revisionId(t.striped);
        ImplementationDTO d = awaitImplementation("counter.striped", t.striped);
        assertNotNull("the unsigned build's implementation is refused by the trust policy: " + d.properties, d.refused);
        assertNeverOnRefusedRevision(t, refused, "update to the unsigned build");
    }

    /** Defect 1, the other in-place path: the same {@code update}, then {@code refresh} of the bundle. */
    @Test
    public void d1_aRefreshAfterAnUpdateToABuildTheTrustPolicyRefusesNeverRunsTheEntry() throws Exception {
        Trusted t = trustedStripedEntry();
        try (InputStream in = Files.newInputStream(t.unsigned)) {
            t.striped.update(in);
        }
        refresh(t.striped);
        String refused = revisionId(t.striped);
        ImplementationDTO d = awaitImplementation("counter.striped", t.striped);
        assertNotNull("the unsigned build's implementation is refused by the trust policy", d.refused);
        assertNeverOnRefusedRevision(t, refused, "update to the unsigned build and refresh");
    }

    /** A signed striped counter with an entry on it (1000 increments), a signed simple counter beside it, and the trust policy requiring signatures. */
    private static final class Trusted {
        Bundle striped;
        Bundle simple;
        Path unsigned;
        Path signed;
        Entry<Counter> entry;
    }

    private Trusted trustedStripedEntry() throws Exception {
        Trusted t = new Trusted();
        t.unsigned = testBundlePath("example.striped");
        Path release = TestJars.keyStore(dir, "release");
        Path trust = TestJars.trustStore(dir, release, "release");
        Dictionary<String, Object> policy = new Hashtable<>();
        policy.put("rules", new String[] {"swap.example.counter.*=swap.example.*;signed"});
        policy.put("truststore", trust.toString());
        policy.put("truststore.password", TestJars.PASSWORD);
        ca.getConfiguration("swap.trust", "?").update(policy);
        awaitJournal("policy", "trust policy: rules [swap.example.counter.*=swap.example.*;signed]");
        t.signed = TestJars.sign(t.unsigned, release, "release", dir.resolve("striped-signed.jar"));
        Path simpleSigned = TestJars.sign(testBundlePath("example.simple"), release, "release", dir.resolve("simple-signed.jar"));
        t.striped = installAndStart("trust-test:striped-signed.jar", t.signed);
        t.simple = installAndStart("trust-test:simple-signed.jar", simpleSigned);
        ImplementationDTO striped = awaitImplementation("counter.striped", t.striped);
        assertNull("the signed striped counter is trusted: " + striped.refused, striped.refused);
        ImplementationDTO simple = awaitImplementation("counter.simple", t.simple);
        assertNull("the signed simple counter is trusted: " + simple.refused, simple.refused);
        t.entry = manager.create(Counter.class, "counter.striped");
        entries.add(t.entry.id());
        assertEquals(t.striped.getBundleId(), t.entry.describe().bundleId);
        for (int i = 0; i < 1000; i++) {
            t.entry.handle().increment();
        }
        return t;
    }

    /**
     * The entry must never be ACTIVE on revision {@code refused} of the striped bundle: it either
     * stays parked (PARKED or UPGRADING) or moves to another trusted implementation; either way its
     * count is kept (if parked: checked after the signed build comes back).
     */
    private void assertNeverOnRefusedRevision(Trusted t, String refused, String what) throws Exception {
        Entry<Counter> e = t.entry;
        // Settled: ACTIVE somewhere, or still parked after the hold and a margin (a fixed engine may keep it parked).
        poll(HOLD_MILLIS + MARGIN_MILLIS, () -> "ACTIVE".equals(e.describe().state));
        EntryDTO d = e.describe();
        assertFalse("after the " + what + ", entry " + e.id() + " runs on revision " + refused + " of " + t.striped.getSymbolicName()
                + ", which the trust policy refuses (not signed): " + describe(d) + "; history " + history(e.id()),
                onRevision(d, t.striped, refused));
        if ("ACTIVE".equals(d.state)) {
            assertEquals("moved to the other trusted implementation (the signed simple counter): " + describe(d), t.simple.getBundleId(), d.bundleId);
            assertEquals("the count survived: " + describe(d), 1000, e.handle().get());
            return;
        }
        assertTrue("parked (PARKED or UPGRADING) or on another trusted implementation, not " + describe(d),
                Set.of("PARKED", "UPGRADING").contains(d.state));
        // Parked: the signed build comes back, the entry resumes on it with its count.
        try (InputStream in = Files.newInputStream(t.signed)) {
            t.striped.update(in);
        }
        assertTrue("the parked entry resumes when the signed build is back: " + describe(e.describe()),
                poll(HOLD_MILLIS + MARGIN_MILLIS, () -> "ACTIVE".equals(e.describe().state)));
        assertFalse(describe(e.describe()), onRevision(e.describe(), t.striped, refused));
        assertEquals("the count survived the park: " + describe(e.describe()), 1000, e.handle().get());
    }

    /** Whether {@code d} is ACTIVE on an instance of the current revision {@code revision} of bundle {@code b}. */
    private static boolean onRevision(EntryDTO d, Bundle b, String revision) {
        return "ACTIVE".equals(d.state) && d.bundleId == b.getBundleId() && d.revision != null && d.revision.contains("[" + revision + "]")
                && !d.revision.contains("stale");
    }

    private static String revisionId(Bundle b) {
        BundleRevision r = b.adapt(BundleRevision.class);
        return r == null ? "?" : r.toString();
    }

    // ================================================================== 2. dry run and refused side-by-side upgrade of a front's provider

    /** Defect 2: a dry-run upgrade of the provider of a swappable service changes nothing. */
    @Test
    public void d2_aDryRunUpgradeOfASwappableServicesProviderChangesNothing() throws Exception {
        namedStoreConfiguration();
        Bundle store = installAndStart(testBundleUrl("example.store"));
        Front f = front();
        Entry<SessionStore> named = namedEntry(store);
        named.handle().put("named", 7);
        Path v201 = TestJars.withManifest(testBundlePath("example.store"), dir.resolve("store-2.0.1.jar"), Map.of("Bundle-Version", "2.0.1"));
        int rowsBefore = history(f.entryId).size();
        UpgradeManager upgrades = (UpgradeManager) awaitService(UpgradeManager.class.getName(), 10_000);

        UpgradeResult r = upgrades.upgrade(store.getBundleId(), v201.toUri().toString(), true, 0);

        assertTrue(r.toString(), r.dryRun);
        List<SwapResult> rows = history(f.entryId);
        assertEquals("the dry run moved the front's entry " + f.entryId + " (" + r + "): " + rows.subList(rowsBefore, rows.size()),
                rowsBefore, rows.size());
        SwappableServiceDTO d = frontDto(f.serviceId);
        assertNotNull("the front " + f.serviceId + " is still registered after the dry run: " + servicesText(), d);
        assertEquals("the front is on its provider, not held: " + describe(d), "ACTIVE", d.state);
        assertEquals("the front's provider is still the store bundle: " + describe(d), store.getBundleId(), d.providerBundleId);
        assertEquals("the same front service", f.serviceId, serviceId(only("main")));
        for (EntryDTO e : manager.list()) {
            if ("RELEASED".equals(e.state)) {
                continue;
            }
            assertEquals("no held or parked entry after a dry run: " + describe(e), "ACTIVE", e.state);
            assertNotEquals("no held or parked entry after a dry run: " + describe(e), "hold", e.implementation);
        }
        assertTrue("the temporary bundle was uninstalled: " + r, r.newUninstalled);
        assertTrue("the temporary bundle is gone: " + r, r.newBundleId < 0 || context.getBundle(r.newBundleId) == null);
        f.assertKeys("after the dry run");
        assertEquals(store.getBundleId(), named.describe().bundleId);
        assertEquals(7, named.handle().get("named"));
    }

    /** Defect 2, second part: a real side-by-side upgrade that is refused leaves no front held for the bundle it uninstalled. */
    @Test
    public void d2_aRefusedSideBySideUpgradeOfASwappableServicesProviderLeavesNoHeldFront() throws Exception {
        namedStoreConfiguration();
        Bundle store = installAndStart(testBundleUrl("example.store"));
        Front f = front();
        // 2.0.1 without session.map: the upgrade waits for it (3 s), is refused, and uninstalls 2.0.1 again.
        Path broken = TestJars.withManifest(testBundlePath("example.store"), dir.resolve("store-2.0.1-without-session.map.jar"),
                Map.of("Bundle-Version", "2.0.1"), "OSGI-INF/swap.example.store.NamedStore.xml");
        UpgradeManager upgrades = (UpgradeManager) awaitService(UpgradeManager.class.getName(), 10_000);

        UpgradeResult r = upgrades.upgrade(store.getBundleId(), broken.toUri().toString(), false, 3_000);

        assertNotEquals("the upgrade cannot complete (2.0.1 brings no session.map): " + r, SwapOutcome.COMPLETED, r.outcome);
        assertTrue("the new bundle was uninstalled again: " + r, r.newUninstalled);
        assertNull(context.getBundle(r.newBundleId));
        SwappableServiceDTO d = frontDto(f.serviceId);
        assertNotNull("the front is still registered: " + servicesText(), d);
        assertNotEquals("the front is not held for bundle " + r.newBundleId + ", which the refused upgrade uninstalled: " + describe(d),
                r.newBundleId, d.providerBundleId);
        assertEquals("the front is on its provider, the store bundle " + store.getBundleId() + ": " + describe(d), "ACTIVE", d.state);
        assertEquals(describe(d), store.getBundleId(), d.providerBundleId);
        f.assertKeys("after the refused upgrade");
    }

    // ================================================================== 3. a provider that cannot take its state back

    /** Defect 3: the store's provider is updated to a revision whose instance cannot import the held state. */
    @Test
    public void d3_aFrontWhoseProviderCannotTakeItsStateBackKeepsItParkedAndVisible() throws Exception {
        Bundle store = installAndStart(testBundleUrl("example.store"));
        Front f = front();
        awaitConsumer();
        // 1.1.0 exports and imports only session.entries.v2: not the held swap.example.store.map (nor .copy).
        Path cannot = TestJars.withManifest(testBundlePath("example.store"), dir.resolve("store-1.1.0-imports-only-v2.jar"),
                Map.of("Bundle-Version", "1.1.0", "Store-Export-Formats", SESSION_V2, "Store-Import-Formats", SESSION_V2));
        long updated = System.nanoTime();
        try (InputStream in = Files.newInputStream(cannot)) {
            store.update(in);
        }
        // Wait past the grace time (when the front used to go) for everything the fix promises, bounded.
        poll(GRACE_MILLIS + MARGIN_MILLIS, () -> TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - updated) > GRACE_MILLIS + 3_000
                && isParked(frontDto(f.serviceId)) && whyRow(f.entryId, updated) != null && healthIsWarn()
                && context.getServiceReference(RequestLoop.class) != null);

        SwappableServiceDTO d = frontDto(f.serviceId);
        assertNotNull("the front " + f.serviceId + " of (store=main) is still registered after the grace time, with its parked state; swappable services: " + servicesText(), d);
        assertTrue("the front shows its state parked: " + describe(d), isParked(d));
        assertEquals("the same front service", f.serviceId, serviceId(only("main")));
        String health = health();
        assertTrue("the swap health check warns about the parked state: " + health, health.startsWith("WARN"));
        assertNotNull("a history row of entry " + f.entryId + " says why its state could not go back: " + history(f.entryId), whyRow(f.entryId, updated));
        assertNotNull("the DS consumer of (store=main) is satisfied (the front is registered, and so is a matching original)",
                context.getServiceReference(RequestLoop.class));
    }

    private static boolean isParked(SwappableServiceDTO d) {
        return d != null && Set.of("HELD", "PARKED").contains(d.state);
    }

    /**
     * The first row of entry {@code id} that did not complete, naming the import it could not make.
     * Each test has a framework of its own, so every row is this test's; rows are not compared with
     * a time taken before the update ({@code sinceNanos} is kept for the call sites): once, on a loaded
     * machine, that comparison missed a row that was there (cause not established; a wall-clock step is
     * suspected).
     */
    private SwapResult whyRow(long id, long sinceNanos) {
        for (SwapResult r : history(id)) {
            if (r.outcome != SwapOutcome.COMPLETED && r.reason != null && r.reason.contains("import")) {
                return r;
            }
        }
        return null;
    }

    // ================================================================== 4. downgrade in place

    /** Defect 4: v2 exports [v2, v1], v1 imports [v1]; an entry on v2; {@code update} with the v1 jar. */
    @Test
    public void d4_aDowngradeInPlaceTakesTheFormatTheOldVersionImports() throws Exception {
        namedStoreConfiguration();
        Path v2 = TestJars.withManifest(testBundlePath("example.store"), dir.resolve("store-2.0.0.jar"), Map.of("Bundle-Version", "2.0.0",
                "Store-Export-Formats", SESSION_V2 + "," + SESSION_V1, "Store-Import-Formats", SESSION_V2 + "," + SESSION_V1));
        Path v1 = TestJars.withManifest(testBundlePath("example.store"), dir.resolve("store-1.0.0.jar"), Map.of("Bundle-Version", "1.0.0",
                "Store-Export-Formats", SESSION_V1, "Store-Import-Formats", SESSION_V1));
        Bundle store = installAndStart("store-test:store.jar", v2);
        Entry<SessionStore> e = namedEntry(store);
        assertTrue(describe(e.describe()), e.describe().revision.startsWith("2.0.0"));
        assertEquals(List.of(SESSION_V2, SESSION_V1), e.describe().exportFormats);
        for (int i = 0; i < 200; i++) {
            e.handle().put("k" + i, i);
        }
        try (InputStream in = Files.newInputStream(v1)) {
            store.update(in);
        }
        poll(HOLD_MILLIS + MARGIN_MILLIS, () -> {
            EntryDTO d = e.describe();
            List<SwapResult> rows = history(e.id());
            // the entry points at its new instance a moment before the protocol records the row: wait for both
            return "ACTIVE".equals(d.state) && d.revision != null && d.revision.startsWith("1.0.0") && !d.revision.contains("stale")
                    && !rows.isEmpty() && rows.get(rows.size() - 1).to != null && rows.get(rows.size() - 1).to.contains("1.0.0");
        });
        EntryDTO d = e.describe();
        List<SwapResult> h = history(e.id());
        assertEquals("the entry is ACTIVE on 1.0.0, not " + d.state + ": " + describe(d) + "; history " + h, "ACTIVE", d.state);
        assertTrue("on the new revision (1.0.0) of the store bundle: " + describe(d), d.revision.startsWith("1.0.0") && !d.revision.contains("stale"));
        assertEquals(store.getBundleId(), d.bundleId);
        SwapResult last = h.get(h.size() - 1);
        assertEquals("last move: " + last, SwapOutcome.COMPLETED, last.outcome);
        assertEquals("the state went over in the format both know: " + last, SESSION_V1, last.format);
        for (int i = 0; i < 200; i++) {
            assertEquals("key k" + i, i, e.handle().get("k" + i));
        }
    }

    // ================================================================== 5. fallback to another implementation

    /**
     * Defect 5: an in-place update whose new revision refuses the held state, while another installed
     * implementation (the simple counter under another symbolic name) imports that state's format.
     */
    @Test
    public void d5_whenTheNewRevisionRefusesTheStateAnotherImplementationThatImportsItTakesTheEntry() throws Exception {
        Configuration faults = ca.getConfiguration("swap.example.simple.faults", "?");
        Dictionary<String, Object> p = new Hashtable<>();
        p.put("fail.import", "true"); // counter.simple 1.1.0 (swap.example.simple2) throws on every import
        faults.update(p);
        Bundle simple = installAndStart(testBundleUrl("example.simple"));
        awaitImplementation("counter.simple", simple);
        Entry<Counter> e = manager.create(Counter.class, "counter.simple");
        entries.add(e.id());
        assertEquals(simple.getBundleId(), e.describe().bundleId);
        Path copy = TestJars.withManifest(testBundlePath("example.simple"), dir.resolve("simple-copy.jar"),
                Map.of("Bundle-SymbolicName", "swap.example.simple.copy"));
        Bundle other = installAndStart("copy-test:simple-copy.jar", copy);
        awaitImplementation("counter.simple", other); // 1.0.0: imports the cell format the hold keeps, and the canonical value
        for (int i = 0; i < 1000; i++) {
            e.handle().increment();
        }
        try (InputStream in = Files.newInputStream(testBundlePath("example.simple2"))) {
            simple.update(in);
        }
        poll(HOLD_MILLIS + MARGIN_MILLIS, () -> "ACTIVE".equals(e.describe().state) && e.describe().bundleId == other.getBundleId());
        EntryDTO d = e.describe();
        List<SwapResult> h = history(e.id());
        assertEquals("entry " + e.id() + " ends on counter.simple of bundle swap.example.simple.copy (" + other.getBundleId()
                + "), which imports the held state, not " + describe(d) + "; history " + h, other.getBundleId(), d.bundleId);
        assertEquals(describe(d), "ACTIVE", d.state);
        assertEquals("the count survived", 1000, e.handle().get());
        for (SwapResult r : h) {
            assertFalse("the history claims no other implementation imports the state, but swap.example.simple.copy does: " + r,
                    r.reason != null && r.reason.contains("no other implementation imports"));
        }
    }

    // ================================================================== 7. the journal's initiator

    /** Defect 7: the hold (park) an {@code update} causes is journaled with who called update, not with SCR. */
    @Test
    public void d7_theParkAnUpdateCausesIsJournaledWithTheBundleThatCalledUpdate() throws Exception {
        Bundle simple = installAndStart(testBundleUrl("example.simple"));
        awaitImplementation("counter.simple", simple);
        Entry<Counter> e = manager.create(Counter.class, "counter.simple");
        entries.add(e.id());
        for (int i = 0; i < 100; i++) {
            e.handle().increment();
        }
        SwapJournal journal = (SwapJournal) awaitService(SwapJournal.class.getName(), 10_000);
        List<JournalRecordDTO> newest = journal.records(1, -1);
        long seq = newest.isEmpty() ? -1 : newest.get(0).seq;
        try (InputStream in = Files.newInputStream(testBundlePath("example.simple2"))) {
            simple.update(in); // this test's bundle is the operator
        }
        assertTrue("entry " + e.id() + " back on counter.simple 1.1.0: " + describe(e.describe()) + "; history " + history(e.id()),
                poll(HOLD_MILLIS + MARGIN_MILLIS, () -> "ACTIVE".equals(e.describe().state) && "1.1.0".equals(e.describe().version)));
        assertEquals(100, e.handle().get());
        List<JournalRecordDTO> mine = journal.records(100, e.id()).stream().filter(r -> r.seq > seq).collect(Collectors.toList());
        Collections.reverse(mine); // oldest first
        assertFalse("the update of entry " + e.id() + "'s bundle is journaled", mine.isEmpty());
        String probe = context.getBundle().getSymbolicName();
        for (JournalRecordDTO r : mine) {
            assertFalse("SCR only delivered the service event; the update was called by " + probe + ": " + describe(r),
                    r.initiator != null && r.initiator.contains("org.apache.felix.scr"));
        }
        JournalRecordDTO park = mine.get(0);
        assertTrue("the first record of the update (the park) names the bundle that called update (" + probe + "): " + r(mine),
                park.initiator != null && park.initiator.contains(probe));
    }

    // ================================================================== 8. a stopped provider

    /** Defect 8: {@code stop} of the swappable store's provider, then a call through the front. */
    @Test
    public void d8_aCallToAFrontWhoseProviderStoppedFailsWithAServiceExceptionAndTheStateComesBackWithTheProvider() throws Exception {
        Bundle store = installAndStart(testBundleUrl("example.store"));
        Front f = front();
        store.stop();
        FutureTask<Long> call = new FutureTask<>(() -> f.store.get("kept-0"));
        Thread t = new Thread(call, "call-while-the-provider-is-stopped");
        t.setDaemon(true);
        t.start();
        Throwable thrown;
        try {
            Long v = call.get(GRACE_MILLIS + MARGIN_MILLIS, TimeUnit.MILLISECONDS);
            thrown = null;
            fail("the call through the front of a stopped provider returned " + v + " instead of failing with a ServiceException");
        } catch (ExecutionException ex) {
            thrown = ex.getCause();
        } catch (TimeoutException ex) {
            t.interrupt();
            throw new AssertionError("the call through the front of a stopped provider neither returned nor failed within the grace time ("
                    + GRACE_MILLIS + " ms) and " + MARGIN_MILLIS + " ms", ex);
        }
        assertTrue("the call fails with an org.osgi.framework.ServiceException, not " + thrown, thrown instanceof ServiceException);
        store.start();
        poll(MARGIN_MILLIS, () -> {
            try {
                ServiceReference<SessionStore> ref = only("main");
                SessionStore s = context.getService(ref);
                try {
                    return s != null && s.get("kept-0") == 0;
                } finally {
                    context.ungetService(ref);
                }
            } catch (AssertionError | Exception notYet) {
                return false;
            }
        });
        ServiceReference<SessionStore> ref = only("main");
        SessionStore s = context.getService(ref);
        for (int i = 0; i < Front.KEYS; i++) {
            assertEquals("the store's state is back with its provider: key kept-" + i + " (front " + serviceId(ref) + ", was " + f.serviceId + ")",
                    i, s.get("kept-" + i));
        }
        context.ungetService(ref);
    }

    // ================================================================== fronts and the store





    private List<SwappableServiceDTO> services() throws InterruptedException {
        return ((SwappableServices) awaitService(SwappableServices.class.getName(), 10_000)).list();
    }

    /** The swappable services, one line each, for failure messages. */
    private String servicesText() throws InterruptedException {
        List<SwappableServiceDTO> l = services();
        return l.isEmpty() ? "none" : l.stream().map(ProtocolDefectsIT::describe).collect(Collectors.joining("; ", "[", "]"));
    }

    private SwappableServiceDTO frontDto(long frontServiceId) {
        try {
            for (SwappableServiceDTO d : services()) {
                if (d.frontServiceId == frontServiceId) {
                    return d;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return null;
    }

    private void awaitConsumer() throws Exception {
        RequestLoop loop = (RequestLoop) awaitService(RequestLoop.class.getName(), 20_000);
        assertTrue("the consumer serves requests", poll(20_000, () -> loop.served() > 10));
    }

    /** The configuration that makes the store bundle register its named implementation session.map. */
    private void namedStoreConfiguration() throws Exception {
        Dictionary<String, Object> p = new Hashtable<>();
        p.put("purpose", "ProtocolDefectsIT");
        ca.getConfiguration(NAMED_STORE_PID, "?").update(p);
    }

    /** An entry on session.map of {@code store}. */
    private Entry<SessionStore> namedEntry(Bundle store) throws Exception {
        assertTrue("bundle " + store.getBundleId() + " registers session.map", poll(20_000, () -> registers(store, "session.map")));
        Entry<SessionStore> e = manager.create(SessionStore.class, "session.map");
        entries.add(e.id());
        assertEquals(store.getBundleId(), e.describe().bundleId);
        return e;
    }

    private static boolean registers(Bundle b, String implementation) {
        ServiceReference<?>[] refs = b.getRegisteredServices();
        if (refs != null) {
            for (ServiceReference<?> r : refs) {
                if (implementation.equals(r.getProperty(SwapConstants.IMPL_NAME))) {
                    return true;
                }
            }
        }
        return false;
    }

    // ================================================================== bundles




    private void refresh(Bundle b) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        context.getBundle(0).adapt(FrameworkWiring.class).refreshBundles(List.of(b), ev -> {
            if (ev.getType() == FrameworkEvent.PACKAGES_REFRESHED) {
                done.countDown();
            }
        });
        assertTrue("refresh did not end in 30 s", done.await(30, TimeUnit.SECONDS));
    }

    // ================================================================== the swap manager's views

    private ImplementationDTO awaitImplementation(String name, Bundle from) throws InterruptedException {
        ImplementationDTO[] found = new ImplementationDTO[1];
        poll(20_000, () -> {
            for (ImplementationDTO d : manager.implementations(null)) {
                if (d.name.equals(name) && d.bundleId == from.getBundleId()) {
                    found[0] = d;
                    return true;
                }
            }
            return false;
        });
        assertNotNull("implementation " + name + " of bundle " + from.getSymbolicName() + " (" + from.getBundleId() + ") did not appear in 20 s", found[0]);
        return found[0];
    }


    private JournalRecordDTO awaitJournal(String kind, String text) throws InterruptedException {
        SwapJournal j = (SwapJournal) awaitService(SwapJournal.class.getName(), 10_000);
        JournalRecordDTO[] found = new JournalRecordDTO[1];
        poll(20_000, () -> {
            for (JournalRecordDTO r : j.records(200, -1)) {
                if (kind.equals(r.kind) && r.reason != null && r.reason.contains(text)) {
                    found[0] = r;
                    return true;
                }
            }
            return false;
        });
        assertNotNull("no journal record " + kind + " with '" + text + "' in: " + r(j.records(20, -1)), found[0]);
        return found[0];
    }

    private boolean healthIsWarn() {
        try {
            return health().startsWith("WARN");
        } catch (Exception e) {
            return false;
        }
    }

    /** The swap health check's status, then its log lines. */
    private String health() throws Exception {
        Collection<ServiceReference<HealthCheck>> refs = context.getServiceReferences(HealthCheck.class, "(hc.name=swap)");
        assertFalse("no swap health check", refs.isEmpty());
        ServiceReference<HealthCheck> ref = refs.iterator().next();
        HealthCheck check = context.getService(ref);
        try {
            Result r = check.execute();
            StringBuilder b = new StringBuilder(String.valueOf(r.getStatus()));
            for (org.apache.felix.hc.api.ResultLog.Entry e : r) {
                b.append('\n').append(e.getStatus()).append(' ').append(e.getMessage());
            }
            return b.toString();
        } finally {
            context.ungetService(ref);
        }
    }

    // ================================================================== waiting and describing



    private static String describe(SwappableServiceDTO d) {
        return "front " + d.frontServiceId + " " + d.interfaces + " " + d.state + " on " + d.providerBundle + " " + d.providerVersion + " [" + d.providerBundleId + "], entries "
                + d.entryIds + ", moves " + d.moves + ", last move " + d.lastMove;
    }

    private static String describe(JournalRecordDTO r) {
        return r.seq + " " + r.kind + " initiator '" + r.initiator + "' entry " + r.entryId + " " + r.from + " -> " + r.to + " " + r.outcome + " " + r.reason;
    }

    private static String r(List<JournalRecordDTO> l) {
        StringBuilder b = new StringBuilder();
        for (JournalRecordDTO x : l) {
            b.append('\n').append(describe(x));
        }
        return b.toString();
    }
}
