package swap.shell.internal;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongConsumer;

import swap.api.Entry;
import swap.api.EntryDTO;
import swap.api.SwapManager;
import swap.api.fcm.FcmStats;
import swap.api.fcm.FileCacheManager;

/**
 * The open files' cache counters: what {@code swap:stats ID} shows on its {@code cache} line and
 * {@code fcm:stat} lists for every open file (issue 28). Moved out of {@link Shell}, which keeps
 * only the commands' entry points.
 */
final class FileStats {

    private FileStats() {
    }

    /**
     * A file's cache counters ({@link FileCacheManager#stats()}) under the names both {@code swap:stats ID}
     * (its {@code cache} line) and {@code fcm:stat} (its columns) show: {@value #HITS}, {@value #MISSES},
     * evictions, cached, dirty, {@value #READ_AHEAD}, {@value #READ_AHEAD_WASTED}, hit-ratio; or only
     * {@value #UNAVAILABLE} with the reason, when the FCM could not give them.
     */
    static Map<String, Object> counters(FileCacheManager fcm) {
        Map<String, Object> c = new LinkedHashMap<>();
        try {
            FcmStats f = fcm.stats();
            c.put(HITS, f.hits);
            c.put(MISSES, f.misses);
            c.put("evictions", f.evictions);
            c.put("cached", f.cachedPages);
            c.put("dirty", f.dirtyPages);
            c.put(READ_AHEAD, f.readAhead);
            c.put(READ_AHEAD_WASTED, f.readAheadWasted);
            long lookups = f.hits + f.misses;
            c.put("hit-ratio", lookups == 0 ? 0.0 : (double) f.hits / lookups);
        } catch (RuntimeException | LinkageError ex) {
            c.clear();
            c.put(UNAVAILABLE, ex.toString());
        }
        return c;
    }

    static final String HITS = "hits";
    static final String MISSES = "misses";
    static final String READ_AHEAD = "read-ahead";
    static final String READ_AHEAD_WASTED = "read-ahead-wasted";
    static final String UNAVAILABLE = "unavailable";
    /** The access-pattern monitor (swap.monitor's interposer name) and the key of its class in its statistics. */
    static final String PATTERN_MONITOR = "access-pattern";
    static final String PATTERN_KEY = "pattern";

    /** {@code fcm:stat}: one row per open file (every entry of a file cache manager not released), by entry id. */
    static Dtos.FileStatTable all(SwapManager m) {
        Dtos.FileStatTable t = new Dtos.FileStatTable();
        for (EntryDTO d : m.list()) {
            if (FileCacheManager.class.getName().equals(d.iface) && !"RELEASED".equals(d.state)) {
                m.entry(d.id).ifPresent(e -> t.add(fileStat(m, e)));
            }
        }
        return t;
    }

    /**
     * {@code fcm:stat FILE}: the row of one open file, named by its entry id or by its path
     * ({@code cwd} resolves a relative one; a number is an entry id when such an entry exists,
     * else a path). {@code requireFile} refuses, in one line, an entry that is not a file.
     */
    static Dtos.FileStatTable one(SwapManager m, String file, Path cwd, LongConsumer requireFile) {
        if (file == null || file.isBlank()) {
            throw new ShellException("fcm", "give an entry id or the path of an open file: fcm:stat ID or fcm:stat PATH (fcm:stat alone lists every open file)");
        }
        String arg = file.trim();
        Entry<?> found = null;
        boolean digits = arg.matches("\\d+");
        if (digits) {
            long id;
            try {
                id = Long.parseLong(arg);
            } catch (NumberFormatException ex) {
                id = -1; // too large for an id: a file name then
            }
            Optional<Entry<?>> byId = id < 0 ? Optional.empty() : m.entry(id);
            if (byId.isPresent()) {
                requireFile.accept(id); // an entry that is not a file: one line saying so
                found = byId.get();
            }
        }
        Path path = null;
        if (found == null) {
            try {
                path = (cwd == null ? Path.of(arg) : cwd.resolve(arg)).toAbsolutePath().normalize();
            } catch (java.nio.file.InvalidPathException ex) {
                throw new ShellException("fcm", "not an entry id nor a path: " + arg + "; give the ID or PATH fcm:stat lists");
            }
            for (EntryDTO d : m.list()) {
                if (FileCacheManager.class.getName().equals(d.iface) && !"RELEASED".equals(d.state)) {
                    Optional<Entry<?>> e = m.entry(d.id);
                    if (e.isPresent() && path.equals(pathOf(e.get()))) {
                        found = e.get();
                        break;
                    }
                }
            }
        }
        if (found == null) {
            throw new ShellException("fcm", (digits ? "no entry with id " + arg + " and no open file at " + path : "no open file at " + path)
                    + "; fcm:stat lists the open files (ID and PATH), fcm:open PATH opens one");
        }
        Dtos.FileStatTable t = new Dtos.FileStatTable();
        t.add(fileStat(m, found));
        return t;
    }

    private static Path pathOf(Entry<?> e) {
        try {
            Path p = ((FileCacheManager) e.handle()).path();
            return p == null ? null : p.toAbsolutePath().normalize();
        } catch (RuntimeException | LinkageError ex) {
            return null;
        }
    }

    private static Dtos.FileStat fileStat(SwapManager m, Entry<?> e) {
        Dtos.FileStat s = new Dtos.FileStat();
        EntryDTO d = e.describe();
        s.id = d.id;
        Path p = pathOf(e);
        s.path = p == null ? null : p.toString();
        s.implementation = d.implementation;
        s.cache = counters((FileCacheManager) e.handle());
        if (d.interposers != null && d.interposers.contains(PATTERN_MONITOR)) {
            try {
                Map<String, Object> st = m.statistics(d.id).get(PATTERN_MONITOR);
                Object c = st == null ? null : st.get(PATTERN_KEY);
                s.pattern = c == null ? "?" : c.toString();
            } catch (RuntimeException ex) {
                s.pattern = "?"; // released or swapped away meanwhile: the counters above still stand
            }
        }
        return s;
    }
}
