package swap.testkit.osgi;

import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.cleanCaches;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.ops4j.pax.exam.Option;

/**
 * Pax Exam options that boot the swap platform (Felix with exactly the bundles of the distribution,
 * {@code swap.jar}) with a plug-in project's own bundles, offline, from the local Maven repository:
 *
 * <pre>{@code
 * @RunWith(PaxExam.class)
 * @ExamReactorStrategy(PerClass.class)
 * public class MyCounterIT {
 *     @Inject SwapManager swaps;          // the probe may see it (swap.visibility.allowed=PAXEXAM-PROBE-*)
 *
 *     @Configuration
 *     public Option[] config() {
 *         return SwapPlatform.options(SwapPlatform.projectBundle(), SwapPlatform.installed("dev.swap", "swap.example.api"));
 *     }
 *     ...
 * }
 * }</pre>
 *
 * <p>What it sets up (what a plug-in project used to copy from the platform's own tests): the
 * distribution's bundles, read from the list this artifact was built with; JUnit for the probe;
 * {@code mvn:} links (Pax Exam's own bundles) resolved from the local repository only, with no
 * network; the swap manager visible to Pax Exam's probe; a Gogo shell that neither reads stdin nor
 * stops the framework; quiet logging. The local repository is {@code maven.repo.local} (Maven's
 * failsafe passes {@code -Dmaven.repo.local=...} on) or {@code ~/.m2/repository}.
 *
 * <p>This class runs outside the framework only (in {@code @Configuration}); Pax Exam's probe, which
 * runs the test methods inside it, does not contain it. Inside, inject services with {@code @Inject}
 * (Pax Exam waits for them).
 *
 * <p>Pax Exam's own runtime bundles must be in that repository: a project whose parent is
 * {@code dev.swap:swap.plugin.parent} fetches them in {@code pre-integration-test}.
 */
public final class SwapPlatform {

    /** System property: the project's bundle (set by swap.plugin.parent's failsafe configuration). */
    public static final String PROJECT_BUNDLE = "swap.project.bundle";
    private static final String LIST = "/swap/testkit/osgi/distribution.list";
    private static final Pattern ENTRY = Pattern.compile("^\\s*([^:\\s]+):([^:\\s]+):jar:([^:\\s]+):\\w+");

