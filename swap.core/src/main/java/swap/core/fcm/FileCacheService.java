package swap.core.fcm;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import swap.api.Entry;
import swap.api.SwapException;
import swap.api.SwapManager;
import swap.api.fcm.FcmFormats;
import swap.api.fcm.FcmFormats.PageSet;
import swap.api.fcm.FileCache;
import swap.api.fcm.FileCacheManager;
import swap.core.journal.JournalService;
import swap.core.journal.Restore;

/**
 * The file-cache service: opens a file's channel, binds a fresh FCM to it through
 * {@link SwapManager#create(Class, String, swap.api.StateFormat, Object)} with an empty
 * {@link FcmFormats#PAGES} state, and keeps the entry until {@link #close(long)}. Each open file
 * has its own entry, so it can be swapped alone. Configuration PID {@value #PID}.
 *
 * <p>A file is open at most once per service (a second open of the same path fails with a message
 * naming the entry), so two caches never hold different bytes for one file.
 *
 * <p>Outside OSGi (benchmarks, tests): {@code new FileCacheService(engine, pageSize, budget, target)}.
 *
 * <p>Thread-safe: every method may be called from any thread.
 */
@Component(service = FileCache.class, configurationPid = FileCacheService.PID, immediate = true)
@Designate(ocd = FileCacheService.Config.class)
public class FileCacheService implements FileCache {

    /** Configuration PID. */
    public static final String PID = "swap.fcm";
    /** Page size unless configured. */
    public static final int DEFAULT_PAGE_SIZE = 4096;
    /** Budget in pages per open file unless configured (4 MiB with 4 KiB pages). */
    public static final int DEFAULT_BUDGET_PAGES = 1024;
    /** Implementation new files start with unless configured. */
    public static final String DEFAULT_TARGET = "(" + FileCacheManager.CONCURRENCY + "=shared)";

    @ObjectClassDefinition(id = PID, name = "File cache", description = "Opens files and gives each its own swappable file cache manager (FCM).")
    public @interface Config {
        @AttributeDefinition(name = "Page size (bytes)", description = "Size of one cached page. Applies to files opened afterwards.", min = "512")
        int page_size() default DEFAULT_PAGE_SIZE;

        @AttributeDefinition(name = "Budget (pages per file)", description = "The most pages one open file may keep cached; pages are evicted by CLOCK (second chance, an approximation of least recently used), dirty ones written back first.", min = "1")
        int budget_pages() default DEFAULT_BUDGET_PAGES;

        @AttributeDefinition(name = "Initial implementation", description = "The FCM implementation new files start with: an implementation name or an LDAP filter, e.g. (concurrency=shared).")
        String initial_target() default DEFAULT_TARGET;

        @AttributeDefinition(name = "Small files (bytes)", description = "Files of at most this many bytes (e.g. 65536) open on the small-file FCM (small.target) when one is registered and no target is asked for; it swaps itself to the initial implementation once the file grows past this. 0 (the default): off.", min = "0")
        long small_file_bytes() default DEFAULT_SMALL_FILE_BYTES;

        @AttributeDefinition(name = "Small-file implementation", description = "The FCM small files open on: a name or an LDAP filter.")
        String small_target() default DEFAULT_SMALL_TARGET;
    }

    /**
     * Small files unless configured: 0, off (issue 28: 65536 is the value the small-file FCM grows at
     * when it is 0). Off by default because it changes the FCM every new or small file opens on,
     * which tests and demos written before it assume.
     */
    public static final long DEFAULT_SMALL_FILE_BYTES = 0;
    /** The small-file FCM unless configured. */
    public static final String DEFAULT_SMALL_TARGET = "(size=small)";

    private final SwapManager manager;
    /** The journal: remembers which implementation each file last ran (its real path is its stable key). */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile JournalService journal;
    private final Map<Long, Open> open = new ConcurrentHashMap<>();
    private final Map<Path, Long> byPath = new ConcurrentHashMap<>();
    private volatile Settings settings;

    private static final class Settings {
        final int pageSize;
        final int budget;
        final String target;
        final long smallFileBytes;
        final String smallTarget;

        Settings(int pageSize, int budget, String target) {
            this(pageSize, budget, target, 0, DEFAULT_SMALL_TARGET);
        }

        Settings(int pageSize, int budget, String target, long smallFileBytes, String smallTarget) {
            if (smallFileBytes < 0) {
                throw new IllegalArgumentException("small.file.bytes must be >= 0 (0: off), was " + smallFileBytes);
            }
            this.smallFileBytes = smallFileBytes;
            this.smallTarget = smallTarget == null || smallTarget.isBlank() ? DEFAULT_SMALL_TARGET : smallTarget.trim();
            if (pageSize < 1 || budget < 1) {
                throw new IllegalArgumentException("page size and budget must be >= 1, were " + pageSize + " and " + budget);
            }
            if (target == null || target.isBlank()) {
                throw new IllegalArgumentException("no initial implementation target given: e.g. " + DEFAULT_TARGET);
            }
            this.pageSize = pageSize;
            this.budget = budget;
            this.target = target.trim();
        }
    }

    private static final class Open {
        final Entry<FileCacheManager> entry;
        final Path path;

        Open(Entry<FileCacheManager> entry, Path path) {
            this.entry = entry;
            this.path = path;
        }
    }

