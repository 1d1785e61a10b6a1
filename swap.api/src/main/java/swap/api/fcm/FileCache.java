package swap.api.fcm;

import java.io.IOException;
import java.nio.file.Path;

import swap.api.Entry;

/**
 * The file-cache service: opens files and hands out one FCM per open file, each behind its own
 * swap-manager entry. Configured through Config Admin (page size, memory budget in pages, the
 * implementation new files start with).
 *
 * <p>Provided by the platform; thread-safe.
 */
@org.osgi.annotation.versioning.ProviderType
public interface FileCache {

    /**
     * Opens an existing file.
     *
     * @throws java.nio.file.NoSuchFileException if it does not exist
     */
    Entry<FileCacheManager> open(Path file) throws IOException;

    /** Opens a file, creating it empty if it does not exist. */
    Entry<FileCacheManager> create(Path file) throws IOException;

    /** Opens a file with an FCM of the implementation {@code target} names (a name or a filter). */
    Entry<FileCacheManager> open(Path file, String target, boolean create) throws IOException;

    /**
     * Flushes and closes the file of entry {@code id} and releases the entry.
     *
     * @throws swap.api.SwapException if {@code id} is not an open file of this service
     */
    void close(long id) throws IOException;
}
