package swap.shell.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceListener;
import org.osgi.framework.ServiceObjects;
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
import swap.api.Interposer;
import swap.api.SwapException;
import swap.api.SwapManager;
import swap.api.SwapOutcome;
import swap.api.SwapResult;
import swap.api.fcm.FcmStats;
import swap.api.fcm.FileCache;
import swap.api.fcm.FileCacheManager;

/**
 * What the {@code swap:*} and {@code fcm:*} commands do, without Gogo: {@link SwapCommands} and
 * {@link FcmCommands} are thin facades over it. Every refused request throws a
 * {@link ShellException} whose message says what is wrong and what to do; nothing is changed then.
 *
 * <p>State: the interposers this shell put on entries (so {@code swap:stats} can ask them for their
 * statistics, and {@code swap:remove} can release them) and the background loads. Thread-safe:
 * any number of sessions call it at once.
 */
@Component(service = Shell.class)
public final class Shell {
    static final String REASON = "operator request (swap:swap)";

    private final BundleContext context;
    private final Loads loads = new Loads();
    /** entry id -> interposer name -> what this shell put there. */
    private final Map<Long, Map<String, Held>> held = new ConcurrentHashMap<>();
    private final ServiceListener monitorsGoing;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile SwapManager manager;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile FileCache fileCache;

    /** An interposer this shell put on an entry, and how to give it back. */
    private record Held(ServiceReference<Interposer> ref, ServiceObjects<Interposer> objects, Interposer instance) {
        void release() {
            try {
                objects.ungetService(instance);
            } catch (RuntimeException ignored) {
                // the service is already gone
            }
        }
    }