    /** For plain Java (benchmarks, tests). */
    public FileCacheService(SwapManager manager, int pageSize, int budgetPages, String initialTarget) {
        this.manager = manager;
        this.settings = new Settings(pageSize, budgetPages, initialTarget);
    }

    /**
     * For plain Java: files of at most {@code smallFileBytes} (0: none) open on {@code smallTarget}
     * when no target is asked for and such an implementation is registered.
     */
    public FileCacheService(SwapManager manager, int pageSize, int budgetPages, String initialTarget, long smallFileBytes, String smallTarget) {
        this.manager = manager;
        this.settings = new Settings(pageSize, budgetPages, initialTarget, smallFileBytes, smallTarget);
    }

    /** For DS. */
    @Activate
    public FileCacheService(@Reference SwapManager manager, Config config) {
        this(manager, config.page_size(), config.budget_pages(), config.initial_target(), config.small_file_bytes(), config.small_target());
    }

    @Modified
    void modified(Config config) {
        settings = new Settings(config.page_size(), config.budget_pages(), config.initial_target(), config.small_file_bytes(), config.small_target());
    }

    /** Flushes and closes every file still open (best effort: errors are reported, then skipped). */
    @Deactivate
    public void closeAll() {
        for (Long id : new ArrayList<>(open.keySet())) {
            try {
                close(id);
            } catch (IOException | RuntimeException ex) {
                System.err.println("swap.fcm: could not flush and close entry " + id + ": " + ex);
                Open o = open.remove(id);
                if (o != null) {
                    byPath.remove(o.path, id);
                    manager.release(id);
                }
            }
        }
    }

    @Override
    public Entry<FileCacheManager> open(Path file) throws IOException {
        return open(file, null, false);
    }

    @Override
    public Entry<FileCacheManager> create(Path file) throws IOException {
        return open(file, null, true);
    }

    @Override
    public Entry<FileCacheManager> open(Path file, String target, boolean create) throws IOException {
        Settings st = settings;
        Path path = file.toAbsolutePath().normalize();
        String t = target == null || target.isBlank() ? st.target : target.trim();
        Long placeholder = -1L;
        Long other = byPath.putIfAbsent(path, placeholder);
        if (other != null) {
            throw new IOException(path + " is already open in this file cache" + (other >= 0 ? " as entry " + other + "; use that entry" : ""));
        }
        FileChannel channel = null;
        try {
            channel = create
                    ? FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.CREATE)
                    : FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
            PageSet initial = new PageSet(path, channel, channel.size(), st.pageSize, st.budget, List.of());
            JournalService j = journal;
            String key = "file:" + path.toRealPath();
            // No target asked for: the file comes back on the implementation it last ran, if still installed and trusted.
            // Issue 28: a small file opens on the small-file FCM (which swaps itself to the initial
            // implementation once it grows), if one is registered; else as any file.
            boolean small = (target == null || target.isBlank()) && st.smallFileBytes > 0 && channel.size() <= st.smallFileBytes;
            Restore restore = !small && (target == null || target.isBlank()) ? Restore.decide(j, manager, FileCacheManager.class, key, t) : null;
            String note = restore == null ? null : restore.note;
            Entry<FileCacheManager> e;
            try {
                e = manager.create(FileCacheManager.class, small ? st.smallTarget : restore == null ? t : restore.target, FcmFormats.PAGES, initial);
            } catch (SwapException failed) {
                if (small) { // no small-file FCM registered (or it failed): the file opens as any file
                    e = manager.create(FileCacheManager.class, t, FcmFormats.PAGES, initial);
                } else {
                    if (restore == null || restore.target.equals(t)) {
                        throw failed;
                    }
                    e = manager.create(FileCacheManager.class, t, FcmFormats.PAGES, initial);
                    note = "could not come back on " + restore.target + " (" + failed.getMessage() + "): on the default " + t;
                }
            }
            open.put(e.id(), new Open(e, path));
            byPath.put(path, e.id());
            if (j != null) {
                swap.api.EntryDTO d = e.describe();
                j.opened(key, e.id(), d.implementation + " " + d.version, note);
            }
            return e;
        } catch (IOException | RuntimeException | Error ex) {
            byPath.remove(path, placeholder);
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException suppressed) {
                    ex.addSuppressed(suppressed);
                }
            }
            throw ex;
        }
    }

    /**
     * Flushes and closes the file, then releases its entry. If the flush fails the file stays open
     * with its dirty pages, and the error is thrown: retry, or free space and retry.
     */
    @Override
    public void close(long id) throws IOException {
        Open o = open.get(id);
        if (o == null) {
            throw new SwapException("entry " + id + " is not a file open in this file cache");
        }
        synchronized (o) {
            if (open.get(id) != o) {
                throw new SwapException("entry " + id + " is not a file open in this file cache");
            }
            try {
                o.entry.handle().close();
            } catch (java.nio.channels.ClosedChannelException alreadyClosed) {
                // closed through its handle: only the entry is left to release
            }
            open.remove(id);
            byPath.remove(o.path, id);
            manager.release(id);
            JournalService j = journal;
            if (j != null) {
                j.closed(id);
            }
        }
    }

    /** @return the ids of the entries of the files open now */
    public List<Long> openEntries() {
        return new ArrayList<>(open.keySet());
    }

    /** @return the entry of an open file */
    public Entry<FileCacheManager> entry(long id) {
        Open o = open.get(id);
        if (o == null) {
            throw new SwapException("entry " + id + " is not a file open in this file cache");
        }
        return o.entry;
    }
}