    static {
        // mvn: links (Pax Exam's own bundles): the local repository only, no remote repository, no fallback.
        setDefault("org.ops4j.pax.url.mvn.localRepository", localRepository().getAbsolutePath());
        setDefault("org.ops4j.pax.url.mvn.repositories", "");
        setDefault("org.ops4j.pax.url.mvn.useFallbackRepositories", "false");
        setDefault("org.ops4j.pax.url.mvn.offline", "true");
        setDefault("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    }

    private SwapPlatform() {
    }

    private static void setDefault(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    /**
     * The options of a test: the platform, then {@code extra} (bundles, properties), in that order.
     */
    public static Option[] options(Option... extra) {
        File goshHome = new File("target/swap-testkit/gosh-home");
        File deploy = new File("target/swap-testkit/deploy");
        try {
            Files.createDirectories(new File(goshHome, "etc").toPath());
            Files.createDirectories(deploy.toPath());
            // An empty Gogo profile: the default one fails without a console (--nointeractive).
            Files.write(new File(goshHome, "etc/gosh_profile").toPath(), new byte[0]);
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot prepare target/swap-testkit: " + ex.getMessage(), ex);
        }
        List<Option> options = new ArrayList<>();
        options.add(cleanCaches());
        options.add(systemProperty("org.ops4j.pax.logging.DefaultServiceLog.level").value("WARN"));
        options.add(frameworkProperty("felix.log.level").value("1"));
        options.add(frameworkProperty("swap.visibility.allowed").value("PAXEXAM-PROBE-*"));
        options.add(frameworkProperty("gosh.args").value("--nointeractive"));
        options.add(frameworkProperty("gosh.home").value(goshHome.getAbsolutePath()));
        options.add(frameworkProperty("felix.fileinstall.dir").value(deploy.getAbsolutePath()));
        // HTTP (Felix HTTP Jetty, /metrics and /health/ready) on a local port that is free now, not 8080:
        // a running distribution or another build's tests may hold that one.
        options.add(frameworkProperty("org.osgi.service.http.host").value("127.0.0.1"));
        options.add(frameworkProperty("org.apache.felix.http.host").value("127.0.0.1"));
        options.add(frameworkProperty("org.osgi.service.http.port").value(String.valueOf(freePort())));
        options.add(junitBundles());
        for (String[] gav : distribution()) {
            options.add(installed(gav[0], gav[1], gav[2]));
        }
        options.addAll(Arrays.asList(extra));
        return options.toArray(new Option[0]);
    }

    private static int freePort() {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException ex) {
            throw new UncheckedIOException("no free local port for HTTP: " + ex.getMessage(), ex);
        }
    }

    /**
     * The bundle this project builds: the file named by system property {@value #PROJECT_BUNDLE}, or
     * else the only jar in {@code target/} (run the test with {@code mvn verify}: failsafe runs after
     * {@code package}).
     */
    public static Option projectBundle() {
        String path = System.getProperty(PROJECT_BUNDLE);
        File f;
        if (path != null) {
            f = new File(path);
        } else {
            File[] jars = new File("target").listFiles((d, n) -> n.endsWith(".jar") && !n.endsWith("-sources.jar") && !n.endsWith("-tests.jar"));
            if (jars == null || jars.length != 1) {
                throw new IllegalStateException("cannot tell this project's bundle: " + (jars == null ? 0 : jars.length)
                        + " jars in target/; set the system property " + PROJECT_BUNDLE + " to its path (swap.plugin.parent does)"
                        + " and run the test with mvn verify");
            }
            f = jars[0];
        }
        if (!f.isFile()) {
            throw new IllegalStateException("no bundle " + f + ": run the test with mvn verify (failsafe runs after package)");
        }
        return bundle(f.toURI().toString());
    }

    /** The bundle {@code groupId:artifactId} at the platform's version, from the local repository (e.g. {@code swap.example.api}). */
    public static Option installed(String groupId, String artifactId) {
        return installed(groupId, artifactId, version());
    }

    /** The bundle {@code groupId:artifactId:version} from the local repository. */
    public static Option installed(String groupId, String artifactId, String version) {
        File f = new File(localRepository(), groupId.replace('.', '/') + "/" + artifactId + "/" + version + "/" + artifactId + "-" + version + ".jar");
        if (!f.isFile()) {
            throw new IllegalStateException("bundle " + groupId + ":" + artifactId + ":" + version + " is not in the local repository "
                    + localRepository() + ": add it to the project's test dependencies so that Maven fetches it");
        }
        return bundle(f.toURI().toString());
    }

    /** Also lets bundles matching these symbolic-name globs see the swap manager (framework property swap.visibility.allowed). */
    public static Option swapManagerVisibleTo(String... globs) {
        List<String> l = new ArrayList<>(Arrays.asList(globs));
        l.add(0, "PAXEXAM-PROBE-*");
        return frameworkProperty("swap.visibility.allowed").value(String.join(",", l));
    }

    /** The platform version this harness was built with (that of swap.api in its list). */
    public static String version() {
        for (String[] gav : distribution()) {
            if (gav[0].equals("dev.swap") && gav[1].equals("swap.api")) {
                return gav[2];
            }
        }
        throw new IllegalStateException("swap.api is not in " + LIST);
    }

    /** The local Maven repository: {@code maven.repo.local}, else {@code ~/.m2/repository}. */
    static File localRepository() {
        String r = System.getProperty("maven.repo.local");
        return r != null && !r.isBlank() ? new File(r) : new File(System.getProperty("user.home"), ".m2/repository");
    }

    /** groupId, artifactId, version of every bundle of the distribution. */
    static List<String[]> distribution() {
        List<String[]> l = new ArrayList<>();
        try (InputStream in = SwapPlatform.class.getResourceAsStream(LIST)) {
            if (in == null) {
                throw new IllegalStateException(LIST + " is missing from swap.testkit.osgi's jar");
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = r.readLine()) != null; ) {
                Matcher m = ENTRY.matcher(line.replaceAll("\u001b\\[[0-9;]*m", ""));
                if (m.find()) {
                    l.add(new String[] {m.group(1), m.group(2), m.group(3)});
                }
            }
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return l;
    }
}