    @Activate
    public Shell(BundleContext context) {
        this.context = context;
        // A monitor whose bundle stops comes off every entry this shell put it on, before it goes.
        this.monitorsGoing = event -> {
            if (event.getType() == ServiceEvent.UNREGISTERING) {
                monitorGoing(event.getServiceReference());
            }
        };
        if (context != null) {
            try {
                context.addServiceListener(monitorsGoing, "(" + ShellConstants.INTERPOSER_NAME + "=*)");
            } catch (InvalidSyntaxException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** For tests: a shell over a given manager, without OSGi (no monitors, no file cache). */
    Shell(SwapManager manager, FileCache fileCache) {
        this((BundleContext) null);
        this.manager = manager;
        this.fileCache = fileCache;
    }

    @Deactivate
    void deactivate() {
        if (context != null) {
            context.removeServiceListener(monitorsGoing);
        }
        loads.stopAll();
        SwapManager m = manager;
        for (Map.Entry<Long, Map<String, Held>> e : held.entrySet()) {
            for (Map.Entry<String, Held> h : e.getValue().entrySet()) {
                if (m != null) {
                    try {
                        m.removeInterposer(e.getKey(), h.getKey());
                    } catch (RuntimeException ignored) {
                        // entry gone
                    }
                }
                h.getValue().release();
            }
        }
        held.clear();
    }

    // ================================================================== swap:*

    /** An entry id given on the command line. */
    static long id(String id) {
        try {
            return Long.parseLong(id.trim());
        } catch (NumberFormatException | NullPointerException e) {
            throw new ShellException("swap", "not an entry id: " + id + "; give the number swap:list shows in column ID");
        }
    }

    SwapManager manager() {
        SwapManager m = manager;
        if (m == null) {
            throw new ShellException("swap", "no swap manager: bundle swap.core is not active; lb shows it, start it with start ID");
        }
        return m;
    }

    Dtos.EntryTable list() {
        return new Dtos.EntryTable(manager().list());
    }

    Entry<?> entry(long id) {
        Optional<Entry<?>> e = manager().entry(id);
        if (e.isEmpty()) {
            throw new ShellException("swap", "no entry with id " + id + "; swap:list shows the entries");
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
        if (r.outcome == SwapOutcome.FAILED) {
            // Did not begin, nothing changed: one line saying why and what to do.
            throw new ShellException("swap", r.reason);
        }
        return r; // COMPLETED, or ROLLED_BACK with the phase times and the reason
    }

    Dtos.HistoryTable history(int n) {
        if (n < 0) {
            throw new ShellException("swap", "history length " + n + " is negative; give how many swaps to show");
        }
        return new Dtos.HistoryTable(manager().history(n));
    }

    Dtos.Done release(long id) {
        entry(id);
        loads.forget(id);
        dropHeld(id);
        manager().release(id);
        return new Dtos.Done(id, "entry " + id + " released");
    }

    // ------------------------------------------------------------------ monitors

    Dtos.MonitorTable monitors() {
        Dtos.MonitorTable t = new Dtos.MonitorTable();
        for (ServiceReference<Interposer> r : monitorRefs(null)) {
            Dtos.Monitor m = new Dtos.Monitor();
            m.name = String.valueOf(r.getProperty(ShellConstants.INTERPOSER_NAME));
            m.scope = String.valueOf(r.getProperty(Constants.SERVICE_SCOPE));
            m.serviceId = (Long) r.getProperty(Constants.SERVICE_ID);
            m.bundle = r.getBundle() == null ? null : r.getBundle().getSymbolicName();
            for (Map.Entry<Long, Map<String, Held>> e : held.entrySet()) {
                Held h = e.getValue().get(m.name);
                if (h != null && h.ref().equals(r)) {
                    m.entries.add(e.getKey());
                }
            }
            t.add(m);
        }
        return t;
    }

    private List<ServiceReference<Interposer>> monitorRefs(String name) {
        List<ServiceReference<Interposer>> l = new ArrayList<>();
        if (context == null) {
            return l;
        }
        try {
            String filter = name == null ? "(" + ShellConstants.INTERPOSER_NAME + "=*)" : "(" + ShellConstants.INTERPOSER_NAME + "=" + escape(name) + ")";
            l.addAll(context.getServiceReferences(Interposer.class, filter));
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        l.sort((a, b) -> b.compareTo(a)); // highest ranking first
        return l;
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("*", "\\*").replace("(", "\\(").replace(")", "\\)");
    }

    EntryDTO interpose(long id, String monitor) {
        SwapManager m = manager();
        EntryDTO before = info(id);
        if (before.interposers != null && before.interposers.contains(monitor)) {
            throw new ShellException("swap", "entry " + id + " already has the monitor " + monitor + "; swap:stats " + id + " shows what it measured");
        }
        List<ServiceReference<Interposer>> refs = monitorRefs(monitor);
        if (refs.isEmpty()) {
            List<String> names = new ArrayList<>();
            for (Dtos.Monitor d : monitors()) {
                names.add(d.name);
            }
            throw new ShellException("swap", "no monitor named " + monitor + (names.isEmpty() ? " (none is registered: install and start a bundle that provides one)"
                    : "; registered: " + String.join(", ", new TreeSet<>(names))));
        }
        ServiceReference<Interposer> ref = refs.get(0);
        ServiceObjects<Interposer> objects = context.getServiceObjects(ref);
        Interposer instance = objects == null ? null : objects.getService();
        if (instance == null) {
            throw new ShellException("swap", "monitor " + monitor + " could not be obtained (its bundle is stopping, or its component failed: see the log)");
        }
        Held h = new Held(ref, objects, instance);
        try {
            m.interpose(id, monitor, instance);
        } catch (SwapException e) {
            h.release();
            throw new ShellException("swap", e.getMessage(), e);
        }
        held.computeIfAbsent(id, k -> new ConcurrentHashMap<>()).put(monitor, h);
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
        Map<String, Held> mine = held.get(id);
        Held h = mine == null ? null : mine.remove(monitor);
        if (h != null) {
            h.release();
        }
        if (!removed) {
            throw new ShellException("swap", "entry " + id + " has no monitor named " + monitor + "; swap:info " + id + " lists its interposers");
        }
        return info(id);
    }

    private void dropHeld(long id) {
        Map<String, Held> mine = held.remove(id);
        if (mine != null) {
            for (Held h : mine.values()) {
                h.release();
            }
        }
    }

    private void monitorGoing(ServiceReference<?> ref) {
        SwapManager m = manager;
        for (Map.Entry<Long, Map<String, Held>> e : held.entrySet()) {
            for (var it = e.getValue().entrySet().iterator(); it.hasNext();) {
                Map.Entry<String, Held> h = it.next();
                if (h.getValue().ref().equals(ref)) {
                    if (m != null) {
                        try {
                            m.removeInterposer(e.getKey(), h.getKey());
                        } catch (RuntimeException ignored) {
                            // entry gone
                        }
                    }
                    it.remove();
                    h.getValue().release();
                }
            }
        }
    }

    Dtos.Stats stats(long id) {
        Entry<?> e = entry(id);
        Dtos.Stats s = new Dtos.Stats();
        s.entry = e.describe();
        if (e.handle() instanceof FileCacheManager && !"RELEASED".equals(s.entry.state)) {
            try {
                FcmStats f = ((FileCacheManager) e.handle()).stats();
                Map<String, Object> c = new LinkedHashMap<>();
                c.put("hits", f.hits);
                c.put("misses", f.misses);
                c.put("evictions", f.evictions);
                c.put("cached", f.cachedPages);
                c.put("dirty", f.dirtyPages);
                long lookups = f.hits + f.misses;
                c.put("hit-ratio", lookups == 0 ? 0.0 : (double) f.hits / lookups);
                s.cache = c;
            } catch (RuntimeException | LinkageError ex) {
                Map<String, Object> c = new LinkedHashMap<>();
                c.put("unavailable", ex.toString());
                s.cache = c;
            }
        }
        s.load = loads.snapshot(id);
        Map<String, Held> mine = held.getOrDefault(id, Map.of());
        for (String name : s.entry.interposers == null ? List.<String>of() : s.entry.interposers) {
            Held h = mine.get(name);
            if (h == null) {
                s.foreignMonitors.add(name);
            } else {
                s.monitors.put(name, measured(h.instance()));
            }
        }
        return s;
    }

    /** What a monitor measured: it implements {@code Supplier<Map<String, Object>>}, or it measures nothing we can read. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> measured(Object monitor) {
        if (monitor instanceof Supplier) {
            try {
                Object o = ((Supplier<?>) monitor).get();
                if (o instanceof Map) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    ((Map<Object, Object>) o).forEach((k, v) -> m.put(String.valueOf(k), v));
                    return m;
                }
            } catch (RuntimeException e) {
                return Map.of("error", e.toString());
            }
        }
        return Map.of();
    }

    // ------------------------------------------------------------------ policies

    Dtos.PolicyTable policies() {
        Dtos.PolicyTable t = new Dtos.PolicyTable();
        if (context == null) {
            return t;
        }
        try {
            ServiceReference<?>[] refs = context.getAllServiceReferences(null, "(" + ShellConstants.POLICY_NAME + "=*)");
            if (refs != null) {
                for (ServiceReference<?> r : refs) {
                    Dtos.Policy p = new Dtos.Policy();
                    p.name = String.valueOf(r.getProperty(ShellConstants.POLICY_NAME));
                    Object en = r.getProperty(ShellConstants.POLICY_ENABLED);
                    p.enabled = en == null || Boolean.parseBoolean(en.toString());
                    p.serviceId = (Long) r.getProperty(Constants.SERVICE_ID);
                    p.bundle = r.getBundle() == null ? null : r.getBundle().getSymbolicName();
                    p.types.addAll(List.of((String[]) r.getProperty(Constants.OBJECTCLASS)));
                    t.add(p);
                }
            }
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        t.sort((a, b) -> a.name.compareTo(b.name));
        return t;
    }

    Dtos.PolicyTable policy(String name, String onOff) {
        if (!"on".equals(onOff) && !"off".equals(onOff)) {
            throw new ShellException("swap", "say on or off: swap:policy " + name + " on|off");
        }
        for (Dtos.Policy p : policies()) {
            if (p.name.equals(name)) {
                throw new ShellException("swap", "policy " + name + " cannot be turned " + onOff
                        + " from the shell yet: there is no policy API (swap.monitor will add it); stop its bundle " + p.bundle + " to stop it");
            }
        }
        throw new ShellException("swap", "no policy named " + name + "; swap:policy lists them");
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
        Entry<?> e = entry(id);
        if (!(e.handle() instanceof FileCacheManager)) {
            throw new ShellException("fcm", "entry " + id + " is a " + e.type().getName() + ", not a file; swap:list shows the entries, fcm:open PATH opens a file");
        }
        return (FileCacheManager) e.handle();
    }

    Dtos.Read read(long id, long offset, int length) {
        if (offset < 0 || length < 0) {
            throw new ShellException("fcm", "offset and length must be 0 or more");
        }
        if (length > 1 << 20) {
            throw new ShellException("fcm", "length " + length + " is too long for the console; read at most 1048576 bytes at a time");
        }
        FileCacheManager fcm = fcm(id);
        byte[] buf = new byte[length];
        int n;
        try {
            n = fcm.read(offset, buf, 0, length);
        } catch (IOException | RuntimeException e) {
            throw new ShellException("fcm", "read of entry " + id + " failed: " + e, e);
        }
        Dtos.Read r = new Dtos.Read();
        r.id = id;
        r.offset = offset;
        r.count = n;
        r.text = n < 0 ? "" : new String(buf, 0, n, StandardCharsets.UTF_8);
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
        FileCache f = fileCache();
        fcm(id);
        loads.forget(id);
        dropHeld(id);
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

    // ================================================================== completion

    /**
     * Candidates for the word at {@code index} of a command line: entry ids, implementation names of
     * the entry's interface, monitor names, interface names.
     */
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
                if ((w.equals("-t") || w.equals("--timeout")) && i + 1 < index) {
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
            case "info", "stats", "release", "read", "write", "close", "load" -> {
                if (pos == 0) {
                    ids(m, out, cmd.equals("read") || cmd.equals("write") || cmd.equals("close") || cmd.equals("load"));
                }
            }
            case "swap" -> {
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
                        for (Dtos.Monitor d : monitors()) {
                            out.add(d.name);
                        }
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
                    for (Dtos.Policy p : policies()) {
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
