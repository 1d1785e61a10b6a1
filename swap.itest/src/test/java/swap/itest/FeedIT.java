package swap.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.bundle;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.HexFormat;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleListener;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;

import swap.api.Entry;
import swap.api.JournalRecordDTO;
import swap.api.SwapJournal;
import swap.api.SwapManager;
import swap.api.SwapOutcome;
import swap.example.counter.Counter;

/**
 * Issue 25: fixes that arrive by themselves. A repository (an OSGi Repository index in a directory,
 * read by the feed with bnd's parser) gains, in turn, a signed micro version of the running counter
 * implementation, a signed but bad one (it fails every 10th increment) and an unsigned one, while a
 * load calls the entries under a signed-only trust policy:
 * <ol>
 * <li>the good fix is found within one poll, installed side by side, every entry moved with its state
 * (no failed call, exact totals), the old bundle uninstalled, and the journal says "feed" and the repository;</li>
 * <li>the bad fix is taken, watched, reverted by itself (every entry back on the good fix, with its state),
 * remembered as bad and not installed again at later polls;</li>
 * <li>the unsigned one is refused before it is installed (it never appears among the bundles).</li>
 * </ol>
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class FeedIT extends StoreTestSupport {
    private static final String BSN = "swap.example.simple";
    private static final long POLL_SECONDS = 2;
    private static final long WAIT_MILLIS = 60_000;

    private ServiceReference<ConfigurationAdmin> caRef;
    private ConfigurationAdmin ca;
    private Path dir;
    private final List<Long> entries = new ArrayList<>();
    /** Every version of {@value #BSN} the framework saw installed. */
    private final List<String> installed = new CopyOnWriteArrayList<>();
    private final BundleListener installs = (org.osgi.framework.SynchronousBundleListener) e -> {
        if (e.getType() == BundleEvent.INSTALLED && BSN.equals(e.getBundle().getSymbolicName())) {
            installed.add(e.getBundle().getVersion().toString());
        }
    };

    @Override
    protected Option[] extraOptions() {
        return new Option[] {bundle(testBundleUrl("example.api"))};
    }

    @Before
    public void setUp() throws Exception {
        manager = (SwapManager) awaitService(SwapManager.class.getName(), 10_000);
        awaitService(ConfigurationAdmin.class.getName(), 10_000);
        caRef = context.getServiceReference(ConfigurationAdmin.class);
        ca = context.getService(caRef);
        Files.createDirectories(Paths.get("target"));
        dir = Files.createTempDirectory(Paths.get("target"), "feed-").toAbsolutePath();
        context.addBundleListener(installs);
    }

    @After
    public void tearDown() {
        context.removeBundleListener(installs);
        for (long id : entries) {
            try {
                manager.release(id);
            } catch (RuntimeException ignored) {
                // the framework is thrown away after each test anyway
            }
        }
        context.ungetService(caRef);
    }

    /** Calls increment on every entry round robin, counting what returned and what threw. */
    private static final class Load implements AutoCloseable {
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicLong[] done;
        final ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        final List<Thread> threads = new ArrayList<>();

        Load(int n, List<Entry<Counter>> es) {
            done = new AtomicLong[es.size()];
            for (int i = 0; i < done.length; i++) {
                done[i] = new AtomicLong();
            }
            for (int t = 0; t < n; t++) {
                Thread th = new Thread(() -> {
                    int i = 0;
                    while (running.get()) {
                        int k = i++ % es.size();
                        try {
                            es.get(k).handle().increment();
                            done[k].incrementAndGet();
                        } catch (Throwable ex) {
                            errors.add(ex);
                        }
                        if (i % 64 == 0) {
                            Thread.yield();
                        }
                    }
                }, "feed-load-" + t);
                threads.add(th);
                th.start();
            }
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            for (Thread th : threads) {
                th.join(30_000);
            }
        }
    }

    @Test
    public void theFeedTakesAGoodFixRevertsABadOneAndRefusesAnUnsignedOne() throws Exception {
        // keys, a signed-only policy for counters, and the running version signed
        Path ks = TestJars.keyStore(dir, "release");
        TestJars.trustStore(dir, ks, "release");
        Dictionary<String, Object> policy = new Hashtable<>();
        policy.put("rules", new String[] {"swap.example.counter.*=swap.example.*;signed"});
        policy.put("truststore", dir.resolve("trust.p12").toString());
        policy.put("truststore.password", TestJars.PASSWORD);
        ca.getConfiguration("swap.trust", "?").update(policy);
        Thread.sleep(500);
        Path simple = Paths.get(new java.net.URI(testBundleUrl("example.simple")));
        Path simple2 = Paths.get(new java.net.URI(testBundleUrl("example.simple2")));
        Path running = TestJars.sign(simple, ks, "release", dir.resolve("simple-signed.jar"));
        Bundle old = context.installBundle(running.toUri().toString());
        old.start();
        List<Entry<Counter>> es = new ArrayList<>();
        assertTrue("counter.simple is trusted and registered", poll(WAIT_MILLIS, () -> {
            try {
                @SuppressWarnings("unchecked")
                Entry<Counter> e = manager.create(Counter.class, "counter.simple");
                entries.add(e.id());
                es.add(e);
                return true;
            } catch (RuntimeException e) {
                return false;
            }
        }));
        for (int i = 0; i < 2; i++) {
            @SuppressWarnings("unchecked")
            Entry<Counter> e = manager.create(Counter.class, "counter.simple");
            entries.add(e.id());
            es.add(e);
        }
        String oldVersion = old.getVersion().toString(); // 0.1.0.SNAPSHOT: the fixes are 0.1.1, 0.1.2, 0.1.3

        Files.createDirectories(dir.resolve("repo"));
        // the fixes, made now: the next version's code under micro versions of the running one
        Path good = TestJars.sign(TestJars.withManifest(simple2, dir.resolve("good.jar"), Map.of("Bundle-Version", "0.1.1")), ks, "release",
                dir.resolve("repo").resolve("simple-0.1.1.jar"));
        Path index = dir.resolve("repo").resolve("index.xml");
        writeIndex(index, good);

        Dictionary<String, Object> feed = new Hashtable<>();
        feed.put("repositories", new String[] {index.toUri().toString()});
        feed.put("poll.seconds", POLL_SECONDS);
        feed.put("watch.millis", 3_000L);
        ca.getConfiguration("swap.feed", "?").update(feed);

        try (Load load = new Load(2, es)) {
            // 1. the good fix: found, installed, every entry moved, no call failed
            assertTrue("every entry on 0.1.1: " + describe(es), poll(WAIT_MILLIS, () -> es.stream().allMatch(e -> "0.1.1".equals(versionOf(e))
                    && "ACTIVE".equals(e.describe().state))));
            Bundle fixed = installedVersion("0.1.1");
            assertNotNull(fixed);
            assertTrue("the old bundle goes", poll(WAIT_MILLIS, () -> old.getState() == Bundle.UNINSTALLED));
            assertEquals("no call failed while the fix was taken: " + load.errors, List.of(), new ArrayList<>(load.errors));
            JournalRecordDTO took = awaitJournal("upgrade", "feed: fix " + BSN + " 0.1.1 from " + index.toUri());
            assertEquals("the journal names the feed as initiator", "feed", took.initiator);

            // 2. a bad fix (signed; its manifest makes it fail every 10th increment): taken, watched, reverted, remembered
            Path bad = TestJars.sign(TestJars.withManifest(simple2, dir.resolve("bad.jar"), Map.of("Bundle-Version", "0.1.2", "X-Fail-Every", "10")), ks,
                    "release", dir.resolve("repo").resolve("simple-0.1.2.jar"));
            writeIndex(index, good, bad);
            assertTrue("the bad fix is reverted: " + describe(es), poll(WAIT_MILLIS, () -> es.stream().allMatch(e -> history(e.id()).stream()
                    .anyMatch(h -> h.outcome == SwapOutcome.REVERTED && h.to != null))));
            assertTrue("every entry back on 0.1.1", poll(WAIT_MILLIS, () -> es.stream().allMatch(e -> e.describe().bundleId == fixed.getBundleId())));
            assertTrue("the bad bundle is uninstalled again", poll(WAIT_MILLIS, () -> installedVersion("0.1.2") == null));
            for (Throwable t : load.errors) {
                assertTrue(String.valueOf(t), String.valueOf(t.getMessage()).contains("fail every 10th increment"));
            }
            // remembered: two more polls, and 0.1.2 was installed once only
            Thread.sleep(3 * POLL_SECONDS * 1000);
            assertEquals("0.1.2 is not taken again: " + installed, 1, installed.stream().filter("0.1.2"::equals).count());

            // 3. an unsigned newer version: refused before it is installed
            Path unsigned = TestJars.withManifest(simple2, dir.resolve("repo").resolve("simple-0.1.3.jar"), Map.of("Bundle-Version", "0.1.3"));
            writeIndex(index, good, bad, unsigned);
            JournalRecordDTO refused = awaitJournal("refusal", "bundle " + BSN + " not signed");
            assertEquals(BSN + " (" + BSN + "-0.1.3.jar, refused before installing it)", refused.to);
            assertEquals("feed", refused.initiator);
            Thread.sleep(2 * POLL_SECONDS * 1000);
            assertFalse("0.1.3 was never installed: " + installed, installed.contains("0.1.3"));
            load.close();
            // exact totals: every increment that returned is counted once
            for (int k = 0; k < es.size(); k++) {
                assertEquals("entry " + es.get(k).id(), load.done[k].get(), es.get(k).handle().get());
            }
            assertEquals("every entry still on 0.1.1", List.of(fixed.getBundleId(), fixed.getBundleId(), fixed.getBundleId()),
                    es.stream().map(e -> e.describe().bundleId).toList());
            assertEquals(oldVersion, "0.1.0.SNAPSHOT");
        }
    }

    /** Writes an R5 index of {@code jars} (the XML bnd's indexer writes: identity and content capabilities, URLs relative to the index). */
    private static void writeIndex(Path index, Path... jars) throws Exception {
        StringBuilder b = new StringBuilder("<?xml version='1.0' encoding='UTF-8'?>\n<repository xmlns='http://www.osgi.org/xmlns/repository/v1.0.0' name='fixes' increment='"
                + System.currentTimeMillis() + "'>\n");
        for (Path jar : jars) {
            java.util.jar.Manifest mf;
            try (java.util.jar.JarFile f = new java.util.jar.JarFile(jar.toFile())) {
                mf = f.getManifest();
            }
            String bsn = mf.getMainAttributes().getValue("Bundle-SymbolicName").split(";")[0];
            String version = mf.getMainAttributes().getValue("Bundle-Version");
            String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(jar)));
            b.append("<resource>\n<capability namespace='osgi.identity'><attribute name='osgi.identity' value='").append(bsn)
                    .append("'/><attribute name='type' value='osgi.bundle'/><attribute name='version' type='Version' value='").append(version)
                    .append("'/></capability>\n<capability namespace='osgi.content'><attribute name='osgi.content' value='").append(sha)
                    .append("'/><attribute name='url' value='").append(index.getParent().relativize(jar)).append("'/><attribute name='size' type='Long' value='")
                    .append(Files.size(jar)).append("'/><attribute name='mime' value='application/vnd.osgi.bundle'/></capability>\n</resource>\n");
        }
        b.append("</repository>\n");
        Path tmp = index.resolveSibling("index.xml.tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            out.write(b.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        Files.move(tmp, index, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private Bundle installedVersion(String version) {
        for (Bundle b : context.getBundles()) {
            if (BSN.equals(b.getSymbolicName()) && version.equals(b.getVersion().toString())) {
                return b;
            }
        }
        return null;
    }

    /** The version of the bundle entry {@code e} runs on, or {@code null}. */
    private String versionOf(Entry<Counter> e) {
        Bundle b = context.getBundle(e.describe().bundleId);
        return b == null ? null : b.getVersion().toString();
    }

    private String describe(List<Entry<Counter>> es) {
        StringBuilder b = new StringBuilder();
        for (Entry<Counter> e : es) {
            b.append(e.id()).append(": ").append(e.describe().bundle).append(' ').append(versionOf(e)).append(' ').append(e.describe().state).append("; ");
        }
        return b + "installed " + installed;
    }

    private JournalRecordDTO awaitJournal(String kind, String text) throws InterruptedException {
        SwapJournal j = (SwapJournal) awaitService(SwapJournal.class.getName(), 10_000);
        JournalRecordDTO[] found = new JournalRecordDTO[1];
        poll(WAIT_MILLIS, () -> {
            for (JournalRecordDTO r : j.records(500, -1)) {
                if (kind.equals(r.kind) && r.reason != null && r.reason.contains(text)) {
                    found[0] = r;
                    return true;
                }
            }
            return false;
        });
        assertNotNull("no journal record " + kind + " with '" + text + "'", found[0]);
        return found[0];
    }
}
