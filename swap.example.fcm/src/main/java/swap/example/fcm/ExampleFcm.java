package swap.example.fcm;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ServiceScope;

import swap.api.StateFormat;
import swap.api.StatefulComponent;
import swap.api.SwapConstants;
import swap.api.TransferContext;
import swap.api.fcm.FcmFormats;
import swap.api.fcm.FcmStats;
import swap.api.fcm.FileCacheManager;

/**
 * The smallest useful file cache manager: one lock around one LRU map of pages. Written as the
 * implementation bundle an operator installs at run time and swaps a live file to (the shell demo);
 * it exports and imports only the canonical {@link FcmFormats#PAGES} format, so it can take over a
 * file from any FCM and hand it to any other.
 *
 * <p>Thread-safety: every method holds this object's monitor. The exporter hands the channel over
 * and never closes it; DS deactivating a swapped-out instance touches nothing.
 */
@Component(service = FileCacheManager.class, scope = ServiceScope.PROTOTYPE, property = {
        SwapConstants.IMPL_NAME + "=fcm.example",
        SwapConstants.IMPL_VERSION + "=1.0.0",
        FileCacheManager.CONCURRENCY + "=shared",
        "example=true"})
public class ExampleFcm implements FileCacheManager, StatefulComponent {

    private static final class Page {
        final byte[] bytes;
        boolean dirty;

        Page(byte[] bytes, boolean dirty) {
            this.bytes = bytes;
            this.dirty = dirty;
        }
    }

    // guarded by this
    private Path path;
    private FileChannel channel;
    private long size;
    private int pageSize = 4096;
    private int budget = 1024;
    private boolean closed;
    private final LinkedHashMap<Long, Page> pages = new LinkedHashMap<>(64, 0.75f, true);
    private long hits;
    private long misses;
    private long evictions;

    @Override
    public synchronized Path path() {
        return path;
    }

    @Override
    public synchronized int pageSize() {
        return pageSize;
    }

    @Override
    public synchronized int read(long position, byte[] buffer, int offset, int length) throws IOException {
        open();
        if (position >= size) {
            return -1;
        }
        int n = (int) Math.min(length, size - position);
        int done = 0;
        while (done < n) {
            long p = position + done;
            Page page = page(p / pageSize);
            int in = (int) (p % pageSize);
            int k = Math.min(n - done, pageSize - in);
            System.arraycopy(page.bytes, in, buffer, offset + done, k);
            done += k;
        }
        return n;
    }

    @Override
    public synchronized void write(long position, byte[] buffer, int offset, int length) throws IOException {
        open();
        int done = 0;
        while (done < length) {
            long p = position + done;
            Page page = page(p / pageSize);
            int in = (int) (p % pageSize);
            int k = Math.min(length - done, pageSize - in);
            System.arraycopy(buffer, offset + done, page.bytes, in, k);
            page.dirty = true;
            done += k;
        }
        size = Math.max(size, position + length);
    }

    @Override
    public synchronized long size() throws IOException {
        open();
        return size;
    }

    @Override
    public synchronized void truncate(long newSize) throws IOException {
        open();
        if (newSize >= size) {
            return;
        }
        for (Iterator<Map.Entry<Long, Page>> it = pages.entrySet().iterator(); it.hasNext();) {
            Map.Entry<Long, Page> e = it.next();
            long start = e.getKey() * pageSize;
            if (start >= newSize) {
                it.remove();
            } else if (start + pageSize > newSize) {
                java.util.Arrays.fill(e.getValue().bytes, (int) (newSize - start), pageSize, (byte) 0);
            }
        }
        channel.truncate(newSize);
        size = newSize;
    }

    @Override
    public synchronized void flush() throws IOException {
        open();
        for (Map.Entry<Long, Page> e : pages.entrySet()) {
            writeBack(e.getKey(), e.getValue());
        }
        channel.force(false);
    }

    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        flush();
        closed = true;
        pages.clear();
        channel.close();
    }

    @Override
    public synchronized FcmStats stats() {
        FcmStats s = new FcmStats();
        s.hits = hits;
        s.misses = misses;
        s.evictions = evictions;
        s.cachedPages = pages.size();
        s.dirtyPages = pages.values().stream().filter(p -> p.dirty).count();
        return s;
    }

    private void open() throws IOException {
        if (closed || channel == null) {
            throw new ClosedChannelException();
        }
    }

    private Page page(long number) throws IOException {
        Page p = pages.get(number);
        if (p != null) {
            hits++;
            return p;
        }
        misses++;
        byte[] b = new byte[pageSize];
        ByteBuffer buf = ByteBuffer.wrap(b);
        long at = number * pageSize;
        while (buf.hasRemaining()) {
            int r = channel.read(buf, at + buf.position());
            if (r < 0) {
                break; // past the end of the file: the rest reads as zeros
            }
        }
        p = new Page(b, false);
        pages.put(number, p);
        while (pages.size() > budget) {
            Iterator<Map.Entry<Long, Page>> it = pages.entrySet().iterator();
            Map.Entry<Long, Page> eldest = it.next();
            writeBack(eldest.getKey(), eldest.getValue());
            it.remove();
            evictions++;
        }
        return p;
    }

    private void writeBack(long number, Page p) throws IOException {
        if (!p.dirty) {
            return;
        }
        long start = number * pageSize;
        int len = (int) Math.min(pageSize, size - start);
        if (len > 0) {
            ByteBuffer buf = ByteBuffer.wrap(p.bytes, 0, len);
            while (buf.hasRemaining()) {
                channel.write(buf, start + buf.position());
            }
        }
        p.dirty = false; // a failed write above throws first and keeps the page dirty
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
    public synchronized Object exportState(StateFormat<?> format) {
        // A copy of every page: this instance stays intact in case the import fails and the swap rolls back.
        List<FcmFormats.Page> l = new ArrayList<>(pages.size());
        for (Map.Entry<Long, Page> e : pages.entrySet()) {
            l.add(new FcmFormats.Page(e.getKey(), e.getValue().bytes.clone(), e.getValue().dirty));
        }
        return new FcmFormats.PageSet(path, channel, size, pageSize, budget, List.of(l));
    }

    @Override
    public synchronized void importState(StateFormat<?> format, Object state, TransferContext context) {
        FcmFormats.PageSet s = FcmFormats.PAGES.cast(state);
        path = s.path();
        channel = s.channel();
        size = s.size();
        pageSize = s.pageSize();
        budget = Math.max(1, s.budget());
        pages.clear();
        for (List<FcmFormats.Page> part : s.parts()) {
            for (FcmFormats.Page p : part) {
                pages.put(p.number(), new Page(p.bytes().clone(), p.dirty()));
            }
        }
    }
}
