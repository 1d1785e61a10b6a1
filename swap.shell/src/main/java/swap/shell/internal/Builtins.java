package swap.shell.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Function;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.Version;
import org.osgi.framework.wiring.FrameworkWiring;

import swap.api.EntryDTO;
import swap.api.SwapManager;

/**
 * Gogo's own bundle commands {@code update}, {@code refresh}, {@code stop}, {@code uninstall} and
 * {@code exit}, as this platform's console answers them: session variables holding a
 * {@link Function} (a variable holding a function is called like a command, and is found before
 * {@code felix:update} and the others; the scoped names still reach Gogo's own). Put into each session
 * by {@link Completion} before its first command.
 *
 * <p>Why: Gogo's versions answer a wrong id with {@code Cannot coerce update(Token) to any of ...},
 * plain {@code refresh} with a {@code NullPointerException} (it needs the PackageAdmin service, which
 * this framework does not offer), {@code exit 0} with an {@code InterruptedException}, and
 * {@code stop}/{@code uninstall} of a bundle whose implementations run live entries say nothing of
 * what happens to those entries. These do the same work with the framework's own API, answer wrong
 * input with one line (what is wrong, what to type), and after {@code stop}/{@code uninstall} print
 * one line per entry that ran on the bundle: where it moved and why there, or that it is ORPHANED or
 * PARKED and why.
 *
 * <p>No confirmation is asked before entries would be orphaned: Gogo reads commands and answers from
 * the same input, so a question would swallow the next line of a piped script; the consequence is
 * printed instead, with what brings the entries back.
 *
 * <p>Stateless; called by any session's thread.
 */
final class Builtins {
    /** How long {@code refresh} waits for the framework to finish. */
    static final long REFRESH_WAIT_SECONDS = 60;
    /** The system property {@code exit N} sets for the launcher (swap.launcher.Main) to exit with. */
    static final String EXIT_STATUS = "swap.exit.status";

    private final BundleContext context;
    private final Supplier<SwapManager> manager;

    Builtins(BundleContext context, Supplier<SwapManager> manager) {
        this.context = context;
        this.manager = manager;
    }

    /** Puts the functions into {@code session}. */
    void install(CommandSession session) {
        session.put("update", (Function) this::update);
        session.put("refresh", (Function) this::refresh);
        session.put("stop", (Function) this::stop);
        session.put("uninstall", (Function) this::uninstall);
        session.put("exit", (Function) this::exit);
    }

    // ------------------------------------------------------------------ commands

    Object update(CommandSession session, List<Object> args) throws Exception {
        List<String> a = strings(args);
        if (a.isEmpty() || a.size() > 2) {
            throw usage("update", "update ID [URL]", "replace a bundle in place, from its location or URL");
        }
        Bundle b = bundle("update", a.get(0));
        // no line per entry: an in-place update holds the bundle's entries and resumes them on the new revision (swap:list shows them)
        if (a.size() == 1) {
            act("update", b, () -> b.update(), false);
            return null;
        }
        String url = url(session, "update", a.get(1));
        byte[] jar;
        try (InputStream in = new URL(url).openStream()) {
            jar = in.readAllBytes();
        } catch (IOException e) {
            throw new ShellException("update", "cannot read " + url + ": " + e.getMessage());
        }
        String clash = clash(b, jar);
        if (clash != null) {
            throw new ShellException("update", clash); // before Felix stops the bundle: nothing changes
        }
        act("update", b, () -> b.update(new ByteArrayInputStream(jar)), false);
        return null;
    }

    /**
     * Felix refuses a new revision whose symbolic name and version another installed bundle has, but
     * only after it stopped the bundle (a consumer then releases its entries, and their state with
     * them) and with its stack trace on the console. Said here first, in one line, with nothing changed.
     *
     * @return the refusal, or {@code null} if no other bundle has the jar's identity (or the framework allows it)
     */
    private String clash(Bundle b, byte[] jar) {
        String policy = context.getProperty(Constants.FRAMEWORK_BSNVERSION);
        if (Constants.FRAMEWORK_BSNVERSION_MULTIPLE.equals(policy)) {
            return null;
        }
        Manifest mf;
        try (JarInputStream in = new JarInputStream(new ByteArrayInputStream(jar))) {
            mf = in.getManifest();
        } catch (IOException e) {
            return null; // not a jar: Felix says so in its own words (act makes them one line)
        }
        String bsn = mf == null ? null : mf.getMainAttributes().getValue(Constants.BUNDLE_SYMBOLICNAME);
        if (bsn == null) {
            return null;
        }
        bsn = bsn.split(";", 2)[0].trim();
        Version version;
        try {
            version = Version.parseVersion(mf.getMainAttributes().getValue(Constants.BUNDLE_VERSION));
        } catch (IllegalArgumentException e) {
            return null;
        }
        boolean single = Constants.FRAMEWORK_BSNVERSION_SINGLE.equals(policy);
        for (Bundle o : context.getBundles()) {
            if (o.getBundleId() != b.getBundleId() && bsn.equals(o.getSymbolicName()) && (single || version.equals(o.getVersion()))) {
                return "bundle " + b.getSymbolicName() + " " + b.getVersion() + " (" + b.getBundleId() + ") was not updated: the new jar is "
                        + bsn + " " + version + ", which bundle " + o.getBundleId() + " already is; give the jar another Bundle-Version, or update "
                        + o.getBundleId() + " instead";
            }
        }
        return null;
    }

