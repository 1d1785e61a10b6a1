package swap.itest;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import swap.api.Entry;
import swap.api.EntryDTO;
import swap.api.SwapManager;
import swap.api.SwapOptions;
import swap.api.SwapOutcome;
import swap.api.SwapResult;
import swap.api.UpgradeManager;
import swap.api.UpgradeResult;
import swap.api.fcm.FileCache;
import swap.api.fcm.FileCacheManager;
import swap.example.counter.Counter;

/**
 * Upgrading a deployed implementation, in a real Felix framework, each time while at least two
 * threads call the entries: {@code update} without and with a URL, a jar overwritten in
 * FileInstall's folder, {@code refresh} after an update, a side-by-side upgrade that completes and
 * one that fails (and rolls every entry back), the {@code auto} policy, and the only
 * implementation uninstalled (ORPHANED, then adopted), for the counter and for the file cache.
 *
 * <p>Every test checks: no call failed, nothing was lost (counter totals equal the calls that
 * returned; file bytes equal a model of every write that returned), the final implementation,
 * version and bundle, and the outcomes in the history.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class UpgradeIT extends PlatformTestSupport {

    private static final String SIMPLE_BSN = "swap.example.simple";
    private static final long WAIT_MILLIS = 20_000;

    private SwapManager manager;
    private UpgradeManager upgrades;
    private ConfigurationAdmin configs;
    private ServiceReference<ConfigurationAdmin> configsRef;
    private final List<Long> entries = new ArrayList<>();
    private final List<Configuration> made = new ArrayList<>();
    private long start;

    @Override
    protected Option[] extraOptions() {
        return new Option[] {org.ops4j.pax.exam.CoreOptions.bundle(testBundleUrl("example.api"))};
    }

    @Before
    public void setUp() throws Exception {
        autonomicSwaps(false);
        manager = (SwapManager) awaitService(SwapManager.class.getName(), 10_000);
        upgrades = (UpgradeManager) awaitService(UpgradeManager.class.getName(), 10_000);
        awaitService(ConfigurationAdmin.class.getName(), 10_000);
        configsRef = context.getServiceReference(ConfigurationAdmin.class);
        configs = context.getService(configsRef); // held until tearDown: Config Admin is a service factory (a tracker's copy is ungotten when it closes)
        for (Bundle b : context.getBundles()) {
            if (SIMPLE_BSN.equals(b.getSymbolicName())) {
                b.uninstall();
            }
        }
        start = System.currentTimeMillis();
    }

    @After
    public void tearDown() throws Exception {
        for (long id : entries) {
            manager.release(id);
        }
        for (Configuration c : made) {
            c.delete();
        }
        made.clear();
        context.ungetService(configsRef);
        for (Bundle b : context.getBundles()) {
            if (SIMPLE_BSN.equals(b.getSymbolicName())) {
                b.uninstall();
            }
        }
        for (String bsn : new String[] {"swap.fcm.shared", "swap.fcm.distributed"}) {
            Bundle b = installedBundle(bsn);
            if (b.getState() != Bundle.ACTIVE) {
                b.start();
            }
        }
        autonomicSwaps(true);
    }

    // ------------------------------------------------------------------ counter

    private Bundle installSimple(String testBundle) throws Exception {
        Bundle b = context.installBundle(testBundleUrl(testBundle));
        b.start();
        awaitService(b, "counter.simple");
        return b;
    }

    /** Waits until {@code b} registers an implementation named {@code name}. */
    private void awaitService(Bundle b, String name) throws Exception {
        await("bundle " + b.getBundleId() + " registers " + name, () -> {
            ServiceReference<?>[] refs = b.getRegisteredServices();
            if (refs != null) {
                for (ServiceReference<?> r : refs) {
                    if (name.equals(r.getProperty("swap.impl.name"))) {
                        return true;
                    }
                }
            }
            return false;
        });
    }

    private Entry<Counter> counter() {
        @SuppressWarnings("unchecked")
        Entry<Counter> e = manager.create(Counter.class, "counter.simple");
        entries.add(e.id());
        for (int i = 0; i < 1000; i++) {
            e.handle().increment();
        }
        return e;
    }

    /** Threads that increment counters round robin until stopped, counting the increments that returned. */
    static final class CounterLoad implements AutoCloseable {
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicLong[] done;
        final ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        final List<Thread> threads = new ArrayList<>();

        CounterLoad(int nThreads, List<Counter> counters) throws InterruptedException {
            done = new AtomicLong[counters.size()];
            for (int i = 0; i < done.length; i++) {
                done[i] = new AtomicLong();
            }
            CountDownLatch started = new CountDownLatch(nThreads);
            for (int t = 0; t < nThreads; t++) {
                Thread th = new Thread(() -> {
                    started.countDown();
                    int i = 0;
                    while (running.get()) {
                        try {
                            int k = i++ % counters.size();
                            counters.get(k).increment();
                            done[k].incrementAndGet();
                        } catch (Throwable ex) {
                            errors.add(ex);
                        }
                    }
                }, "counter-load-" + t);
                threads.add(th);
                th.start();
            }
            started.await();
            Thread.sleep(100);
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            for (Thread th : threads) {
                th.join(30_000);
            }
        }

        /**
         * As {@link #check}, for a load through a version configured to fail ({@code fail.every}): some
         * calls failed, each with the configured failure (before counting), and every increment that
         * returned is counted once.
         */
        void checkConfiguredFailures(List<Entry<Counter>> es) {
            assertFalse("the worse version failed calls", errors.isEmpty());
            for (Throwable t : errors) {
                assertTrue(String.valueOf(t), String.valueOf(t.getMessage()).contains("is configured to fail every 10th increment"));
            }
            errors.clear();
            check(es);
        }

        void check(List<Entry<Counter>> es) {
            assertTrue("failed calls: " + errors, errors.isEmpty());
            long all = 0;
            for (int k = 0; k < es.size(); k++) {
                assertEquals("entry " + es.get(k).id() + ": every increment that returned is counted once", 1000 + done[k].get(), es.get(k).handle().get());
                all += done[k].get();
            }
            assertTrue("the load ran (" + all + " calls)", all > 0);
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("not within " + WAIT_MILLIS + " ms: " + what);
            }
            Thread.sleep(20);
        }
    }

    /** This test's history of entry {@code id}, oldest first. */
    private List<SwapResult> history(long id) {
        List<SwapResult> l = manager.history(10_000).stream().filter(r -> r.entryId == id && r.endedAtMillis >= start).collect(Collectors.toList());
        java.util.Collections.reverse(l);
        return l;
    }

    private void assertOnlyCompleted(long id) {
        List<SwapResult> h = history(id);
        assertFalse("entry " + id + " was swapped", h.isEmpty());
        for (SwapResult r : h) {
            assertEquals("entry " + id + ": " + h, SwapOutcome.COMPLETED, r.outcome);
        }
    }

    private static void assertOn(Entry<?> e, String name, String version, Bundle b) {
        EntryDTO d = e.describe();
        assertEquals(d.stateReason, "ACTIVE", d.state);
        assertEquals(name, d.implementation);
        assertEquals(version, d.version);
        assertEquals(b.getBundleId(), d.bundleId);
        assertNotNull(d.revision);
        assertFalse("on the bundle's current revision: " + d.revision, d.revision.contains("stale"));
    }

    @Test
    public void updateWithAUrlMovesTheEntriesToTheNewVersionOfTheSameBundle() throws Exception {
        Bundle simple = installSimple("example.simple");
        List<Entry<Counter>> es = List.of(counter(), counter());
        String before = es.get(0).describe().revision;
        try (CounterLoad load = new CounterLoad(2, List.of(es.get(0).handle(), es.get(1).handle()))) {
            try (InputStream in = new URL(testBundleUrl("example.simple2")).openStream()) {
                simple.update(in);
            }
            for (Entry<Counter> e : es) {
                await("entry " + e.id() + " on counter.simple 1.1.0: " + e.describe().state, () -> "1.1.0".equals(e.describe().version)
                        && "ACTIVE".equals(e.describe().state));
            }
            Thread.sleep(200);
            load.close();
            load.check(es);
        }
        for (Entry<Counter> e : es) {
            assertOn(e, "counter.simple", "1.1.0", simple);
            assertNotEquals(before, e.describe().revision);
            assertOnlyCompleted(e.id());
            SwapResult last = history(e.id()).get(history(e.id()).size() - 1);
            assertEquals(last.toString(), "counter.simple 1.1.0", last.to);
            assertTrue(last.reason, last.reason.startsWith("in-place upgrade: bundle swap.example.simple (" + simple.getBundleId() + ")"));
            assertEquals("swap.example.counter.simple.cell", last.format);
        }
        // no detour: every swap of the entries was to or from counter.simple of this bundle
        for (Entry<Counter> e : es) {
            for (SwapResult r : history(e.id())) {
                assertTrue(r.toString(), r.to.startsWith("counter.simple "));
            }
        }
    }

    /**
     * Issue 21: a new revision that cannot take the state never drops it. The entries stay parked,
     * with their state, visible and journaled; their calls wait; when the operator puts the old
     * version back, the entries resume on it with their state and every call ran exactly once.
     */
    @Test
    public void aNewRevisionThatCannotTakeTheStateLeavesTheEntriesParkedWithTheirState() throws Exception {
        Configuration faults = configs.getConfiguration("swap.example.simple.faults", "?");
        made.add(faults);
        Dictionary<String, Object> d = new Hashtable<>();
        d.put("fail.import", "true");
        faults.update(d);
        Bundle simple = installSimple("example.simple");
        List<Entry<Counter>> es = List.of(counter(), counter());
        try (CounterLoad load = new CounterLoad(2, List.of(es.get(0).handle(), es.get(1).handle()))) {
            try (InputStream in = new URL(testBundleUrl("example.simple2")).openStream()) {
                simple.update(in); // 1.1.0, which refuses every import
            }
            for (Entry<Counter> e : es) {
                await("entry " + e.id() + " stays parked after the wait", () -> history(e.id()).stream().anyMatch(
                        r -> r.outcome == SwapOutcome.ROLLED_BACK && r.reason.contains("brought no usable") && r.reason.contains("stays parked with its state")));
                EntryDTO dto = e.describe();
                assertEquals("parked, with its state", "PARKED", dto.state);
                assertTrue(dto.stateReason, dto.stateReason.contains("state kept in") && dto.stateReason.contains("refuse imports"));
                SwapResult stays = history(e.id()).stream().filter(r -> r.outcome == SwapOutcome.ROLLED_BACK && r.reason.contains("brought no usable"))
                        .findFirst().orElseThrow();
                assertTrue(stays.reason, stays.reason.startsWith("the new revision of bundle swap.example.simple (" + simple.getBundleId()
                        + ") brought no usable implementation counter.simple within"));
                assertTrue(stays.reason, stays.reason.contains("refuse imports"));
            }
            // The operator puts 1.0.0 back: the parked entries resume on it with their state; the waiting calls run there.
            try (InputStream in = new URL(testBundleUrl("example.simple")).openStream()) {
                simple.update(in);
            }
            for (Entry<Counter> e : es) {
                await("entry " + e.id() + " resumed on 1.0.0", () -> "ACTIVE".equals(e.describe().state) && "1.0.0".equals(e.describe().version));
            }
            Thread.sleep(200);
            load.close();
            load.check(es); // no failed call, and the totals are exact: no state was lost
        }
    }

    @Test
    public void fileInstallOverwriteInDeployUpgradesInPlace() throws Exception {
        Path deploy = Paths.get(System.getProperty("felix.fileinstall.dir", "target/deploy"));
        if (context.getProperty("felix.fileinstall.dir") != null) {
            deploy = Paths.get(context.getProperty("felix.fileinstall.dir"));
        }
        Path jar = deploy.resolve("counter-simple.jar");
        Files.copy(Paths.get(new URL(testBundleUrl("example.simple")).toURI()), jar, StandardCopyOption.REPLACE_EXISTING);
        try {
            await("FileInstall installs " + jar, () -> bundle(SIMPLE_BSN) != null && bundle(SIMPLE_BSN).getState() == Bundle.ACTIVE);
            Bundle simple = bundle(SIMPLE_BSN);
            awaitService(simple, "counter.simple");
            List<Entry<Counter>> es = List.of(counter(), counter());
            try (CounterLoad load = new CounterLoad(2, List.of(es.get(0).handle(), es.get(1).handle()))) {
                Path tmp = deploy.toAbsolutePath().getParent().resolve("counter-simple.tmp"); // not in deploy/: FileInstall would take it for a bundle
                Files.copy(Paths.get(new URL(testBundleUrl("example.simple2")).toURI()), tmp, StandardCopyOption.REPLACE_EXISTING);
                Files.move(tmp, jar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                jar.toFile().setLastModified(System.currentTimeMillis() + 2000);
                for (Entry<Counter> e : es) {
                    await("entry " + e.id() + " on counter.simple 1.1.0 after the overwrite: " + e.describe().state + " " + e.describe().version,
                            () -> "1.1.0".equals(e.describe().version) && "ACTIVE".equals(e.describe().state));
                }
                Thread.sleep(1500); // FileInstall may refresh after its update: the entries are held again and come back
                await("entries ACTIVE", () -> es.stream().allMatch(e -> "ACTIVE".equals(e.describe().state)));
                load.close();
                load.check(es);
            }
            assertEquals("updated in place, not reinstalled", simple.getBundleId(), bundle(SIMPLE_BSN).getBundleId());
            for (Entry<Counter> e : es) {
                assertOn(e, "counter.simple", "1.1.0", simple);
                assertOnlyCompleted(e.id());
            }
        } finally {
            for (long id : entries) {
                manager.release(id);
            }
            entries.clear();
            Files.deleteIfExists(jar);
            await("FileInstall uninstalls " + jar, () -> bundle(SIMPLE_BSN) == null);
        }
    }

    private Bundle bundle(String bsn) {
        for (Bundle b : context.getBundles()) {
            if (bsn.equals(b.getSymbolicName())) {
                return b;
            }
        }
        return null;
    }

    @Test
    public void sideBySideUpgradeMovesEveryEntryAsOneGroupThenUninstallsTheOldBundle() throws Exception {
        Bundle old = installSimple("example.simple");
        List<Entry<Counter>> es = List.of(counter(), counter(), counter());
        try (CounterLoad load = new CounterLoad(2, List.of(es.get(0).handle(), es.get(1).handle(), es.get(2).handle()))) {
            UpgradeResult dry = upgrades.upgrade(old.getBundleId(), testBundleUrl("example.simple2"), true, 0);
            assertEquals(dry.toString(), SwapOutcome.COMPLETED, dry.outcome);
            assertTrue(dry.dryRun);
            assertEquals(3, dry.moves.size());
            for (SwapResult m : dry.moves) {
                assertEquals("counter.simple 1.1.0", m.to);
                assertEquals("swap.example.counter.simple.cell", m.format);
            }
            assertTrue("the new bundle went again after the dry run", dry.newUninstalled);
            assertNull(context.getBundle(dry.newBundleId));
            for (Entry<Counter> e : es) {
                assertOn(e, "counter.simple", "1.0.0", old);
            }

            UpgradeResult r = upgrades.upgrade(old.getBundleId(), testBundleUrl("example.simple2"), false, 0);
            assertEquals(r.toString(), SwapOutcome.COMPLETED, r.outcome);
            assertTrue(r.oldUninstalled);
            assertFalse(r.newUninstalled);
            assertEquals(3, r.moves.size());
            assertEquals("swap.example.simple 1.1.0", r.newBundle);
            Bundle nb = context.getBundle(r.newBundleId);
            assertEquals(Bundle.ACTIVE, nb.getState());
            assertEquals(Bundle.UNINSTALLED, old.getState());
            Thread.sleep(200);
            load.close();
            load.check(es);
            for (Entry<Counter> e : es) {
                assertOn(e, "counter.simple", "1.1.0", nb);
                List<SwapResult> h = history(e.id());
                assertEquals(h.toString(), 1, h.size());
                assertEquals(SwapOutcome.COMPLETED, h.get(0).outcome);
                assertTrue(h.get(0).reason, h.get(0).reason.startsWith("side-by-side upgrade"));
            }
        }
    }

    /** Makes counter.simple 1.1.0 throw on every 10th increment (before counting): a version worse in a way only a watch sees. */
    private void failEvery10() throws Exception {
        Configuration faults = configs.getConfiguration("swap.example.simple.faults", "?");
        made.add(faults);
        Dictionary<String, Object> d = new Hashtable<>();
        d.put("fail.every", "10");
        faults.update(d);
    }

    /** An upgrade policy for counter.simple: {@code policy}, and a watch of {@code watchMillis} on its automatic moves. */
    private void policy(String policy, long watchMillis) throws Exception {
        Configuration c = configs.createFactoryConfiguration("swap.upgrade.policy", "?");
        made.add(c);
        Dictionary<String, Object> d = new Hashtable<>();
        d.put("name", "counter.simple");
        d.put("policy", policy);
        d.put("watch.millis", watchMillis);
        c.update(d);
        await("the policy", () -> {
            try {
                ServiceReference<?>[] refs = context.getServiceReferences("swap.core.upgrade.UpgradePolicy", "(&(name=counter.simple)(watch.millis=" + watchMillis + "))");
                return refs != null;
            } catch (org.osgi.framework.InvalidSyntaxException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /**
     * Issue 24: swap:upgrade --watch. Under load, a new version that fails 10 % of calls is found
     * worse by the watch; every entry goes back to the old bundle with its state, the new bundle is
     * uninstalled, and the outcome is REVERTED.
     */
    @Test
    public void aWatchedSideBySideUpgradeToAWorseVersionGoesBackToTheOldBundle() throws Exception {
        failEvery10();
        Bundle old = installSimple("example.simple");
        List<Entry<Counter>> es = List.of(counter(), counter());
        UpgradeResult r;
        try (CounterLoad load = new CounterLoad(2, List.of(es.get(0).handle(), es.get(1).handle()))) {
            r = upgrades.upgrade(old.getBundleId(), testBundleUrl("example.simple2"), false, 0, SwapOptions.watch(10_000));
            Thread.sleep(200);
            load.close();
            load.checkConfiguredFailures(es);
        }
        assertEquals(r.toString(), SwapOutcome.REVERTED, r.outcome);
        assertTrue(r.reason, r.reason.contains("error rate") && r.reason.contains("every entry is back on bundle swap.example.simple " + old.getVersion()));
        assertTrue(r.newUninstalled);
        assertFalse(r.oldUninstalled);
        assertNull("the new bundle is gone", context.getBundle(r.newBundleId));
        assertEquals(Bundle.ACTIVE, old.getState());
        for (Entry<Counter> e : es) {
            assertOn(e, "counter.simple", "1.0.0", old);
        }
    }

    /** Issue 24: the auto policy's gates. A higher version that fails 10 % of calls is pulled in under the policy's watch and swapped back. */
    @Test
    public void aWatchedAutoUpgradeToAWorseVersionIsSwappedBack() throws Exception {
        policy("auto", 10_000);
        failEvery10();
        Bundle old = installSimple("example.simple");
        List<Entry<Counter>> es = List.of(counter(), counter());
        try (CounterLoad load = new CounterLoad(2, List.of(es.get(0).handle(), es.get(1).handle()))) {
            installSimple("example.simple2");
            for (Entry<Counter> e : es) {
                await("entry " + e.id() + " pulled to 1.1.0 and swapped back", () -> history(e.id()).stream().anyMatch(h -> h.outcome == SwapOutcome.REVERTED)
                        && "1.0.0".equals(e.describe().version));
            }
            Thread.sleep(200);
            load.close();
            load.checkConfiguredFailures(es);
        }
        for (Entry<Counter> e : es) {
            assertOn(e, "counter.simple", "1.0.0", old);
            SwapResult watched = history(e.id()).stream().filter(h -> h.outcome == SwapOutcome.REVERTED).findFirst().get();
            assertTrue(watched.reason, watched.reason.startsWith("upgrade policy auto: counter.simple 1.1.0 registered") && watched.reason.contains("(watched)")
                    && watched.reason.contains("swapped back to counter.simple 1.0.0"));
        }
    }

    /**
     * Issue 24: a watched in-place update. The policy watches counter.simple; {@code update} brings a
     * revision that fails 10 % of calls; the watch finds it worse and updates the bundle back to the
     * revision it replaced: every entry resumes on it with its state, every increment counted once.
     */
    @Test
    public void aWatchedInPlaceUpdateThatGetsWorseGoesBackToThePreviousRevision() throws Exception {
        policy("manual", 10_000);
        failEvery10();
        Bundle simple = installSimple("example.simple");
        org.osgi.framework.Version before = simple.getVersion();
        List<Entry<Counter>> es = List.of(counter(), counter());
        try (CounterLoad load = new CounterLoad(2, List.of(es.get(0).handle(), es.get(1).handle()))) {
            try (InputStream in = new URL(testBundleUrl("example.simple2")).openStream()) {
                simple.update(in);
            }
            for (Entry<Counter> e : es) {
                await("entry " + e.id() + " back on the previous revision: " + history(e.id()), () -> history(e.id()).stream()
                        .anyMatch(h -> h.outcome == SwapOutcome.REVERTED) && "1.0.0".equals(e.describe().version) && "ACTIVE".equals(e.describe().state));
            }
            Thread.sleep(200);
            load.close();
            load.checkConfiguredFailures(es);
        }
        assertEquals("the bundle runs the previous content again", before, simple.getVersion());
        for (Entry<Counter> e : es) {
            assertOn(e, "counter.simple", "1.0.0", simple);
        }
        SwapResult watched = es.stream().flatMap(e -> history(e.id()).stream()).filter(h -> h.outcome == SwapOutcome.REVERTED).findFirst().get();
        assertTrue(watched.reason, watched.reason.startsWith("in-place upgrade: bundle swap.example.simple (" + simple.getBundleId() + ")")
                && watched.reason.contains("moved back to the previous revision of bundle swap.example.simple " + before));
    }

    @Test
    public void aFailingSideBySideUpgradeLeavesEveryEntryOnTheOldBundleAndRemovesTheNewOne() throws Exception {
        Configuration faults = configs.getConfiguration("swap.example.simple.faults", "?");
        made.add(faults);
        Dictionary<String, Object> d = new Hashtable<>();
        d.put("fail.import", "true");
        faults.update(d);
        Bundle old = installSimple("example.simple");
        List<Entry<Counter>> es = List.of(counter(), counter(), counter());
        UpgradeResult r;
        try (CounterLoad load = new CounterLoad(2, List.of(es.get(0).handle(), es.get(1).handle(), es.get(2).handle()))) {
            r = upgrades.upgrade(old.getBundleId(), testBundleUrl("example.simple2"), false, 0);
            Thread.sleep(200);
            load.close();
            load.check(es);
        }
        assertEquals(r.toString(), SwapOutcome.ROLLED_BACK, r.outcome);
        assertTrue(r.reason, r.reason.contains("refuse imports"));
        assertTrue(r.newUninstalled);
        assertFalse(r.oldUninstalled);
        assertNull("the new bundle is gone", context.getBundle(r.newBundleId));
        assertEquals(1, context.getBundles().length - java.util.Arrays.stream(context.getBundles()).filter(b -> !SIMPLE_BSN.equals(b.getSymbolicName())).count());
        assertEquals(Bundle.ACTIVE, old.getState());
        for (Entry<Counter> e : es) {
            assertOn(e, "counter.simple", "1.0.0", old);
            List<SwapResult> h = history(e.id());
            assertEquals(h.toString(), 1, h.size());
            assertEquals(SwapOutcome.ROLLED_BACK, h.get(0).outcome);
        }
    }

    @Test
    public void autoPolicyPullsEveryEntryToAHigherVersion() throws Exception {
        Configuration policy = configs.createFactoryConfiguration("swap.upgrade.policy", "?");
        made.add(policy);
        Dictionary<String, Object> d = new Hashtable<>();
        d.put("name", "counter.simple");
        d.put("policy", "auto");
        policy.update(d);
        await("policy auto", () -> UpgradeManager.AUTO.equals(upgrades.policy("counter.simple")));
        assertEquals(UpgradeManager.MANUAL, upgrades.policy("counter.striped"));
        Bundle old = installSimple("example.simple");
        List<Entry<Counter>> es = List.of(counter(), counter());
        Bundle nb;
        try (CounterLoad load = new CounterLoad(2, List.of(es.get(0).handle(), es.get(1).handle()))) {
            nb = installSimple("example.simple2");
            for (Entry<Counter> e : es) {
                await("entry " + e.id() + " pulled to 1.1.0", () -> "1.1.0".equals(e.describe().version));
            }
            Thread.sleep(200);
            load.close();
            load.check(es);
        }
        assertEquals("both versions are installed", Bundle.ACTIVE, old.getState());
        for (Entry<Counter> e : es) {
            assertOn(e, "counter.simple", "1.1.0", nb);
            assertOnlyCompleted(e.id());
            SwapResult last = history(e.id()).get(0);
            assertTrue(last.reason, last.reason.startsWith("upgrade policy auto: counter.simple 1.1.0 registered"));
            assertEquals("counter.simple 1.0.0", last.from);
        }
    }

    @Test
    public void uninstallingTheOnlyImplementationOrphansTheEntryUntilTheNextOneAdoptsIt() throws Exception {
        Bundle simple = installSimple("example.simple");
        List<Entry<Counter>> es = List.of(counter(), counter());
        Bundle again;
        try (CounterLoad load = new CounterLoad(2, List.of(es.get(0).handle(), es.get(1).handle()))) {
            simple.uninstall();
            for (Entry<Counter> e : es) {
                EntryDTO d = e.describe();
                assertEquals("ORPHANED", d.state);
                assertTrue(d.stateReason, d.stateReason.contains("bundle swap.example.simple (" + simple.getBundleId() + ") uninstalled"));
                assertEquals("counter.simple", d.implementation);
            }
            org.apache.felix.hc.api.HealthCheck check = (org.apache.felix.hc.api.HealthCheck) context.getService(
                    context.getServiceReferences(org.apache.felix.hc.api.HealthCheck.class, "(hc.name=swap)").iterator().next());
            org.apache.felix.hc.api.Result health = check.execute();
            assertEquals(health.toString(), org.apache.felix.hc.api.Result.Status.WARN, health.getStatus());
            assertTrue(health.toString(), health.toString().contains("entry " + es.get(0).id() + " (" + Counter.class.getName() + ") is ORPHANED"));
            Thread.sleep(300); // the entries keep running on their last instance
            again = installSimple("example.simple");
            for (Entry<Counter> e : es) {
                await("entry " + e.id() + " adopted", () -> e.describe().bundleId == again.getBundleId() && "ACTIVE".equals(e.describe().state));
            }
            String after = check.execute().toString();
            assertFalse("no orphan any more: " + after, after.contains("ORPHANED"));
            Thread.sleep(200);
            load.close();
            load.check(es);
        }
        for (Entry<Counter> e : es) {
            assertOn(e, "counter.simple", "1.0.0", again);
            List<SwapResult> h = history(e.id());
            assertEquals("no swap when orphaned, one when adopted: " + h, 1, h.size());
            assertEquals(SwapOutcome.COMPLETED, h.get(0).outcome);
            assertTrue(h.get(0).reason, h.get(0).reason.startsWith("adopted: implementation counter.simple is available again"));
        }
    }

    // ------------------------------------------------------------------ file cache

    /** Two threads, each writing random chunks into its own region of one file, and the model of what they wrote. */
    static final class FileLoad implements AutoCloseable {
        static final int REGION = 64 * 1024;
        final byte[] model;
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicLong writes = new AtomicLong();
        final ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        final List<Thread> threads = new ArrayList<>();

        FileLoad(FileCacheManager f, int nThreads) throws Exception {
            model = new byte[REGION * nThreads];
            f.write(0, model, 0, model.length);
            for (int t = 0; t < nThreads; t++) {
                int base = t * REGION;
                Random rnd = new Random(t);
                Thread th = new Thread(() -> {
                    byte[] chunk = new byte[700];
                    while (running.get()) {
                        int off = base + rnd.nextInt(REGION - chunk.length);
                        rnd.nextBytes(chunk);
                        try {
                            f.write(off, chunk, 0, chunk.length);
                            System.arraycopy(chunk, 0, model, off, chunk.length); // own region: no other thread writes here
                            writes.incrementAndGet();
                        } catch (Throwable ex) {
                            errors.add(ex);
                        }
                    }
                }, "file-load-" + t);
                threads.add(th);
                th.start();
            }
            Thread.sleep(100);
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            for (Thread th : threads) {
                th.join(30_000);
            }
        }

        void check(FileCacheManager f) throws IOException {
            assertTrue("failed calls: " + errors, errors.isEmpty());
            assertTrue("the load ran", writes.get() > 0);
            byte[] b = new byte[(int) f.size()];
            int done = 0;
            while (done < b.length) {
                done += f.read(done, b, done, b.length - done);
            }
            assertArrayEquals("the file's bytes are every write that returned", model, b);
        }
    }

    private Path dir;

    private Entry<FileCacheManager> file(String name) throws Exception {
        FileCache files = (FileCache) awaitService(FileCache.class.getName(), 10_000);
        FcmIT.awaitImplementations(manager, "fcm.shared", "fcm.distributed");
        dir = Files.createTempDirectory("upgrade-it");
        Entry<FileCacheManager> e = files.open(dir.resolve(name), "fcm.shared", true);
        entries.add(e.id());
        return e;
    }

    private void closeFiles() throws Exception {
        FileCache files = (FileCache) awaitService(FileCache.class.getName(), 10_000);
        for (long id : entries) {
            files.close(id);
        }
        entries.clear();
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private void refresh(Bundle b) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        context.getBundle(0).adapt(FrameworkWiring.class).refreshBundles(List.of(b), e -> {
            if (e.getType() == FrameworkEvent.PACKAGES_REFRESHED) {
                done.countDown();
            }
        });
        assertTrue("refresh did not end in 30 s", done.await(30, TimeUnit.SECONDS));
    }

    @Test
    public void updateWithoutAUrlThenRefreshKeepAnOpenFileOnTheSharedFcmsNewRevision() throws Exception {
        Bundle shared = installedBundle("swap.fcm.shared");
        assertTrue("installed from a location update can read: " + shared.getLocation(), shared.getLocation().startsWith("file:"));
        Entry<FileCacheManager> e = file("updated");
        String before = e.describe().revision;
        try (FileLoad load = new FileLoad(e.handle(), 2)) {
            shared.update();
            await("the file on the new revision of fcm.shared: " + e.describe().state + " " + e.describe().revision,
                    () -> "ACTIVE".equals(e.describe().state) && !before.equals(e.describe().revision));
            String updated = e.describe().revision;
            Thread.sleep(200);
            refresh(shared);
            await("the file on fcm.shared after the refresh", () -> "ACTIVE".equals(e.describe().state) && history(e.id()).size() >= 4);
            assertNotEquals(before, updated);
            Thread.sleep(200);
            load.close();
            load.check(e.handle());
        }
        assertOn(e, "fcm.shared", "1.0.0", shared);
        assertOnlyCompleted(e.id());
        List<SwapResult> h = history(e.id());
        // Parked and moved to the new revision, twice (update, refresh). Once in six runs of the whole suite a fifth row
        // followed: an adoption onto fcm.shared of the same revision, with the state (cause not established; see the
        // note of issue 21). It is allowed here only as that: a completed move of the entry back onto fcm.shared.
        assertTrue("parked and moved to the new revision, twice (update, refresh): " + h, h.size() == 4
                || h.size() == 5 && h.get(4).reason.startsWith("adopted: implementation fcm.shared") && "fcm.shared 1.0.0".equals(h.get(4).to));
        for (int i = 0; i < 4; i += 2) {
            assertEquals("fcm.shared 1.0.0 (parked)", h.get(i).to);
            assertTrue(h.get(i).reason, h.get(i).reason.contains("bundle swap.fcm.shared (" + shared.getBundleId() + ") is being updated or refreshed"));
            assertTrue("the park kept only what the new revision can read: " + h.get(i).skippedFormats,
                    h.get(i).skippedFormats.get(0).startsWith("fcm.shared.map.v1: swap.fcm.shared.internal.SharedState is defined by bundle swap.fcm.shared"));
            assertEquals("fcm.shared 1.0.0", h.get(i + 1).to);
            assertTrue(h.get(i + 1).reason, h.get(i + 1).reason.startsWith("in-place upgrade"));
            assertEquals("the canonical format: the map's type is private to the old revision", "fcm.pages.v1", h.get(i + 1).format);
        }
        closeFiles();
    }

    @Test
    public void aFileOrphanedOnAStoppedRevisionIsAdoptedByTheNextRevisionInTheCanonicalFormat() throws Exception {
        Bundle shared = installedBundle("swap.fcm.shared");
        Bundle distributed = installedBundle("swap.fcm.distributed");
        // the FCMs by pattern and size (issue 28, in the distribution) could take the file too: out of the way here
        Bundle pattern = installedBundle("swap.fcm.pattern");
        pattern.stop();
        Entry<FileCacheManager> e = file("orphaned");
        try (FileLoad load = new FileLoad(e.handle(), 2)) {
            distributed.stop();
            shared.stop();
            EntryDTO d = e.describe();
            assertEquals("nothing could take it", "ORPHANED", d.state);
            assertTrue(d.stateReason, d.stateReason.contains("bundle swap.fcm.shared (" + shared.getBundleId() + ") stopped"));
            Thread.sleep(200);
            shared.update(); // a new revision; the entry still runs on the old one
            shared.start();
            await("adopted by the new revision", () -> "ACTIVE".equals(e.describe().state));
            Thread.sleep(200);
            load.close();
            load.check(e.handle());
        }
        assertOn(e, "fcm.shared", "1.0.0", shared);
        List<SwapResult> h = history(e.id());
        assertEquals(h.toString(), 1, h.size());
        SwapResult r = h.get(0);
        assertEquals(r.toString(), SwapOutcome.COMPLETED, r.outcome);
        assertEquals("a swap between two revisions of one bundle takes the canonical format", "fcm.pages.v1", r.format);
        assertEquals(r.skippedFormats.toString(), 1, r.skippedFormats.size());
        assertTrue(r.skippedFormats.get(0), r.skippedFormats.get(0).startsWith("fcm.shared.map.v1: swap.fcm.shared.internal.SharedState is a different class on each side"));
        closeFiles();
        pattern.start();
    }
}
