package swap.shell.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;

import org.apache.felix.service.command.CommandSession;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

import swap.api.Entry;
import swap.api.EntryDTO;
import swap.api.ImplementationDTO;
import swap.api.PolicyDTO;
import swap.api.PolicyRunner;
import swap.api.SwapException;
import swap.api.SwapManager;
import swap.api.SwapOutcome;
import swap.api.SwapResult;
import swap.api.fcm.FileCache;
import swap.api.fcm.FileCacheManager;

/**
 * What the {@code swap:*} and {@code fcm:*} commands do, without Gogo: {@link SwapCommands} and
 * {@link FcmCommands} are thin facades over it. Every refused request throws a
 * {@link ShellException} whose message says what is wrong and what to do; nothing is changed then.
 *
 * <p>State: the background loads only (interposer instances are the swap manager's). Thread-safe:
 * any number of sessions call it at once.
 */
@Component(service = Shell.class)
public final class Shell {
    static final String REASON = "operator request (swap:swap)";

    private final BundleContext context;
    private final Loads loads = new Loads();

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile SwapManager manager;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile FileCache fileCache;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile PolicyRunner policyRunner;

    @Activate
    public Shell(BundleContext context) {
        this.context = context;
    }

    /** For tests: a shell over a given manager, without OSGi. */
    Shell(SwapManager manager, FileCache fileCache, PolicyRunner policyRunner) {
        this((BundleContext) null);
        this.manager = manager;
        this.fileCache = fileCache;
        this.policyRunner = policyRunner;
    }

    @Deactivate
    void deactivate() {
        loads.stopAll();
    }

    // ================================================================== swap:*

    /** An entry id given on the command line; {@code scope} is the command's ({@code swap} or {@code fcm}). */
    static long id(String scope, String id) {
        try {
            return Long.parseLong(id.trim());
        } catch (NumberFormatException | NullPointerException e) {
            throw new ShellException(scope, "not an entry id: " + id + "; give the number swap:list shows in column ID");
        }
    }

    /**
     * A number given on the command line, between {@code min} and {@code max}: refused (never wrapped)
     * when it is not a whole number or out of range.
     */
    static long number(String scope, String what, String text, long min, long max, String hint) {
        long v;
        try {
            v = Long.parseLong(text.trim());
        } catch (NumberFormatException | NullPointerException e) {
            if (text != null && text.trim().matches("-?\\d+")) {
                throw new ShellException(scope, what + " " + text.trim() + " is out of range (" + min + " to " + max + "); " + hint);
            }
            throw new ShellException(scope, what + " " + text + " is not a whole number; " + hint);
        }
        if (v < min || v > max) {
            throw new ShellException(scope, what + " " + v + " is out of range (" + min + " to " + max + "); " + hint);
        }
        return v;
    }

