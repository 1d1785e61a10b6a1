package swap.launcher;

import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.framework.startlevel.BundleStartLevel;

/**
 * Main class of {@code swap.jar}: starts an OSGi framework found through {@link FrameworkFactory}
 * ({@link ServiceLoader}), installs every {@code bundles/*.jar} embedded next to this class, gives
 * each its start level, starts them and waits until the framework stops (the Gogo console stops it
 * at end of input). Exit status: 0 when the framework stopped normally (or the status the console's
 * {@code exit N} set in the system property {@value #EXIT_STATUS}), 1 otherwise.
 *
 * <p>The framework first rises to one level below its beginning start level (every platform bundle,
 * not the console), then the launcher waits until FileInstall's first scan has installed and started
 * the bundles and applied the configuration files that were in the deploy directory at start
 * ({@link Deploy}, bounded by {@code swap.deploy.wait.seconds}), and only then raises the framework to
 * its beginning level, which starts the console: commands piped on stdin see what {@code deploy/} held.
 *
 * <p>Configuration: {@code swap-launcher.properties} (defaults, documented there), each key
 * overridable with a {@code -Dkey=value} system property.
 */
public final class Main {
    private static final String BUNDLES = "bundles/";
    /** Set by the console's {@code exit N} (swap.shell) before it stops the framework: the status to exit with. */
    static final String EXIT_STATUS = "swap.exit.status";
    private static final String STORAGE = "swap.storage";
    private static final String STARTLEVEL = "swap.startlevel.";
    /** Keys of the SLF4J simple logger's configuration: set as system properties, see swap-launcher.properties. */
    private static final String SIMPLE_LOGGER = "org.slf4j.simpleLogger.";
    /** The locations embedded bundles had before they were extracted (still found in old storages). */
    private static final String LOCATION_PREFIX = "swap:";
    /** Where, in the framework storage, the embedded bundles are extracted to be installed from {@code file:} URLs. */
    private static final String EXTRACTED = "swap-embedded-bundles";
    /** Held strongly: java.util.logging keeps loggers only weakly, which would drop the level. */
    private static final Logger JLINE_LOG = Logger.getLogger("org.jline");

    private Main() {
    }

    public static void main(String[] args) {
        try {
            System.exit(run());
        } catch (Exception e) {
            System.err.println("swap: cannot start the platform: " + e);
            e.printStackTrace();
            System.exit(1);
        }
    }

