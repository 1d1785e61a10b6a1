package swap.monitor.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.Map;
import java.util.Random;

import org.junit.After;
import org.junit.Test;

import swap.api.Entry;
import swap.kernel.Engine;
import swap.kernel.StandaloneSource;
import swap.monitor.internal.AccessPatternClassifier.Pattern;

/** The access-pattern classifier on synthetic traces (pure logic), and its monitor on a real entry. */
public class AccessPatternClassifierTest {

    static final int WINDOW = 128;
    static final int BUDGET = 64;
    static final int PAGE = 4096;

    private final AccessPatternClassifier c = new AccessPatternClassifier(WINDOW, PAGE, BUDGET);

    private void read(long page) {
        c.record(page * PAGE, PAGE);
    }

    @Test
    public void tooFewReadsAreUnknown() {
        for (int i = 0; i < WINDOW / 2 - 1; i++) {
            read(i);
        }
        assertEquals(Pattern.UNKNOWN, c.pattern());
        read(WINDOW / 2);
        assertEquals(Pattern.SEQUENTIAL, c.pattern());
    }

    @Test
    public void aForwardScanIsSequential() {
        for (int i = 0; i < 1000; i++) {
            read(i);
        }
        assertEquals(Pattern.SEQUENTIAL, c.pattern());
        assertTrue(c.sequentialPercent() >= 99);
    }

    @Test
    public void smallReadsWithinAPageAndMultiPageReadsAreSequential() {
        for (int i = 0; i < 1000; i++) {
            c.record(1024L * i, 1024); // four 1 KiB reads per 4 KiB page
        }
        assertEquals(Pattern.SEQUENTIAL, c.pattern());
        AccessPatternClassifier big = new AccessPatternClassifier(WINDOW, PAGE, BUDGET);
        for (int i = 0; i < 1000; i++) {
            big.record(4L * PAGE * i, 4 * PAGE); // 16 KiB reads
        }
        assertEquals(Pattern.SEQUENTIAL, big.pattern());
    }

    @Test
    public void interleavedStreamsAreEachSequential() {
        for (int i = 0; i < 1000; i++) {
            read(i);
            read(1_000_000 + i);
            read(5_000_000 + i);
        }
        assertEquals(Pattern.SEQUENTIAL, c.pattern());
    }

    @Test
    public void aConstantStrideIsStrided() {
        for (int i = 0; i < 1000; i++) {
            read(7L * i);
        }
        assertEquals(Pattern.STRIDED, c.pattern());
        AccessPatternClassifier back = new AccessPatternClassifier(WINDOW, PAGE, BUDGET);
        for (int i = 0; i < 1000; i++) {
            back.record((10_000 - 3L * i) * PAGE, PAGE);
        }
        assertEquals(Pattern.STRIDED, back.pattern());
    }

    @Test
    public void uniformRandomReadsAreRandom() {
        Random r = new Random(42);
        for (int i = 0; i < 5000; i++) {
            read(r.nextInt(100_000));
        }
        assertEquals(Pattern.RANDOM, c.pattern());
    }

    @Test
    public void aRandomHotSetSmallerThanTheBudgetIsRandom() {
        Random r = new Random(7);
        for (int i = 0; i < 5000; i++) {
            read(r.nextInt(BUDGET / 2));
        }
        assertEquals(Pattern.RANDOM, c.pattern());
        assertTrue(c.reusePercent() > 90);
        // distances count reads, an upper bound of distinct pages: about e^-2 of the reuses of a
        // 32-page hot set lie more than 64 reads apart
        assertTrue(c.farReusePercent() < 30);
    }

    @Test
    public void aLoopOverMorePagesThanTheBudgetIsLooping() {
        for (int pass = 0; pass < 5; pass++) {
            for (int p = 0; p < 2 * BUDGET; p++) {
                read(p);
            }
        }
        assertEquals(Pattern.LOOPING, c.pattern());
        assertTrue(c.farReusePercent() > 90);
    }

