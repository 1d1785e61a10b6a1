package swap.api.fcm;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A file cache manager (FCM): the page cache of one open file, as in K42. Bytes are cached in
 * pages of {@link #pageSize()} bytes; writes dirty pages in memory and {@link #flush()} writes
 * them back. Each open file has its own FCM behind its own swap-manager entry, so it can be swapped
 * alone (for example from a shared to a distributed implementation when many threads use it).
 *
 * <p>Implementations are DS components of prototype scope registered under this interface with
 * {@link swap.api.SwapConstants#IMPL_NAME} and the characteristic {@link #CONCURRENCY}. A fresh
 * instance is bound to its file by importing a {@link FcmFormats#PAGES} state (the file cache does
 * this when it opens a file), so every implementation must import that format.
 *
 * <p>Thread-safety: every method may be called by any number of threads at once.
 * Errors: a read past the end returns -1; a call after {@link #close()} throws
 * {@link java.nio.channels.ClosedChannelException}; an I/O error is thrown as is and leaves the
 * cache consistent (a failed write-back keeps the page dirty).
 *
 * <p>Provider type: the FCM bundles implement it; clients only call it.
 */
@org.osgi.annotation.versioning.ProviderType
public interface FileCacheManager {

    /** Service property: {@code shared} (one structure, one lock) or {@code distributed} (partitioned). */
    String CONCURRENCY = "concurrency";

    /**
     * Service property: the access pattern an implementation is made for: {@code sequential}
     * (read-ahead with drop-behind), {@code mixed} (scan-resistant replacement: a hot set plus
     * scans, or loops over more pages than the budget) or {@code random} (CLOCK). Since 1.2.
     */
    String PATTERN = "pattern";

    /** @return the file this FCM caches */
    Path path();

    /** @return the page size in bytes */
    int pageSize();

    /**
     * Reads up to {@code length} bytes at {@code position} into {@code buffer[offset..]}.
     *
     * @return the number of bytes read, or -1 if {@code position} is at or past the end of the file
     */
    int read(long position, byte[] buffer, int offset, int length) throws IOException;

    /** Writes {@code length} bytes at {@code position}, growing the file if needed (a gap reads as zeros). */
    void write(long position, byte[] buffer, int offset, int length) throws IOException;

    /** @return the file's size, including writes not yet flushed */
    long size() throws IOException;

    /** Cuts the file to {@code size} bytes (cached pages past it are dropped); a larger size does nothing. */
    void truncate(long size) throws IOException;

    /** Writes every dirty page back to the file and forces it to the device. */
    void flush() throws IOException;

    /** Flushes and closes the file; later calls throw {@link java.nio.channels.ClosedChannelException}. */
    void close() throws IOException;

    /** @return a snapshot of the cache's statistics */
    FcmStats stats();
}