    Object refresh(CommandSession session, List<Object> args) throws Exception {
        FrameworkWiring wiring = context.getBundle(0).adapt(FrameworkWiring.class);
        List<Bundle> bundles = bundles("refresh", strings(args));
        if (bundles.isEmpty()) {
            bundles.addAll(wiring.getRemovalPendingBundles());
            if (bundles.isEmpty()) {
                out().println("nothing to refresh: no bundle is pending removal (refresh ID refreshes bundle ID and the bundles that depend on it)");
                return null;
            }
        }
        CountDownLatch done = new CountDownLatch(1);
        wiring.refreshBundles(bundles, e -> {
            if (e.getType() == FrameworkEvent.PACKAGES_REFRESHED || e.getType() == FrameworkEvent.ERROR) {
                done.countDown();
            }
        });
        if (!done.await(REFRESH_WAIT_SECONDS, TimeUnit.SECONDS)) {
            out().println("refresh of " + ids(bundles) + " still running after " + REFRESH_WAIT_SECONDS + " s; lb shows the bundles' states");
            return null;
        }
        return null; // done: silent, as Gogo's own refresh and update are
    }

    Object stop(CommandSession session, List<Object> args) throws Exception {
        List<String> a = strings(args);
        boolean transientStop = a.remove("-t") | a.remove("--transient");
        if (a.isEmpty()) {
            throw usage("stop", "stop [-t] ID...", "stop bundles (-t: transiently, they start again with the framework)");
        }
        List<Bundle> bundles = bundles("stop", a);
        for (Bundle b : bundles) {
            act("stop", b, () -> b.stop(transientStop ? Bundle.STOP_TRANSIENT : 0), true);
        }
        return null;
    }

    Object uninstall(CommandSession session, List<Object> args) throws Exception {
        List<String> a = strings(args);
        if (a.isEmpty()) {
            throw usage("uninstall", "uninstall ID...", "uninstall bundles");
        }
        List<Bundle> bundles = bundles("uninstall", a);
        for (Bundle b : bundles) {
            act("uninstall", b, b::uninstall, true);
        }
        return null;
    }

    Object exit(CommandSession session, List<Object> args) throws Exception {
        List<String> a = strings(args);
        if (a.size() > 1) {
            throw usage("exit", "exit [STATUS]", "stop the platform; swap.jar then exits with STATUS (default 0)");
        }
        int status = a.isEmpty() ? 0 : (int) Shell.number("exit", "status", a.get(0), 0, 255, "give an exit status from 0 to 255, or none for 0");
        System.setProperty(EXIT_STATUS, String.valueOf(status));
        out().println("stopping the platform (exit status " + status + ")");
        out().flush();
        // The framework stops the console too; the system bundle's stop returns at once and stops it on a thread of its own.
        context.getBundle(0).stop();
        return null;
    }

    // ------------------------------------------------------------------ entries: before and after

    /** What may throw a {@link BundleException}. */
    interface Action {
        void run() throws BundleException;
    }

    /**
     * Runs {@code action} on {@code b}; then, if {@code report}, prints one line per entry that ran on
     * {@code b} before and now runs elsewhere, or is ORPHANED or PARKED. A {@link BundleException}
     * becomes one line.
     */
    private void act(String command, Bundle b, Action action, boolean report) {
        Map<Long, EntryDTO> before = entriesOf(b.getBundleId());
        String what = b.getSymbolicName() + " " + b.getVersion() + " (" + b.getBundleId() + ")";
        try {
            action.run();
        } catch (BundleException | IllegalStateException e) {
            throw new ShellException(command, "bundle " + what + ": " + e.getMessage() + "; lb shows its state");
        }
        if (!report || before.isEmpty()) {
            return;
        }
        Map<Long, EntryDTO> after = new LinkedHashMap<>();
        SwapManager m = manager.get();
        if (m != null) {
            for (EntryDTO d : m.list()) {
                after.put(d.id, d);
            }
        }
        PrintStream out = out();
        for (EntryDTO was : before.values()) {
            String line = consequence(what, was, after.get(was.id));
            if (line != null) {
                out.println(line);
            }
        }
        out.flush();
    }

    /** The live entries whose implementation comes from bundle {@code bundleId}, by id. */
    private Map<Long, EntryDTO> entriesOf(long bundleId) {
        Map<Long, EntryDTO> l = new LinkedHashMap<>();
        SwapManager m = manager.get();
        if (m != null) {
            for (EntryDTO d : m.list()) {
                if (d.bundleId == bundleId && !"RELEASED".equals(d.state)) {
                    l.put(d.id, d);
                }
            }
        }
        return l;
    }