    @Test
    public void aLoopThatFitsInTheBudgetIsNeitherSequentialNorLooping() {
        for (int pass = 0; pass < 40; pass++) {
            for (int p = 0; p < BUDGET / 2; p++) {
                read(p);
            }
        }
        assertEquals("served from the cache: no stream of new pages", Pattern.RANDOM, c.pattern());
        assertTrue(c.reusePercent() > 90);
        assertEquals(0, c.farReusePercent());
    }

    @Test
    public void aHotSetPlusAScanIsMixed() {
        Random r = new Random(3);
        long scan = 1_000_000;
        for (int i = 0; i < 3000; i++) {
            read(r.nextInt(BUDGET / 2)); // the hot set
            if (i % 2 == 0) {
                read(scan++); // one scan read every two hot reads
            }
        }
        assertEquals(Pattern.MIXED, c.pattern());
    }

    @Test
    public void theClassFollowsTheWindow() {
        Random r = new Random(11);
        for (int i = 0; i < 1000; i++) {
            read(r.nextInt(100_000));
        }
        assertEquals(Pattern.RANDOM, c.pattern());
        for (int i = 0; i < WINDOW / 2; i++) {
            read(200_000 + i);
        }
        assertEquals("half a window of scan among random reads", Pattern.MIXED, c.pattern());
        for (int i = WINDOW / 2; i < WINDOW; i++) {
            read(200_000 + i);
        }
        assertEquals("a whole window of scan", Pattern.SEQUENTIAL, c.pattern());
        for (int i = 0; i < WINDOW; i++) {
            read(r.nextInt(100_000));
        }
        assertEquals(Pattern.RANDOM, c.pattern());
    }

    @Test
    public void theReuseMemoryStaysBounded() {
        Random r = new Random(5);
        for (int i = 0; i < 200_000; i++) {
            read(r.nextInt(Integer.MAX_VALUE));
        }
        assertEquals(Pattern.RANDOM, c.pattern());
        assertEquals(200_000, c.reads());
    }

    @Test(expected = IllegalArgumentException.class)
    public void aWindowOfLessThanFourReadsIsRefused() {
        new AccessPatternClassifier(3, PAGE, 10);
    }

    // --- the monitor, on a real entry of the engine

    public interface Reader {
        int read(long position, byte[] buffer, int offset, int length);

        long size();
    }

    static final class Zeros implements Reader {
        @Override
        public int read(long position, byte[] buffer, int offset, int length) {
            return length;
        }

        @Override
        public long size() {
            return Long.MAX_VALUE;
        }
    }

    private Engine engine;

    @After
    public void tearDown() {
        if (engine != null) {
            engine.shutdown();
        }
    }

    @Test
    public void theMonitorClassifiesTheReadsOfAnEntryAndIgnoresOtherCalls() {
        StandaloneSource source = new StandaloneSource();
        source.add(Reader.class, "zeros", "1.0.0", Zeros::new);
        source.addInterposer(AccessPatternMonitor.NAME, () -> new AccessPatternMonitor(WINDOW, 4096, BUDGET));
        engine = new Engine(source);
        Entry<Reader> e = engine.create(Reader.class, "zeros");
        engine.interpose(e.id(), AccessPatternMonitor.NAME);
        byte[] b = new byte[4096];
        for (int i = 0; i < 300; i++) {
            e.handle().read(4096L * i, b, 0, b.length);
            e.handle().size();
        }
        Map<String, Object> s = engine.statistics(e.id()).get(AccessPatternMonitor.NAME);
        assertEquals("SEQUENTIAL", s.get("pattern"));
        assertEquals(300L, s.get("reads"));
        Random r = new Random(1);
        for (int i = 0; i < 300; i++) {
            e.handle().read(4096L * r.nextInt(1_000_000) + 100, b, 0, 1000);
        }
        s = engine.statistics(e.id()).get(AccessPatternMonitor.NAME);
        assertEquals("RANDOM", s.get("pattern"));
        assertEquals(600L, s.get("reads"));
    }
}
