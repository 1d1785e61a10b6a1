package swap.itest;

import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.fail;
import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.cleanCaches;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import javax.inject.Inject;

import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.util.tracker.ServiceTracker;

/**
 * Base class of every in-framework test: boots Felix (Pax Exam native container) with exactly the
 * bundles of the distribution {@code cnf/target/swap.jar}, i.e. the dependencies of
 * {@code swap.runtime/pom.xml}, as built by this reactor (copied to {@code target/bundles} by
 * maven-dependency-plugin, path passed by failsafe in {@value #BUNDLES_DIR}).
 *
 * <p>Subclasses: annotate with {@code @RunWith(PaxExam.class)} and
 * {@code @ExamReactorStrategy(PerClass.class)}, name the class {@code *IT}, and override
 * {@link #extraOptions()} to add bundles or properties. A test bundle built by the build is passed
 * as a failsafe system property {@code swap.testbundle.NAME=path} (see swap.itest/pom.xml) and
 * installed with {@code CoreOptions.bundle(testBundleUrl("NAME"))}, or at run time with
 * {@code context.installBundle(testBundleUrl("NAME"))}.
 *
 * <p>Runs offline: Pax Exam's own runtime bundles are resolved through {@code mvn:} links from the
 * build's local repository only (failsafe sets {@code org.ops4j.pax.url.mvn.*}).
 */
public abstract class PlatformTestSupport {
    /** System property: directory holding the distribution's bundles. */
    public static final String BUNDLES_DIR = "swap.bundles.dir";
    /** System property prefix: {@code swap.testbundle.NAME} = path of an extra test bundle. */
    public static final String TEST_BUNDLE_PREFIX = "swap.testbundle.";
    /** Bundle symbolic names of the platform's own bundles. */
    public static final List<String> PLATFORM_BUNDLES = Collections.unmodifiableList(Arrays.asList(
            "swap.api", "swap.core", "swap.fcm.shared", "swap.fcm.distributed", "swap.monitor", "swap.shell"));

    static {
        // mvn: links (Pax Exam's own bundles) resolve from the local repository only: no remote
        // repository, no fallback (see also failsafe's org.ops4j.pax.url.mvn.* properties).
        System.setProperty("org.ops4j.pax.url.mvn.repositories", "");
        System.setProperty("org.ops4j.pax.url.mvn.useFallbackRepositories", "false");
    }

    /**
     * The HTTP port given to the framework: a port that was free when the configuration was made.
     * Tests read it with {@link #httpPort()} (inside the framework this class is loaded again, by the
     * test probe, so this field holds another value there).
     */
    private static final int HTTP_PORT = freePort();

