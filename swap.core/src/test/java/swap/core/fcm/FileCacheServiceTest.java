package swap.core.fcm;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import swap.api.Entry;
import swap.api.StateFormat;
import swap.api.StatefulComponent;
import swap.api.SwapException;
import swap.api.TransferContext;
import swap.api.fcm.FcmFormats;
import swap.api.fcm.FcmFormats.PageSet;
import swap.api.fcm.FcmStats;
import swap.api.fcm.FileCacheManager;
import swap.kernel.Engine;
import swap.kernel.StandaloneSource;

/** The file-cache service outside OSGi, with a test FCM that caches nothing (the real ones live in their bundles). */
public class FileCacheServiceTest {

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    private Engine engine;
    private FileCacheService cache;
    private final List<PageSet> bound = new CopyOnWriteArrayList<>();

    @Before
    public void setUp() {
        StandaloneSource source = new StandaloneSource();
        source.add(FileCacheManager.class, "direct", "1.0.0", () -> new Direct(bound), FileCacheManager.CONCURRENCY, "shared");
        source.add(FileCacheManager.class, "direct.other", "1.0.0", () -> new Direct(bound), FileCacheManager.CONCURRENCY, "distributed");
        engine = new Engine(source);
        cache = new FileCacheService(engine, 512, 7, FileCacheService.DEFAULT_TARGET);
    }

    @After
    public void tearDown() {
        cache.closeAll();
        engine.shutdown();
    }

    @Test
    public void opensAFileBehindItsOwnEntryWithTheConfiguredSettings() throws Exception {
        Path p = tmp.newFile().toPath();
        Files.write(p, new byte[] {1, 2, 3});
        Entry<FileCacheManager> e = cache.open(p);
        assertEquals("direct", e.describe().implementation);
        PageSet s = bound.get(0);
        assertEquals(p.toAbsolutePath(), s.path());
        assertEquals(3, s.size());
        assertEquals(512, s.pageSize());
        assertEquals(7, s.budget());
        assertTrue(s.parts().isEmpty());
        assertEquals(List.of(e.id()), cache.openEntries());
        Entry<FileCacheManager> e2 = cache.open(tmp.newFile().toPath(), "(concurrency=distributed)", false);
        assertEquals("direct.other", e2.describe().implementation);
        assertTrue(e.id() != e2.id());
    }

    @Test
    public void closeFlushesClosesTheChannelAndReleasesTheEntry() throws Exception {
        Path p = tmp.newFile().toPath();
        Entry<FileCacheManager> e = cache.create(p);
        e.handle().write(0, new byte[] {4, 5}, 0, 2);
        FileChannel ch = bound.get(0).channel();
        cache.close(e.id());
        assertFalse(ch.isOpen());
        assertTrue(engine.entry(e.id()).isEmpty());
        assertTrue(cache.openEntries().isEmpty());
        assertArrayEquals(new byte[] {4, 5}, Files.readAllBytes(p));
        try {
            cache.close(e.id());
            fail();
        } catch (SwapException expected) {
            assertTrue(expected.getMessage(), expected.getMessage().contains("not a file open"));
        }
    }

    @Test
    public void aMissingFileOrAnUnknownImplementationFailsClearlyAndLeavesNothingOpen() throws Exception {
        Path missing = tmp.getRoot().toPath().resolve("nope");
        try {
            cache.open(missing);
            fail();
        } catch (NoSuchFileException expected) {
            // fine
        }
        Path p = tmp.newFile().toPath();
        try {
            cache.open(p, "no.such.fcm", false);
            fail();
        } catch (SwapException expected) {
            assertTrue(expected.getMessage(), expected.getMessage().contains("no.such.fcm"));
        }
        assertTrue(cache.openEntries().isEmpty());
        assertTrue(engine.list().isEmpty());
        cache.close(cache.open(p).id()); // the failed open left no trace
    }

    @Test
    public void aFileIsOpenAtMostOnce() throws Exception {
        Path p = tmp.newFile().toPath();
        Entry<FileCacheManager> e = cache.open(p);
        try {
            cache.open(p.getParent().resolve(".").resolve(p.getFileName()));
            fail();
        } catch (IOException expected) {
            assertTrue(expected.getMessage(), expected.getMessage().contains("entry " + e.id()));
        }
    }

    @Test
    public void closeAllClosesEveryFile() throws Exception {
        cache.open(tmp.newFile().toPath());
        cache.open(tmp.newFile().toPath());
        cache.closeAll();
        assertTrue(cache.openEntries().isEmpty());
        assertTrue(engine.list().isEmpty());
        for (PageSet s : bound) {
            assertFalse(s.channel().isOpen());
        }
    }

    /** A test FCM without a cache: every call goes to the channel. */
    static final class Direct implements FileCacheManager, StatefulComponent {
        private final List<PageSet> bound;
        private PageSet s;
        private boolean closed;

        Direct(List<PageSet> bound) {
            this.bound = bound;
        }

        @Override
        public List<StateFormat<?>> exportFormats() {
            return List.of(FcmFormats.PAGES);
        }

        @Override
        public List<StateFormat<?>> importFormats() {
            return List.of(FcmFormats.PAGES);
        }

        @Override
        public Object exportState(StateFormat<?> format) {
            return s;
        }

        @Override
        public void importState(StateFormat<?> format, Object state, TransferContext context) {
            s = FcmFormats.PAGES.cast(state);
            bound.add(s);
        }

        private void check() throws ClosedChannelException {
            if (closed) {
                throw new ClosedChannelException();
            }
        }

        @Override
        public Path path() {
            return s.path();
        }

        @Override
        public int pageSize() {
            return s.pageSize();
        }

        @Override
        public synchronized int read(long position, byte[] buffer, int offset, int length) throws IOException {
            check();
            return s.channel().read(ByteBuffer.wrap(buffer, offset, length), position);
        }

        @Override
        public synchronized void write(long position, byte[] buffer, int offset, int length) throws IOException {
            check();
            s.channel().write(ByteBuffer.wrap(buffer, offset, length), position);
        }

        @Override
        public synchronized long size() throws IOException {
            check();
            return s.channel().size();
        }

        @Override
        public synchronized void truncate(long size) throws IOException {
            check();
            s.channel().truncate(size);
        }

        @Override
        public synchronized void flush() throws IOException {
            check();
            s.channel().force(false);
        }

        @Override
        public synchronized void close() throws IOException {
            check();
            closed = true;
            s.channel().close();
        }

        @Override
        public FcmStats stats() {
            return new FcmStats();
        }
    }
}
