package swap.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.ops4j.pax.exam.CoreOptions.bundle;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;

import swap.api.Entry;
import swap.api.ImplementationDTO;
import swap.api.JournalRecordDTO;
import swap.api.SwapConstants;
import swap.api.SwapException;
import swap.api.SwapJournal;
import swap.api.SwapManager;
import swap.example.counter.Counter;

/**
 * The trust policy and the swap manager's visibility in a real framework. Keys are made at test time
 * with the JDK's keytool (nothing is committed); the example striped counter bundle is signed with
 * jarsigner in five variants: renamed (signed by the trusted key, but its name is not allowed),
 * unsigned, signed by another key, changed after signing, and signed by the trusted key. The first
 * four are refused, each with its reason (in swap:impls' DTO, an event, the health check, the journal,
 * and no swap or create can target them); the last is accepted. A bundle that the visibility policy
 * does not allow gets no swap manager.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class TrustIT extends PlatformTestSupport {
    private static final String PASSWORD = "changeit";
    private static final String COUNTER = Counter.class.getName();

    private final List<Event> events = new CopyOnWriteArrayList<>();
    private ServiceRegistration<EventHandler> handler;
    private SwapManager manager;
    private ServiceReference<ConfigurationAdmin> caRef;
    private ConfigurationAdmin ca;
    private Path dir;

    @Override
    protected Option[] extraOptions() {
        return new Option[] {bundle(testBundleUrl("example.api"))};
    }

    @Before
    public void setUp() throws Exception {
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(EventConstants.EVENT_TOPIC, SwapConstants.TOPIC_TRUST_REFUSED);
        handler = context.registerService(EventHandler.class, events::add, props);
        manager = (SwapManager) awaitService(SwapManager.class.getName(), 10_000);
        awaitService(ConfigurationAdmin.class.getName(), 10_000);
        caRef = context.getServiceReference(ConfigurationAdmin.class); // held: the service object of a tracker that closed is invalid
        ca = context.getService(caRef);
        dir = Files.createTempDirectory(Paths.get("target"), "trust-").toAbsolutePath();
    }

    @After
    public void tearDown() throws Exception {
        handler.unregister();
        Configuration c = ca.getConfiguration("swap.trust", "?");
        if (c.getProperties() != null) {
            c.delete();
        }
        context.ungetService(caRef);
    }

    // ------------------------------------------------------------------ trust

    @Test
    public void untrustedBundlesAreRefusedWithTheirReasonAndATrustedSignedOneIsAccepted() throws Exception {
        Path striped = Paths.get(new java.net.URI(testBundleUrl("example.striped")));
        Path release = keyStore("release");
        Path intruder = keyStore("intruder");
        Path trust = trustStore(release, "release");
        Dictionary<String, Object> policy = new Hashtable<>();
        policy.put("rules", new String[] {"swap.example.counter.*=swap.example.*;signed"});
        policy.put("truststore", trust.toString());
        policy.put("truststore.password", PASSWORD);
        ca.getConfiguration("swap.trust", "?").update(policy);
        awaitJournal("policy", "trust policy: rules [swap.example.counter.*=swap.example.*;signed]");

        Path renamed = sign(rewrite(striped, "renamed.jar", (name, b) -> name.equals("META-INF/MANIFEST.MF")
                ? new String(b, StandardCharsets.UTF_8).replace("Bundle-SymbolicName: swap.example.striped", "Bundle-SymbolicName: evil.striped").getBytes(StandardCharsets.UTF_8)
                : b), release, "release", "renamed-signed.jar");
        refused(renamed, "evil.striped", "bundle evil.striped is not allowed to provide " + COUNTER);

        refused(striped, "swap.example.striped", "not signed");

        Path other = sign(striped, intruder, "intruder", "intruder-signed.jar");
        refused(other, "swap.example.striped", "signed by CN=intruder");

        Path signed = sign(striped, release, "release", "release-signed.jar");
        Path tampered = rewrite(signed, "tampered.jar", (name, b) -> name.startsWith("OSGI-INF/") && name.endsWith(".xml")
                ? (new String(b, StandardCharsets.UTF_8) + "<!-- changed after signing -->\n").getBytes(StandardCharsets.UTF_8)
                : b);
        refused(tampered, "swap.example.striped", "tampered after signing");

        Bundle ok = install(signed);
        try {
            ImplementationDTO d = awaitImplementation("counter.striped", ok);
            assertNull("trusted: " + d.refused, d.refused);
            Entry<Counter> e = manager.create(Counter.class, "counter.striped");
            e.handle().increment();
            assertEquals("swap.example.striped", e.describe().bundle);
            manager.release(e.id());
        } finally {
            ok.uninstall();
        }
    }

    /** Installs {@code jar}, checks every way it is reported refused, uninstalls it. */
    private void refused(Path jar, String bsn, String reason) throws Exception {
        events.clear();
        Bundle b = install(jar);
        try {
            ImplementationDTO d = awaitImplementation("counter.striped", b);
            assertNotNull(bsn + " should be refused", d.refused);
            assertTrue(d.refused, d.refused.contains(reason));
            assertEquals(bsn, d.bundle);

            try {
                Entry<Counter> e = manager.create(Counter.class, "counter.striped");
                fail("created an entry on an untrusted implementation: " + e.describe().bundle);
            } catch (SwapException expected) {
                assertTrue(expected.getMessage(), expected.getMessage().contains("refused by the trust policy") && expected.getMessage().contains(reason));
            }

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (events.stream().noneMatch(ev -> Long.valueOf(b.getBundleId()).equals(ev.getProperty("bundle.id"))) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            Event ev = events.stream().filter(x -> Long.valueOf(b.getBundleId()).equals(x.getProperty("bundle.id"))).findFirst()
                    .orElseThrow(() -> new AssertionError("no " + SwapConstants.TOPIC_TRUST_REFUSED + " event for " + bsn));
            assertEquals(COUNTER, ev.getProperty(SwapConstants.EVENT_INTERFACE));
            assertTrue(String.valueOf(ev.getProperty(SwapConstants.EVENT_REASON)), String.valueOf(ev.getProperty(SwapConstants.EVENT_REASON)).contains(reason));

            String health = health();
            assertTrue(health, health.startsWith("WARN") || health.startsWith("CRITICAL"));
            assertTrue(health, health.contains("WARN implementation counter.striped") && health.contains("refused by the trust policy") && health.contains(reason));

            awaitJournal("refusal", reason);
        } finally {
            b.uninstall();
        }
    }

    /**
     * Runs the swap health check: its status, then one line per log entry (status, message). Reached
     * reflectively: the probe bundle does not import the Felix health-check API.
     */
    private String health() throws Exception {
        ServiceReference<?>[] refs = context.getServiceReferences("org.apache.felix.hc.api.HealthCheck", "(hc.name=swap)");
        assertNotNull("no swap health check", refs);
        Object hc = context.getService(refs[0]);
        try {
            Object result = hc.getClass().getMethod("execute").invoke(hc);
            StringBuilder b = new StringBuilder(String.valueOf(result.getClass().getMethod("getStatus").invoke(result)));
            for (Object entry : (Iterable<?>) result) {
                java.lang.reflect.Method status = entry.getClass().getMethod("getStatus");
                java.lang.reflect.Method message = entry.getClass().getMethod("getMessage");
                status.setAccessible(true);
                message.setAccessible(true);
                b.append('\n').append(status.invoke(entry)).append(' ').append(message.invoke(entry));
            }
            return b.toString();
        } finally {
            context.ungetService(refs[0]);
        }
    }

    private Bundle install(Path jar) throws Exception {
        Bundle b;
        try (InputStream in = Files.newInputStream(jar)) {
            b = context.installBundle("trust-test:" + jar.getFileName(), in);
        }
        b.start();
        return b;
    }

    private ImplementationDTO awaitImplementation(String name, Bundle from) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            for (ImplementationDTO d : manager.implementations(COUNTER)) {
                if (d.name.equals(name) && d.bundleId == from.getBundleId()) {
                    return d;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("implementation " + name + " of bundle " + from.getSymbolicName() + " did not appear in 10 s");
    }

    private JournalRecordDTO awaitJournal(String kind, String text) throws InterruptedException {
        SwapJournal j = (SwapJournal) awaitService(SwapJournal.class.getName(), 10_000);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            for (JournalRecordDTO r : j.records(200, -1)) {
                if (kind.equals(r.kind) && r.reason != null && r.reason.contains(text)) {
                    return r;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no journal record " + kind + " with '" + text + "' in: " + describe(j.records(20, -1)));
    }

    private static String describe(List<JournalRecordDTO> l) {
        StringBuilder b = new StringBuilder();
        for (JournalRecordDTO r : l) {
            b.append('\n').append(r.seq).append(' ').append(r.kind).append(' ').append(r.initiator).append(' ').append(r.reason);
        }
        return b.toString();
    }

    // ------------------------------------------------------------------ visibility and the journal's initiator

    @Test
    public void aBundleThatIsNotAllowedGetsNoSwapManagerUntilTheConfigurationAllowsIt() throws Exception {
        Bundle outsider = install(manifestOnlyBundle("swap.test.outsider"));
        try {
            BundleContext oc = outsider.getBundleContext();
            assertNull("the outsider sees the swap manager", oc.getServiceReference(SwapManager.class));
            assertNull(oc.getServiceReferences(SwapManager.class.getName(), null));
            assertNull(oc.getAllServiceReferences(null, "(objectClass=" + SwapManager.class.getName() + ")"));
            assertNull("nor the journal", oc.getServiceReference(SwapJournal.class));
            assertNotNull("the probe, allowed by the framework property, sees it", context.getServiceReference(SwapManager.class));
            awaitJournal("policy", "swap manager visible to bundles [swap.shell, swap.monitor, swap.fcm.*, swap.fleet, swap.webconsole, swap.metrics, PAXEXAM-PROBE-*");
            // swap:health (the swap health check) tells of the refusal, with the line that allows the bundle
            awaitJournal("refusal", "bundle swap.test.outsider [" + outsider.getBundleId() + "] is not allowed to see the swap manager");
            org.apache.felix.hc.api.HealthCheck hc = (org.apache.felix.hc.api.HealthCheck) context.getService(
                    context.getServiceReferences(org.apache.felix.hc.api.HealthCheck.class.getName(), "(hc.name=swap)")[0]);
            org.apache.felix.hc.api.Result health = hc.execute();
            StringBuilder messages = new StringBuilder();
            health.forEach(en -> messages.append(en.getStatus()).append(' ').append(en.getMessage()).append('\n'));
            assertEquals(messages.toString(), org.apache.felix.hc.api.Result.Status.WARN, health.getStatus());
            assertTrue(messages.toString(), messages.toString().contains("WARN bundle swap.test.outsider [" + outsider.getBundleId()
                    + "] is not allowed to see the swap manager") && messages.toString().contains(
                    "allowed.bundles=[\"swap.shell\",\"swap.monitor\",\"swap.fcm.*\",\"swap.fleet\",\"swap.webconsole\",\"swap.metrics\",\"swap.test.outsider\"]"));

            Configuration c = ca.getConfiguration("swap.visibility", "?");
            Dictionary<String, Object> p = new Hashtable<>();
            p.put("allowed.bundles", new String[] {"swap.shell", "swap.monitor", "swap.fcm.*", "swap.fleet", "swap.test.outsider"});
            c.update(p);
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (oc.getServiceReference(SwapManager.class) == null && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertNotNull("allowed by configuration, the outsider sees the swap manager", oc.getServiceReference(SwapManager.class));
            } finally {
                c.delete();
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (oc.getServiceReference(SwapManager.class) != null && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertNull("back to the default: hidden again", oc.getServiceReference(SwapManager.class));
        } finally {
            outsider.uninstall();
        }
    }

    @Test
    public void theJournalNamesTheBundleThatCalledTheApi() throws Exception {
        Bundle simple = context.installBundle(testBundleUrl("example.simple"));
        Bundle striped = context.installBundle(testBundleUrl("example.striped"));
        try {
            simple.start();
            striped.start();
            awaitImplementation("counter.simple", simple);
            awaitImplementation("counter.striped", striped);
            Entry<Counter> e = manager.create(Counter.class, "counter.simple");
            assertEquals("COMPLETED", String.valueOf(manager.swap(e.id(), "counter.striped", "journal test").toCompletableFuture().get(30, TimeUnit.SECONDS).outcome));
            manager.interpose(e.id(), "calls");
            manager.removeInterposer(e.id(), "calls");
            SwapJournal j = (SwapJournal) awaitService(SwapJournal.class.getName(), 10_000);
            List<JournalRecordDTO> mine = j.records(10, e.id());
            List<String> kinds = new ArrayList<>();
            for (JournalRecordDTO r : mine) {
                kinds.add(r.kind);
            }
            assertEquals(describe(mine), List.of("remove", "interpose", "swap"), kinds);
            JournalRecordDTO swap = mine.get(2);
            String probe = "bundle " + context.getBundle().getSymbolicName() + " [" + context.getBundle().getBundleId() + "]";
            assertEquals(probe, swap.initiator);
            assertEquals("counter.simple 1.0.0", swap.from);
            assertTrue(swap.to, swap.to.startsWith("counter.striped "));
            assertEquals("COMPLETED", swap.outcome);
            assertEquals("swap.example.counter.value", swap.format);
            assertEquals("journal test", swap.reason);
            manager.release(e.id());
        } finally {
            striped.uninstall();
            simple.uninstall();
        }
    }

    // ------------------------------------------------------------------ keys and jars, made at test time

    private static String tool(String name) {
        return Paths.get(System.getProperty("java.home"), "bin", name).toString();
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(String.join(" ", command) + ":\n" + out, 0, p.waitFor());
    }

    private Path keyStore(String alias) throws IOException, InterruptedException {
        Path ks = dir.resolve(alias + ".p12");
        run(tool("keytool"), "-genkeypair", "-keystore", ks.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD, "-keypass", PASSWORD,
                "-alias", alias, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + alias + ",O=swap test", "-validity", "2");
        return ks;
    }

    private Path trustStore(Path keyStore, String alias) throws IOException, InterruptedException {
        Path cert = dir.resolve(alias + ".cer");
        Path ts = dir.resolve("trust.p12");
        run(tool("keytool"), "-exportcert", "-keystore", keyStore.toString(), "-storepass", PASSWORD, "-alias", alias, "-file", cert.toString());
        run(tool("keytool"), "-importcert", "-noprompt", "-keystore", ts.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD,
                "-alias", alias, "-file", cert.toString());
        return ts;
    }

    private Path sign(Path jar, Path keyStore, String alias, String name) throws IOException, InterruptedException {
        Path out = dir.resolve(name);
        Files.copy(jar, out);
        run(tool("jarsigner"), "-keystore", keyStore.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD, out.toString(), alias);
        return out;
    }

    /** A copy of {@code jar} with each entry's bytes passed through {@code change}. */
    private Path rewrite(Path jar, String name, java.util.function.BiFunction<String, byte[], byte[]> change) throws IOException {
        Path out = dir.resolve(name);
        try (ZipFile in = new ZipFile(jar.toFile()); OutputStream os = Files.newOutputStream(out); ZipOutputStream zip = new ZipOutputStream(os)) {
            for (Enumeration<? extends ZipEntry> en = in.entries(); en.hasMoreElements();) {
                ZipEntry e = en.nextElement();
                byte[] b;
                try (InputStream is = in.getInputStream(e)) {
                    b = is.readAllBytes();
                }
                zip.putNextEntry(new ZipEntry(e.getName()));
                zip.write(e.isDirectory() ? b : change.apply(e.getName(), b));
                zip.closeEntry();
            }
        }
        return out;
    }

    /** A bundle with a manifest and nothing else. */
    private Path manifestOnlyBundle(String bsn) throws IOException {
        Manifest mf = new Manifest();
        Attributes a = mf.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Bundle-ManifestVersion", "2");
        a.putValue("Bundle-SymbolicName", bsn);
        a.putValue("Bundle-Version", "1.0.0");
        Path out = dir.resolve(bsn + ".jar");
        try (OutputStream os = Files.newOutputStream(out); JarOutputStream jar = new JarOutputStream(os, mf)) {
            jar.flush();
        }
        return out;
    }
}
