package swap.launcher;

import java.io.IOException;
import java.lang.reflect.Method;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;

/**
 * What FileInstall's watched directory held when the launcher started, and a wait until FileInstall
 * has taken it in: every {@code *.jar} installed (its location is the file's {@code file:} URI) and
 * active (a fragment: resolved), every {@code *.cfg} / {@code *.config} a configuration in
 * Configuration Admin (FileInstall tags them with {@code felix.fileinstall.filename}). Files added
 * later are FileInstall's business alone.
 *
 * <p>Used by the launcher's main thread only.
 */
final class Deploy {
    private static final String FILENAME = "felix.fileinstall.filename";
    private final List<Path> bundles = new ArrayList<>();
    private final List<Path> configs = new ArrayList<>();

    Deploy(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path p : (Iterable<Path>) files.sorted()::iterator) {
                    String n = p.getFileName().toString();
                    if (n.endsWith(".jar") && Files.isRegularFile(p)) {
                        bundles.add(p.toAbsolutePath());
                    } else if ((n.endsWith(".cfg") || n.endsWith(".config")) && Files.isRegularFile(p)) {
                        configs.add(p.toAbsolutePath());
                    }
                }
            }
        }
    }

    /**
     * Waits (polling every 20 ms) until everything is in, at most {@code timeoutMillis}.
     *
     * @return {@code null} when everything is in, else the files still missing (for a warning)
     */
    String await(BundleContext context, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        while (true) {
            List<String> missing = missing(context);
            if (missing.isEmpty()) {
                return null;
            }
            if (System.nanoTime() > deadline) {
                return String.join(", ", missing);
            }
            Thread.sleep(20);
        }
    }

    List<String> missing(BundleContext context) {
        List<String> missing = new ArrayList<>();
        for (Path jar : bundles) {
            Bundle b = bundleOf(context, jar);
            boolean fragment = b != null && b.getHeaders("").get("Fragment-Host") != null;
            if (b == null || (b.getState() & (fragment ? Bundle.RESOLVED | Bundle.ACTIVE : Bundle.ACTIVE | Bundle.STARTING)) == 0) {
                missing.add(jar.getFileName().toString());
            }
        }
        for (Path cfg : configs) {
            if (!configured(context, cfg)) {
                missing.add(cfg.getFileName().toString());
            }
        }
        return missing;
    }

    private static Bundle bundleOf(BundleContext context, Path jar) {
        for (Bundle b : context.getBundles()) {
            String location = b.getLocation();
            if (location != null && location.startsWith("file:")) {
                try {
                    if (Files.isSameFile(Paths.get(URI.create(location)), jar)) {
                        return b;
                    }
                } catch (IOException | RuntimeException e) {
                    // not a file of ours
                }
            }
        }
        return null;
    }

    /** Whether Configuration Admin has a configuration FileInstall made from {@code cfg}; true if there is no Configuration Admin. */
    private static boolean configured(BundleContext context, Path cfg) {
        ServiceReference<?> ref = context.getServiceReference("org.osgi.service.cm.ConfigurationAdmin");
        if (ref == null) {
            return !hasConfigAdmin(context); // not yet registered: wait; none installed at all: nothing to wait for
        }
        Object admin = context.getService(ref);
        if (admin == null) {
            return false;
        }
        try {
            // The launcher does not see the CM API package: call it through the registering bundle's class.
            Class<?> api = ref.getBundle().loadClass("org.osgi.service.cm.ConfigurationAdmin");
            Method list = api.getMethod("listConfigurations", String.class);
            String uri = cfg.toFile().getAbsoluteFile().toURI().toString(); // FileInstall's form: file:/path
            Object[] found = (Object[]) list.invoke(admin, "(|(" + FILENAME + "=" + escape(uri) + ")(" + FILENAME + "=" + escape(cfg.toString()) + "))");
            return found != null && found.length > 0;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return true; // cannot tell: do not hold the console back
        } finally {
            context.ungetService(ref);
        }
    }

    private static boolean hasConfigAdmin(BundleContext context) {
        for (Bundle b : context.getBundles()) {
            if ("org.apache.felix.configadmin".equals(b.getSymbolicName())) {
                return true;
            }
        }
        return false;
    }

    /** Escapes an LDAP filter value (RFC 1960: {@code \ * ( )}). */
    static String escape(String value) {
        StringBuilder b = new StringBuilder();
        for (char c : value.toCharArray()) {
            if (c == '\\' || c == '*' || c == '(' || c == ')') {
                b.append('\\');
            }
            b.append(c);
        }
        return b.toString();
    }
}