    /**
     * Refuses a target that Gogo made out of an unquoted filter: {@code swap:swap 1 (k=v)} runs
     * {@code (k=v)} as a command (it sets the variable k) and passes {@code v}. {@code line} is the
     * command line as typed ({@link Completion#line}); {@code null} when not known.
     */
    static void checkQuoted(String line, String command, String target) {
        if (line == null || target == null || target.startsWith("(")) {
            return;
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\(\\s*([^\\s()'\"=]+)\\s*=\\s*" + java.util.regex.Pattern.quote(target) + "\\s*\\)").matcher(line);
        if (m.find()) {
            String filter = "(" + m.group(1) + "=" + target + ")";
            throw new ShellException("swap", "quote the filter: write " + command + " '" + filter + "'. Unquoted, Gogo ran " + filter
                    + " as a command (it set the shell variable " + m.group(1) + ") and passed only '" + target + "'; nothing was changed");
        }
    }

    SwapManager manager() {
        return manager("swap");
    }

    /** The swap manager; {@code scope} is the refusing command's ({@code swap} or {@code fcm}). */
    SwapManager manager(String scope) {
        SwapManager m = manager;
        if (m == null) {
            throw new ShellException(scope, "no swap manager: bundle swap.core is not active; lb shows it, start it with start ID");
        }
        return m;
    }

    Dtos.EntryTable list() {
        return new Dtos.EntryTable(manager().list());
    }

    Entry<?> entry(long id) {
        return entry("swap", id);
    }

    Entry<?> entry(String scope, long id) {
        SwapManager m = manager(scope);
        Optional<Entry<?>> e = m.entry(id);
        if (e.isEmpty()) {
            throw new ShellException(scope, "no entry with id " + id + "; swap:list shows the entries");
        }
        return e.get();
    }

    EntryDTO info(long id) {
        return entry(id).describe();
    }

    Dtos.ImplementationTable implementations(String iface) {
        SwapManager m = manager();
        List<ImplementationDTO> impls = m.implementations(iface);
        List<EntryDTO> entries = m.list();
        Dtos.ImplementationTable t = new Dtos.ImplementationTable();
        t.iface = iface;
        for (ImplementationDTO d : impls) {
            Dtos.Implementation i = new Dtos.Implementation();
            i.implementation = d;
            for (EntryDTO e : entries) {
                if (e.iface.equals(d.iface) && Objects.equals(e.implementation, d.name) && Objects.equals(e.version, d.version)
                        && Objects.equals(e.bundle, d.bundle)) {
                    i.entries.add(e.id);
                    i.exportFormats = e.exportFormats;
                    i.importFormats = e.importFormats;
                }
            }
            t.add(i);
        }
        return t;
    }

    EntryDTO create(String iface, String target) {
        if (FileCacheManager.class.getName().equals(iface)) {
            // an FCM is bound to its file by the file cache; created bare it can do nothing
            throw new ShellException("swap", "a file cache manager needs a file: fcm:open PATH (or fcm:open --create PATH) opens one behind a new entry; swap:swap ID "
                    + (target == null ? "TARGET" : target) + " then moves it to another implementation");
        }
        SwapManager m = manager();
        Class<?> type = interfaceClass(iface);
        try {
            return m.create(type, target).describe();
        } catch (SwapException e) {
            throw new ShellException("swap", e.getMessage(), e);
        }
    }

    /** The interface class of {@code iface}, loaded from a bundle that offers an implementation of it. */
    private Class<?> interfaceClass(String iface) {
        for (Entry<?> e : entries()) {
            if (e.type().getName().equals(iface)) {
                return e.type();
            }
        }
        if (context != null) {
            try {
                ServiceReference<?>[] refs = context.getAllServiceReferences(iface, "(" + swap.api.SwapConstants.IMPL_NAME + "=*)");
                if (refs != null) {
                    for (ServiceReference<?> r : refs) {
                        // the providing bundle sees the interface as its implementation does
                        if (r.getBundle() != null) {
                            try {
                                return r.getBundle().loadClass(iface);
                            } catch (ClassNotFoundException ignored) {
                                // try the next provider
                            }
                        }
                    }
                }
            } catch (InvalidSyntaxException | RuntimeException e) {
                // fall through to the message below
            }
        }
        throw new ShellException("swap", "no implementation of " + iface + " is registered; swap:impls lists the interfaces, or install and start a bundle that provides one");
    }

    private List<Entry<?>> entries() {
        SwapManager m = manager();
        List<Entry<?>> l = new ArrayList<>();
        for (EntryDTO d : m.list()) {
            m.entry(d.id).ifPresent(l::add);
        }
        return l;
    }

    SwapResult swap(long id, String target, long timeoutMillis) {
        if (timeoutMillis < 0) {
            throw new ShellException("swap", "timeout " + timeoutMillis + " ms is negative; give a timeout in milliseconds, or none for the default");
        }
        SwapManager m = manager();
        entry(id); // unknown id: one line, before anything happens
        SwapResult r;
        try {
            r = m.swap(id, target, REASON, timeoutMillis).toCompletableFuture().get();
        } catch (SwapException e) {
            throw new ShellException("swap", e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ShellException("swap", "interrupted while waiting; the swap of entry " + id + " goes on, swap:history shows its outcome");
        } catch (ExecutionException e) {
            throw new ShellException("swap", "swap of entry " + id + " failed: " + e.getCause(), e.getCause());
        }
        if (refused(r)) {
            // Did not begin, nothing changed: one line saying why and what to do.
            throw new ShellException("swap", r.reason);
        }
        return r; // COMPLETED, or ROLLED_BACK with the phase times and the reason
    }

    /**
     * Whether a swap did not begin: refused (REFUSED: no match, no common format, mid-swap...) or
     * failed before anything changed (FAILED: the replacement could not be instantiated). Either way
     * nothing changed, and the shell prints one line.
     */
    static boolean refused(SwapResult r) {
        return r.outcome == SwapOutcome.REFUSED || r.outcome == SwapOutcome.FAILED;
    }

    /** {@code swap:call}: see {@link ArgumentCalls#call}. */
    Object call(CommandSession session, long id, String method, List<Object> args) {
        return ArgumentCalls.call(session, entry(id), id, method, args);
    }

    Dtos.HistoryTable history(int n) {
        if (n < 0) {
            throw new ShellException("swap", "history length " + n + " is negative; give how many swaps to show");
        }
        return new Dtos.HistoryTable(manager().history(n));
    }

    Dtos.Done release(long id) {
        Entry<?> e = entry(id);
        if (e.handle() instanceof FileCacheManager) {
            // Releasing would drop the FCM without flushing its dirty pages and leave the file cache's
            // bookkeeping (the path is still "open as entry N"): data loss. fcm:close does it right.
            throw new ShellException("swap", "entry " + id + " is an open file of the file cache; fcm:close " + id
                    + " flushes it and releases the entry (swap:release would lose its unwritten data)");
        }
        loads.forget(id);
        manager().release(id);
        return new Dtos.Done(id, "entry " + id + " released");
    }

    // ------------------------------------------------------------------ monitors

    Dtos.MonitorTable monitors() {
        SwapManager m = manager();
        List<EntryDTO> entries = m.list();
        Dtos.MonitorTable t = new Dtos.MonitorTable();
        for (String name : m.interposerNames()) {
            Dtos.Monitor d = new Dtos.Monitor();
            d.name = name;
            for (EntryDTO e : entries) {
                if (e.interposers != null && e.interposers.contains(name)) {
                    d.entries.add(e.id);
                }
            }
            t.add(d);
        }
        return t;
    }

    EntryDTO interpose(long id, String monitor) {
        SwapManager m = manager();
        entry(id);
        try {
            m.interpose(id, monitor);
        } catch (SwapException e) {
            throw new ShellException("swap", e.getMessage(), e);
        }
        return info(id);
    }

    EntryDTO remove(long id, String monitor) {
        SwapManager m = manager();
        entry(id);
        boolean removed;
        try {
            removed = m.removeInterposer(id, monitor);
        } catch (SwapException e) {
            throw new ShellException("swap", e.getMessage(), e);
        }
        if (!removed) {
            throw new ShellException("swap", "entry " + id + " has no monitor named " + monitor + "; swap:info " + id + " lists its interposers");
        }
        return info(id);
    }

    Dtos.Stats stats(long id) {
        SwapManager m = manager();
        Entry<?> e = entry(id);
        Dtos.Stats s = new Dtos.Stats();
        s.entry = e.describe();
        if (e.handle() instanceof FileCacheManager && !"RELEASED".equals(s.entry.state)) {
            s.cache = FileStats.counters((FileCacheManager) e.handle());
        }
        s.load = loads.snapshot(id);
        Map<String, Map<String, Object>> measured;
        try {
            measured = m.statistics(id);
        } catch (SwapException ex) {
            throw new ShellException("swap", ex.getMessage(), ex);
        }
        for (String name : s.entry.interposers == null ? List.<String>of() : s.entry.interposers) {
            Map<String, Object> st = measured.get(name);
            if (st == null) {
                s.silentMonitors.add(name);
            } else {
                s.monitors.put(name, st);
            }
        }
        return s;
    }

    // ------------------------------------------------------------------ policies

    private PolicyRunner runner() {
        PolicyRunner r = policyRunner;
        if (r == null) {
            throw new ShellException("swap", "no policy runner: bundle swap.monitor provides it; lb and scr:list show whether it is active");
        }
        return r;
    }

    Dtos.PolicyTable policies() {
        PolicyRunner r = policyRunner;
        Dtos.PolicyTable t = new Dtos.PolicyTable();
        t.runner = r != null;
        if (r != null) {
            t.addAll(r.policies());
        }
        return t;
    }

    Dtos.PolicyTable policy(String name, String onOff) {
        if (!"on".equals(onOff) && !"off".equals(onOff)) {
            throw new ShellException("swap", "say on or off: swap:policy " + name + " on|off");
        }
        try {
            runner().enable(name, "on".equals(onOff));
        } catch (SwapException e) {
            throw new ShellException("swap", e.getMessage(), e);
        }
        return policies();
    }

    // ================================================================== fcm:*

    FileCache fileCache() {
        FileCache f = fileCache;
        if (f == null) {
            throw new ShellException("fcm", "no file cache service: swap.core provides it (configuration PID swap.fcm); lb and scr:list show whether it is active");
        }
        return f;
    }

    Dtos.Opened open(Path file, boolean create) {
        FileCache f = fileCache();
        Entry<FileCacheManager> e;
        try {
            e = create ? f.create(file) : f.open(file);
        } catch (NoSuchFileException ex) {
            Path dir = file.getParent();
            if (create) {
                throw new ShellException("fcm", "cannot create " + file + ": " + (dir != null && !java.nio.file.Files.isDirectory(dir)
                        ? "directory " + dir + " does not exist; create it first" : ex.getMessage()));
            }
            throw new ShellException("fcm", "no such file: " + file + "; create it first, or use fcm:open --create PATH");
        } catch (IOException | SwapException ex) {
            throw new ShellException("fcm", "cannot open " + file + ": " + ex.getMessage(), ex);
        }
        Dtos.Opened o = new Dtos.Opened();
        o.id = e.id();
        o.path = file.toString();
        EntryDTO d = e.describe();
        o.implementation = d.implementation + " " + d.version;
        try {
            o.size = e.handle().size();
        } catch (IOException ex) {
            o.size = -1;
        }
        return o;
    }

    FileCacheManager fcm(long id) {
        Entry<?> e = entry("fcm", id);
        if (!(e.handle() instanceof FileCacheManager)) {
            throw new ShellException("fcm", "entry " + id + " is a " + e.type().getName() + ", not a file; swap:list shows the entries, fcm:open PATH opens a file");
        }
        return (FileCacheManager) e.handle();
    }

    Dtos.Read read(long id, long offset, long length) {
        if (offset < 0 || length < 0) {
            throw new ShellException("fcm", "offset and length must be 0 or more");
        }
        if (length > 1 << 20) {
            throw new ShellException("fcm", "length " + length + " is too long for the console; read at most 1048576 bytes at a time");
        }
        FileCacheManager fcm = fcm(id);
        byte[] buf = new byte[(int) length];
        int n;
        try {
            n = fcm.read(offset, buf, 0, buf.length);
        } catch (IOException | RuntimeException e) {
            throw new ShellException("fcm", "read of entry " + id + " failed: " + e, e);
        }
        Dtos.Read r = new Dtos.Read();
        r.id = id;
        r.offset = offset;
        r.count = n;
        r.requested = length;
        if (n < length) {
            try {
                r.size = fcm.size();
            } catch (IOException | RuntimeException e) {
                r.size = -1;
            }
        }
        r.text = n < 0 ? "" : new String(buf, 0, n, StandardCharsets.UTF_8);
        r.zeros = n > 0;
        for (int i = 0; i < n && r.zeros; i++) {
            r.zeros = buf[i] == 0;
        }
        return r;
    }

    Dtos.Done write(long id, long offset, String text) {
        if (offset < 0) {
            throw new ShellException("fcm", "offset must be 0 or more");
        }
        FileCacheManager fcm = fcm(id);
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        try {
            fcm.write(offset, b, 0, b.length);
        } catch (IOException | RuntimeException e) {
            throw new ShellException("fcm", "write to entry " + id + " failed: " + e, e);
        }
        return new Dtos.Done(id, "wrote " + b.length + " bytes at " + offset + " to entry " + id);
    }

    Dtos.Done close(long id) {
        fcm(id);
        FileCache f = fileCache();
        loads.forget(id);
        try {
            f.close(id);
        } catch (IOException | SwapException e) {
            throw new ShellException("fcm", "close of entry " + id + " failed: " + e.getMessage(), e);
        }
        return new Dtos.Done(id, "entry " + id + " closed");
    }

    Dtos.Load load(long id, int threads, int seconds) {
        if (threads < 1 || threads > 256) {
            throw new ShellException("fcm", "threads must be between 1 and 256");
        }
        if (seconds < 1 || seconds > 86_400) {
            throw new ShellException("fcm", "seconds must be between 1 and 86400");
        }
        return loads.start(id, fcm(id), threads, seconds);
    }

    /** {@code fcm:stat}: one row per open file ({@link FileStats#all}). */
    Dtos.FileStatTable fileStats() {
        return FileStats.all(manager("fcm"));
    }

    /** {@code fcm:stat FILE}: the row of one open file, by entry id or path ({@link FileStats#one}). */
    Dtos.FileStatTable fileStats(String file, Path cwd) {
        return FileStats.one(manager("fcm"), file, cwd, this::fcm);
    }

    // ================================================================== completion

    /**
     * Candidates for the word at {@code index} of a command line: entry ids, implementation names of
     * the entry's interface, monitor names, interface names.
     */
    /** Options that take a value (swap:swap's, and swap:watch's and swap:canary's of {@link SafeSwapCommands}). */
    private static final java.util.Set<String> OPTIONS_WITH_VALUES = java.util.Set.of("-t", "--timeout", "-w", "--window", "-e", "--errors",
            "-p", "--p99", "-n", "--calls", "-T", "--time", "--watch");

        List<String> candidates(List<?> given, int index) {
        List<String> out = new ArrayList<>();
        if (given == null || given.isEmpty() || index < 1) {
            return out;
        }
        List<String> words = new ArrayList<>();
        for (Object w : given) {
            words.add(String.valueOf(w));
        }
        String cmd = words.get(0);
        cmd = cmd.substring(cmd.indexOf(':') + 1);
        // positional index, skipping options and their values
        List<String> positional = new ArrayList<>();
        for (int i = 1; i < index && i < words.size(); i++) {
            String w = words.get(i);
            if (w.startsWith("-")) {
                if (OPTIONS_WITH_VALUES.contains(w) && i + 1 < index) {
                    i++;
                }
                continue;
            }
            positional.add(w);
        }
        int pos = positional.size();
        SwapManager m = manager;
        if (m == null) {
            return out;
        }
        switch (cmd) {
            case "info", "stats", "release", "read", "write", "close", "load", "stat" -> {
                if (pos == 0) {
                    ids(m, out, cmd.equals("read") || cmd.equals("write") || cmd.equals("close") || cmd.equals("load") || cmd.equals("stat"));
                }
            }
            case "swap", "watch", "canary" -> {
                if (pos == 0) {
                    ids(m, out, false);
                } else if (pos == 1) {
                    String iface = ifaceOf(m, positional.get(0));
                    names(m.implementations(iface), out);
                }
            }
            case "interpose", "remove" -> {
                if (pos == 0) {
                    ids(m, out, false);
                } else if (pos == 1) {
                    if (cmd.equals("remove")) {
                        m.entry(parse(positional.get(0))).ifPresent(e -> out.addAll(e.describe().interposers));
                    } else {
                        out.addAll(m.interposerNames());
                    }
                }
            }
            case "impls", "create" -> {
                if (pos == 0) {
                    TreeSet<String> ifaces = new TreeSet<>();
                    for (ImplementationDTO d : m.implementations(null)) {
                        ifaces.add(d.iface);
                    }
                    out.addAll(ifaces);
                } else if (pos == 1 && cmd.equals("create")) {
                    names(m.implementations(positional.get(0)), out);
                }
            }
            case "policy" -> {
                if (pos == 0) {
                    for (PolicyDTO p : policies()) {
                        out.add(p.name);
                    }
                } else if (pos == 1) {
                    out.add("on");
                    out.add("off");
                }
            }
            default -> {
            }
        }
        return out;
    }

    private static long parse(String s) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String ifaceOf(SwapManager m, String id) {
        return m.entry(parse(id)).map(e -> e.type().getName()).orElse(null);
    }

    private static void ids(SwapManager m, Collection<String> out, boolean filesOnly) {
        for (EntryDTO d : m.list()) {
            if (!filesOnly || FileCacheManager.class.getName().equals(d.iface)) {
                out.add(String.valueOf(d.id));
            }
        }
    }

    private static void names(List<ImplementationDTO> impls, Collection<String> out) {
        TreeSet<String> names = new TreeSet<>();
        for (ImplementationDTO d : impls) {
            names.add(d.name);
        }
        out.addAll(names);
    }
}
