package swap.disttest.support;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.util.List;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ServiceScope;

import swap.api.StateFormat;
import swap.api.StatefulComponent;
import swap.api.SwapConstants;
import swap.api.TransferContext;
import swap.api.fcm.FcmFormats;
import swap.api.fcm.FcmStats;
import swap.api.fcm.FileCacheManager;
import swap.api.fcm.support.PagedFile;
import swap.api.fcm.support.SingleMapFile;

/**
 * Test support for the fleet rollouts ({@code FleetIT}): a copy of the example FCM under another
 * implementation name whose state import fails, by fault injection, on a node whose JVM runs with
 * {@code -Dswap.test.fleet.failImport=true} or whose working directory holds a file {@code fail-import}:
 * "the new version fails on node 3". Its import leaves
 * nothing behind, so the swap rolls back with the file's state intact on the old instance.
 */
@Component(service = FileCacheManager.class, scope = ServiceScope.PROTOTYPE, property = {
        SwapConstants.IMPL_NAME + "=fcm.flaky",
        SwapConstants.IMPL_VERSION + "=1.0.0",
        FileCacheManager.CONCURRENCY + "=shared",
        "test=true"})
public class FlakyFcm implements FileCacheManager, StatefulComponent {

    private SingleMapFile file; // guarded by this

    private SingleMapFile file() throws ClosedChannelException {
        if (file == null) {
            throw new ClosedChannelException(); // never bound to a file
        }
        return file;
    }

    @Override
    public synchronized Path path() {
        return file == null ? null : file.path();
    }

    @Override
    public synchronized int pageSize() {
        return file == null ? 0 : file.pageSize();
    }

    @Override
    public synchronized int read(long position, byte[] buffer, int offset, int length) throws IOException {
        PagedFile.checkArguments(position, buffer, offset, length);
        return file().readLocked(position, buffer, offset, length);
    }

    @Override
    public synchronized void write(long position, byte[] buffer, int offset, int length) throws IOException {
        PagedFile.checkArguments(position, buffer, offset, length);
        file().writeLocked(position, buffer, offset, length);
    }

    @Override
    public synchronized long size() throws IOException {
        SingleMapFile f = file();
        f.checkOpen();
        return f.size();
    }

    @Override
    public synchronized void truncate(long newSize) throws IOException {
        file().truncateLocked(newSize);
    }

    @Override
    public synchronized void flush() throws IOException {
        SingleMapFile f = file();
        f.checkOpen();
        f.flushLocked(f.pageMap());
        f.channel().force(false);
    }

    @Override
    public synchronized void close() throws IOException {
        SingleMapFile f = file();
        if (!f.isClosed()) {
            f.closeLocked();
        }
    }

    @Override
    public synchronized FcmStats stats() {
        return file == null ? new FcmStats() : file.stats();
    }

    // ------------------------------------------------------------------ state transfer

    @Override
    public List<StateFormat<?>> exportFormats() {
        return List.of(FcmFormats.PAGES);
    }

    @Override
    public List<StateFormat<?>> importFormats() {
        return List.of(FcmFormats.PAGES);
    }

    @Override
    public synchronized Object exportState(StateFormat<?> format) throws ClosedChannelException {
        SingleMapFile f = file();
        return f.toPageSet(List.of(f.pagesOf(f.pageMap())), stats());
    }

    @Override
    public synchronized void importState(StateFormat<?> format, Object state, TransferContext context) throws IOException {
        if (Boolean.getBoolean("swap.test.fleet.failImport") || java.nio.file.Files.exists(java.nio.file.Path.of("fail-import"))) {
            throw new IOException("injected: fcm.flaky cannot import on this node (-Dswap.test.fleet.failImport=true or a file fail-import in its working directory)");
        }
        FcmFormats.PageSet s = FcmFormats.PAGES.cast(state);
        SingleMapFile f = new SingleMapFile(s.path(), s.channel(), s.size(), s.pageSize(), Math.max(1, s.budget()));
        for (List<FcmFormats.Page> part : s.parts()) {
            for (FcmFormats.Page p : part) {
                f.importPage(p);
            }
        }
        PagedFile.carryStats(f.pageMap(), s.stats());
        f.trimLocked(f.pageMap()); // more pages than the budget: the eldest go, dirty ones written back first
        file = f;
    }
}