    static int run() throws Exception {
        Properties config = new Properties();
        try (InputStream in = Main.class.getResourceAsStream("/swap-launcher.properties")) {
            if (in != null) {
                config.load(in);
            }
        }
        for (String key : System.getProperties().stringPropertyNames()) {
            if (config.containsKey(key) || key.startsWith(STARTLEVEL)) {
                config.setProperty(key, System.getProperty(key));
            }
        }

        // JLine logs through java.util.logging, e.g. a warning on every run with piped stdin.
        JLINE_LOG.setLevel(Level.parse(config.getProperty("swap.jline.loglevel", "SEVERE").trim()));

        Map<String, String> fw = new HashMap<>();
        for (String key : config.stringPropertyNames()) {
            String value = config.getProperty(key).trim();
            if (key.startsWith(SIMPLE_LOGGER)) {
                if (System.getProperty(key) == null) {
                    System.setProperty(key, value);
                }
            } else if (!key.startsWith("swap.") && !value.isEmpty()) {
                fw.put(key, value);
            }
        }

        String storageProp = config.getProperty(STORAGE, "").trim();
        boolean temporary = storageProp.isEmpty();
        Path storage = temporary ? Files.createTempDirectory("swap-storage-") : Paths.get(storageProp).toAbsolutePath();
        fw.put(Constants.FRAMEWORK_STORAGE, storage.toString());
        if (temporary) {
            fw.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        }
        String deploy = fw.get("felix.fileinstall.dir");
        if (deploy != null) {
            Path dir = Paths.get(deploy).toAbsolutePath();
            Files.createDirectories(dir);
            fw.put("felix.fileinstall.dir", dir.toString());
        }

        Iterator<FrameworkFactory> factories = ServiceLoader.load(FrameworkFactory.class, Main.class.getClassLoader()).iterator();
        if (!factories.hasNext()) {
            throw new IllegalStateException("no org.osgi.framework.launch.FrameworkFactory on the class path");
        }
        // The console (highest start level) starts only once deploy/ is in: see the class comment.
        int beginning = Integer.parseInt(fw.getOrDefault(Constants.FRAMEWORK_BEGINNING_STARTLEVEL, "1"));
        Deploy deployed = deploy == null ? null : new Deploy(Paths.get(fw.get("felix.fileinstall.dir")));
        if (deployed != null && beginning > 1) {
            fw.put(Constants.FRAMEWORK_BEGINNING_STARTLEVEL, String.valueOf(beginning - 1));
        }
        Framework framework = factories.next().newFramework(fw);
        AtomicBoolean cleaned = new AtomicBoolean();
        Runnable cleanup = () -> {
            if (cleaned.getAndSet(true)) {
                return; // main thread and shutdown hook: only the first one cleans up
            }
            try {
                if ((framework.getState() & (Bundle.STARTING | Bundle.ACTIVE | Bundle.STOPPING)) != 0) {
                    framework.stop();
                    framework.waitForStop(10_000);
                }
            } catch (Exception e) {
                // exiting anyway
            }
            if (temporary) {
                deleteTree(storage);
            }
        };
        Runtime.getRuntime().addShutdownHook(new Thread(cleanup, "swap-shutdown"));
        ignoreInterrupt();

        framework.init();
        installBundles(framework.getBundleContext(), config, storage.resolve(EXTRACTED));
        framework.start();
        if (deployed != null && beginning > 1) {
            long waitSeconds = Long.parseLong(config.getProperty("swap.deploy.wait.seconds", "30").trim());
            String missing = deployed.await(framework.getBundleContext(), waitSeconds * 1000);
            if (missing != null) {
                System.err.println("swap: after " + waitSeconds + " s, FileInstall has not yet installed and started " + missing
                        + "; the console starts anyway (lb shows the bundles)");
            }
            consoleNotice(framework.getBundleContext());
            framework.adapt(org.osgi.framework.startlevel.FrameworkStartLevel.class).setStartLevel(beginning);
        } else {
            consoleNotice(framework.getBundleContext());
        }
        FrameworkEvent stopped = framework.waitForStop(0);
        cleanup.run();
        switch (stopped.getType()) {
            case FrameworkEvent.STOPPED:
            case FrameworkEvent.STOPPED_UPDATE:
            case FrameworkEvent.STOPPED_SYSTEM_REFRESHED:
                return Integer.getInteger(EXIT_STATUS, 0);
            default:
                System.err.println("swap: framework stopped with " + stopped.getType()
                        + (stopped.getThrowable() != null ? ": " + stopped.getThrowable() : ""));
                return 1;
        }
    }