    private static int freePort() {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free local port: " + e.getMessage(), e);
        }
    }

    @Inject
    protected BundleContext context;

    @Configuration
    public final Option[] config() throws IOException {
        File deploy = new File("target/deploy");
        deploy.mkdirs();
        // An empty Gogo profile: the default one fails without a console (--nointeractive).
        File goshHome = new File("target/gosh-home");
        new File(goshHome, "etc").mkdirs();
        Files.write(new File(goshHome, "etc/gosh_profile").toPath(), new byte[0]);
        List<Option> options = new ArrayList<>();
        options.add(cleanCaches());
        options.add(systemProperty("org.ops4j.pax.logging.DefaultServiceLog.level").value("WARN"));
        options.add(systemProperty(BUNDLES_DIR).value(bundlesDir().getAbsolutePath()));
        options.add(frameworkProperty("felix.log.level").value("1"));
        // The test probe (a bundle of Pax Exam's) calls the swap manager: let it see it (PID swap.visibility).
        options.add(frameworkProperty("swap.visibility.allowed").value("PAXEXAM-PROBE-*"));
        // The Gogo console must not read the test's stdin nor stop the framework.
        options.add(frameworkProperty("gosh.args").value("--nointeractive"));
        options.add(frameworkProperty("gosh.home").value(goshHome.getAbsolutePath()));
        options.add(frameworkProperty("felix.fileinstall.dir").value(deploy.getAbsolutePath()));
        options.add(frameworkProperty("felix.fileinstall.poll").value("1000"));
        // HTTP (Felix HTTP Jetty) on a free local port, not the distribution's 8080: tests of several builds may run at once.
        options.add(frameworkProperty("org.osgi.service.http.host").value("127.0.0.1"));
        options.add(frameworkProperty("org.apache.felix.http.host").value("127.0.0.1"));
        options.add(frameworkProperty("org.osgi.service.http.port").value(String.valueOf(HTTP_PORT)));
        options.add(junitBundles());
        for (File f : distributionBundles()) {
            options.add(bundle("file:" + f.getAbsolutePath()));
        }
        options.addAll(Arrays.asList(extraOptions()));
        return options.toArray(new Option[0]);
    }

    /** The framework's HTTP port (Felix HTTP Jetty on 127.0.0.1). */
    protected int httpPort() {
        return Integer.parseInt(context.getProperty("org.osgi.service.http.port"));
    }

    /** Override to add options (bundles, properties) on top of the distribution. */
    protected Option[] extraOptions() {
        return new Option[0];
    }

    /** The directory holding the distribution's bundles. */
    protected static File bundlesDir() {
        String dir = System.getProperty(BUNDLES_DIR);
        if (dir == null) {
            throw new IllegalStateException("system property " + BUNDLES_DIR
                    + " is not set: run the integration tests with Maven (mvn verify), which sets it");
        }
        return new File(dir);
    }

    /** The distribution's bundle files, sorted by name. */
    protected static List<File> distributionBundles() {
        File[] files = bundlesDir().listFiles((d, name) -> name.endsWith(".jar"));
        if (files == null || files.length == 0) {
            throw new IllegalStateException("no bundles in " + bundlesDir());
        }
        Arrays.sort(files);
        return Arrays.asList(files);
    }

    /** URL of the extra test bundle passed as system property {@code swap.testbundle.NAME}. */
    protected static String testBundleUrl(String name) {
        String path = System.getProperty(TEST_BUNDLE_PREFIX + name);
        if (path == null) {
            throw new IllegalStateException("system property " + TEST_BUNDLE_PREFIX + name
                    + " is not set: add it to failsafe's systemPropertyVariables in swap.itest/pom.xml");
        }
        return new File(path).toURI().toString();
    }

    /** The installed bundle with this symbolic name; fails the test if there is none. */
    protected Bundle installedBundle(String symbolicName) {
        for (Bundle b : context.getBundles()) {
            if (symbolicName.equals(b.getSymbolicName())) {
                return b;
            }
        }
        fail("no bundle " + symbolicName + " installed");
        return null;
    }

    /** Waits up to {@code timeoutMillis} for a service of this class name; fails the test if none appears. */
    protected Object awaitService(String className, long timeoutMillis) throws InterruptedException {
        ServiceTracker<Object, Object> tracker = new ServiceTracker<>(context, className, null);
        tracker.open(true);
        try {
            Object service = tracker.waitForService(timeoutMillis);
            assertNotNull("no " + className + " service within " + timeoutMillis + " ms", service);
            return service;
        } finally {
            tracker.close();
        }
    }

    /**
     * Turns the autonomic swaps of file cache managers off (the concurrency policy and the shared
     * FCM's own contention trigger), or back on (the trigger; the policy stays off, its default) (PID {@code swap.fcm.shared}, {@code self.swap}; waits
     * until the FCM service shows the setting). Tests that swap file cache managers themselves turn
     * them off, so that autonomic swaps do not race theirs ("mid-swap").
     */
    protected void autonomicSwaps(boolean on) throws Exception {
        if (!on) { // the policy starts off; turning the swaps back on leaves it off
            ((swap.api.PolicyRunner) awaitService(swap.api.PolicyRunner.class.getName(), 10_000)).enable("policy.concurrency", false);
        }
        awaitService(org.osgi.service.cm.ConfigurationAdmin.class.getName(), 10_000);
        org.osgi.framework.ServiceReference<org.osgi.service.cm.ConfigurationAdmin> ref = context.getServiceReference(org.osgi.service.cm.ConfigurationAdmin.class);
        org.osgi.service.cm.ConfigurationAdmin ca = context.getService(ref);
        try {
            java.util.Dictionary<String, Object> d = new java.util.Hashtable<>();
            d.put("self.swap", String.valueOf(on));
            ca.getConfiguration("swap.fcm.shared", "?").update(d);
        } finally {
            context.ungetService(ref);
        }
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        String filter = "(&(swap.impl.name=fcm.shared)(self.swap=" + on + "))";
        while (context.getServiceReferences("swap.api.fcm.FileCacheManager", filter) == null) {
            if (System.nanoTime() > deadline) {
                fail("the shared FCM did not take self.swap=" + on + " within 10 s");
            }
            Thread.sleep(20);
        }
    }

    /** Readable bundle state, for assertion messages. */
    protected static String state(Bundle b) {
        switch (b.getState()) {
            case Bundle.INSTALLED: return "INSTALLED";
            case Bundle.RESOLVED: return "RESOLVED";
            case Bundle.STARTING: return "STARTING";
            case Bundle.STOPPING: return "STOPPING";
            case Bundle.ACTIVE: return "ACTIVE";
            case Bundle.UNINSTALLED: return "UNINSTALLED";
            default: return String.valueOf(b.getState());
        }
    }
}