    /**
     * One line for an entry that ran on bundle {@code what} before a command ({@code was}) and how it
     * is now ({@code now}, {@code null} if gone); {@code null} if nothing changed for it.
     */
    static String consequence(String what, EntryDTO was, EntryDTO now) {
        String entry = "entry " + was.id + " (" + was.iface + ", " + was.implementation + " " + was.version + ")";
        if (now == null || "RELEASED".equals(now.state)) {
            return entry + " is released";
        }
        if ("ORPHANED".equals(now.state) || "PARKED".equals(now.state)) {
            return entry + " is " + now.state + (now.stateReason == null ? "" : ": " + now.stateReason);
        }
        if (now.bundleId == was.bundleId && now.implementation.equals(was.implementation) && String.valueOf(now.revision).equals(String.valueOf(was.revision))) {
            return null;
        }
        String to = now.implementation + " " + now.version + " of bundle " + now.bundle + " (" + now.bundleId + ")";
        String why;
        if (now.bundleId == was.bundleId) {
            why = "bundle " + now.bundle + " came back with it";
        } else if (now.implementation.equals(was.implementation)) {
            why = "the other implementation named " + was.implementation + " with the highest version";
        } else {
            why = "no other implementation named " + was.implementation + " is registered, so the implementation of " + was.iface
                    + " with the highest version (then service ranking) took it; swap:swap " + was.id + " TARGET moves it elsewhere";
        }
        return entry + " moved to " + to + ", with its state: " + why;
    }

    // ------------------------------------------------------------------ arguments

    /** The arguments as text; a {@link Bundle} (a script's {@code update $b}) as its id. */
    private static List<String> strings(List<Object> args) {
        List<String> l = new ArrayList<>();
        if (args != null) {
            for (Object o : args) {
                l.add(o instanceof Bundle ? String.valueOf(((Bundle) o).getBundleId()) : String.valueOf(o));
            }
        }
        return l;
    }

    private List<Bundle> bundles(String command, List<String> ids) {
        List<Bundle> l = new ArrayList<>();
        for (String s : ids) {
            l.add(bundle(command, s)); // every id checked before anything is done
        }
        return l;
    }

    private Bundle bundle(String command, String id) {
        long n;
        try {
            n = Long.parseLong(id.trim());
        } catch (NumberFormatException e) {
            throw new ShellException(command, "not a bundle id: " + id + "; give the number lb shows in column ID");
        }
        Bundle b = context.getBundle(n);
        if (b == null) {
            throw new ShellException(command, "no bundle with id " + n + "; lb lists the bundles");
        }
        return b;
    }

    /** {@code text} as a URL; a path without a scheme is taken relative to the session's directory. A missing file is refused. */
    static String url(CommandSession session, String command, String text) {
        URI u;
        try {
            u = new URI(text);
        } catch (URISyntaxException e) {
            u = null;
        }
        Path base = session == null ? Paths.get("") : session.currentDir();
        if (u == null || u.getScheme() == null || u.getScheme().length() == 1) {
            u = base.resolve(text).toAbsolutePath().normalize().toUri();
        } else if (u.isOpaque() && "file".equals(u.getScheme())) {
            u = URI.create(relativeFile(base, text));
        }
        if ("file".equals(u.getScheme())) {
            Path p;
            try {
                p = Paths.get(u);
            } catch (IllegalArgumentException e) {
                throw new ShellException(command, "not a file URL: " + text + "; give e.g. file:/tmp/bundle-1.1.0.jar");
            }
            if (!Files.isRegularFile(p)) {
                throw new ShellException(command, "no file " + p + (Files.isDirectory(p.getParent() == null ? p : p.getParent()) ? "" : " (no directory "
                        + p.getParent() + ")") + "; give the URL of the bundle's jar, e.g. file:/tmp/bundle-1.1.0.jar");
            }
        }
        return u.toString();
    }

    /**
     * A {@code file:} URL with a relative path ({@code file:dir/x.jar}, which {@code install} and {@code start} read
     * against the working directory) as an absolute one against {@code base}; any other text as it is.
     */
    static String relativeFile(Path base, String text) {
        if (text == null || !text.startsWith("file:") || text.startsWith("file:/")) {
            return text;
        }
        try {
            return base.resolve(text.substring("file:".length())).toAbsolutePath().normalize().toUri().toString();
        } catch (java.nio.file.InvalidPathException e) {
            return text;
        }
    }

    private static String ids(List<Bundle> bundles) {
        StringBuilder b = new StringBuilder(bundles.size() == 1 ? "bundle " : "bundles ");
        for (int i = 0; i < bundles.size(); i++) {
            b.append(i == 0 ? "" : ", ").append(bundles.get(i).getBundleId());
        }
        return b.toString();
    }

    private static ShellException usage(String command, String usage, String what) {
        return new ShellException(command, "usage: " + usage + " (" + what + "; lb lists the bundles and their ids)");
    }

    private static PrintStream out() {
        return System.out; // Gogo's ThreadIO: the console of the session running the command
    }
}