    /**
     * Ctrl-C at the console (SIGINT) does not end the platform, as in Apache Karaf: only {@code exit}
     * (or {@code stop 0}) or the end of the console's input does. Without this the JVM's default
     * handler would stop the framework, also at a continuation prompt, taking a fleet's coordinator
     * down with it. While a command runs on a terminal JLine installs its own handler, which
     * interrupts that command, and puts this one back afterwards. SIGTERM still stops the platform
     * cleanly. Best effort: a JVM without {@code sun.misc.Signal} keeps its default.
     */
    private static void ignoreInterrupt() {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("INT"), signal -> System.err.println(
                    "swap: Ctrl-C does not stop the platform; type exit (or end the input, Ctrl-D) to stop it"));
        } catch (RuntimeException | LinkageError e) {
            // no SIGINT handling on this JVM or OS: the default (stop) stays
        }
    }

    /**
     * Installs (or, with a persistent storage, updates) the embedded bundles, sets start levels, starts them.
     *
     * <p>Each embedded bundle is first written to {@code dir} and installed from that file's
     * {@code file:} URL, so that {@code update ID} without a URL (which re-reads the bundle's
     * location) works on every bundle of the distribution. A storage made by an older launcher keeps
     * its {@code swap:} locations; those bundles are updated from the file instead.
     */
    private static void installBundles(BundleContext context, Properties config, Path dir) throws IOException, BundleException {
        int defaultLevel = Integer.parseInt(config.getProperty(STARTLEVEL + "default", "10").trim());
        List<Bundle> toStart = new ArrayList<>();
        Files.createDirectories(dir);
        for (Map.Entry<String, byte[]> e : embeddedBundles().entrySet()) {
            byte[] bytes = e.getValue();
            Path file = dir.resolve(e.getKey().substring(BUNDLES.length()));
            if (!Files.exists(file) || !java.util.Arrays.equals(Files.readAllBytes(file), bytes)) {
                Files.write(file, bytes);
            }
            String location = file.toUri().toString();
            Attributes main = manifest(bytes);
            Bundle bundle = context.getBundle(location);
            if (bundle == null) {
                bundle = context.getBundle(LOCATION_PREFIX + e.getKey()); // a storage of an older launcher
            }
            if (bundle == null) {
                bundle = context.installBundle(location);
            } else {
                String version = main.getValue(Constants.BUNDLE_VERSION);
                String installed = bundle.getHeaders("").get(Constants.BUNDLE_VERSION);
                if (version == null || !version.equals(installed) || version.contains("SNAPSHOT")) {
                    bundle.update(new ByteArrayInputStream(bytes));
                }
            }
            String bsn = bundle.getSymbolicName();
            String level = config.getProperty(STARTLEVEL + bsn);
            bundle.adapt(BundleStartLevel.class).setStartLevel(level == null ? defaultLevel : Integer.parseInt(level.trim()));
            if (main.getValue(Constants.FRAGMENT_HOST) == null) {
                toStart.add(bundle);
            }
        }
        for (Bundle b : toStart) {
            b.start(); // persistent: the bundle starts when the framework reaches its start level
        }
    }

    /** The Web Console's configuration PID (its user name and password, see docs/web-console.md). */
    static final String WEBCONSOLE_PID = "org.apache.felix.webconsole.internal.servlet.OsgiManager";

    /**
     * Prints one line when the Web Console still has its default password (admin): neither the framework
     * property {@code felix.webconsole.password} nor a {@code password} in configuration {@value #WEBCONSOLE_PID}
     * (e.g. from deploy/, applied by now) sets one. Runs before the console starts, so the line comes
     * before its banner; prints nothing without the Web Console bundle.
     */
    static void consoleNotice(BundleContext context) {
        Bundle console = null;
        for (Bundle b : context.getBundles()) {
            if ("org.apache.felix.webconsole".equals(b.getSymbolicName())) {
                console = b;
            }
        }
        if (console == null || context.getProperty("felix.webconsole.password") != null) {
            return;
        }
        try {
            ServiceReference<?> ref = context.getServiceReference("org.osgi.service.cm.ConfigurationAdmin");
            if (ref != null) {
                Object admin = context.getService(ref);
                try {
                    Class<?> api = ref.getBundle().loadClass("org.osgi.service.cm.ConfigurationAdmin");
                    Object[] set = (Object[]) api.getMethod("listConfigurations", String.class).invoke(admin,
                            "(&(service.pid=" + WEBCONSOLE_PID + ")(password=*))");
                    if (set != null && set.length > 0) {
                        return;
                    }
                } finally {
                    context.ungetService(ref);
                }
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            // cannot tell: say it anyway
        }
        String host = context.getProperty("org.apache.felix.http.host");
        String port = context.getProperty("org.osgi.service.http.port");
        System.out.println("swap: web console http://" + (host == null ? "localhost" : host) + ":" + ("0".equals(port) ? "PORT" : port == null ? "8080" : port)
                + "/system/console: user admin, password admin (the default); set a password: docs/web-console.md");
    }

    /** Every {@code bundles/*.jar} next to this class (in swap.jar, or a directory during development), by name. */
    private static Map<String, byte[]> embeddedBundles() throws IOException {
        Path source;
        try {
            source = Paths.get(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IOException(e);
        }
        Map<String, byte[]> result = new TreeMap<>();
        if (Files.isDirectory(source)) {
            Path dir = source.resolve(BUNDLES);
            if (Files.isDirectory(dir)) {
                try (Stream<Path> files = Files.list(dir)) {
                    for (Path p : (Iterable<Path>) files::iterator) {
                        if (p.getFileName().toString().endsWith(".jar")) {
                            result.put(BUNDLES + p.getFileName(), Files.readAllBytes(p));
                        }
                    }
                }
            }
        } else {
            try (JarFile jar = new JarFile(source.toFile())) {
                for (Enumeration<JarEntry> en = jar.entries(); en.hasMoreElements();) {
                    JarEntry entry = en.nextElement();
                    String name = entry.getName();
                    if (name.startsWith(BUNDLES) && name.endsWith(".jar") && name.indexOf('/', BUNDLES.length()) < 0) {
                        try (InputStream in = jar.getInputStream(entry)) {
                            result.put(name, in.readAllBytes());
                        }
                    }
                }
            }
        }
        if (result.isEmpty()) {
            throw new IllegalStateException("no " + BUNDLES + "*.jar found in " + source);
        }
        return result;
    }

    private static Attributes manifest(byte[] bundle) throws IOException {
        try (JarInputStream in = new JarInputStream(new ByteArrayInputStream(bundle))) {
            Manifest m = in.getManifest();
            return m == null ? new Attributes() : m.getMainAttributes();
        }
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        } catch (IOException | UncheckedIOException e) {
            System.err.println("swap: could not delete " + root + ": " + e);
        }
    }
}
