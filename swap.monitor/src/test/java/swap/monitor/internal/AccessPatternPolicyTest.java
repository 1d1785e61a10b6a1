package swap.monitor.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;

import swap.api.Entry;
import swap.kernel.Engine;
import swap.kernel.StandaloneSource;
import swap.monitor.internal.AccessPatternClassifierTest.Reader;
import swap.monitor.internal.AccessPatternClassifierTest.Zeros;

/**
 * The access-pattern policy on the real engine, evaluated by hand with a clock of the test's own
 * (one second per evaluation): it follows a steady pattern, and an alternating one never makes it
 * flap (asserted by the entry's swap count).
 */
public class AccessPatternPolicyTest {

    static final int WINDOW = 64;
    static final int PAGE = 4096;

    private Engine engine;
    private Entry<Reader> entry;
    private long now;
    private long streamPage = 1_000_000;
    private final Random random = new Random(9);
    private final List<String> decisions = new ArrayList<>();

    @Before
    public void setUp() {
        StandaloneSource source = new StandaloneSource();
        source.add(Reader.class, "clock", "1.0.0", Zeros::new, AccessPatternPolicy.PATTERN, "random");
        source.add(Reader.class, "readahead", "1.0.0", Zeros::new, AccessPatternPolicy.PATTERN, "sequential");
        source.add(Reader.class, "scan", "1.0.0", Zeros::new, AccessPatternPolicy.PATTERN, "mixed");
        source.add(Reader.class, "plain", "1.0.0", Zeros::new);
        source.addInterposer(AccessPatternMonitor.NAME, () -> new AccessPatternMonitor(WINDOW, PAGE, 1024));
        engine = new Engine(source);
        entry = engine.create(Reader.class, "clock");
    }

    @After
    public void tearDown() {
        engine.shutdown();
    }

    private AccessPatternPolicy policy(int stable, long minIntervalMillis) {
        return new AccessPatternPolicy(Reader.class.getName(), stable, minIntervalMillis, () -> now);
    }

    private void sequential(Entry<Reader> e) {
        byte[] b = new byte[PAGE];
        for (int i = 0; i < WINDOW; i++) {
            e.handle().read(PAGE * streamPage++, b, 0, PAGE);
        }
    }

    private void random(Entry<Reader> e) {
        byte[] b = new byte[PAGE];
        for (int i = 0; i < WINDOW; i++) {
            e.handle().read((long) PAGE * random.nextInt(100_000_000), b, 0, PAGE);
        }
    }

    private void evaluate(AccessPatternPolicy p) {
        String d = p.evaluate(engine);
        if (d != null) {
            decisions.add(d);
        }
        now += TimeUnit.SECONDS.toNanos(1);
    }

    @Test
    public void aSteadyPatternMovesTheFileOnceAfterTheStableEvaluations() {
        AccessPatternPolicy p = policy(3, 5000);
        evaluate(p); // puts the monitor on
        assertEquals(List.of(AccessPatternMonitor.NAME), entry.describe().interposers);
        for (int i = 0; i < 2; i++) {
            sequential(entry);
            evaluate(p);
        }
        assertEquals("two evaluations are not enough", "clock", entry.describe().implementation);
        sequential(entry);
        evaluate(p);
        assertEquals(decisions.toString(), "readahead", entry.describe().implementation);
        assertTrue(entry.describe().lastSwap.reason, entry.describe().lastSwap.reason.startsWith("policy.pattern: reads SEQUENTIAL for 3"));
        for (int i = 0; i < 10; i++) {
            sequential(entry);
            evaluate(p);
        }
        assertEquals("no further swap while the pattern holds", 1, entry.describe().swaps);
        for (int i = 0; i < 5; i++) {
            random(entry);
            evaluate(p);
        }
        assertEquals("random reads leave a file on the read-ahead FCM there (it is CLOCK for them): " + decisions, "readahead",
                entry.describe().implementation);
        assertEquals(1, entry.describe().swaps);
        assertEquals("the monitor stays across swaps", List.of(AccessPatternMonitor.NAME), entry.describe().interposers);
    }

    private void hotSet(Entry<Reader> e, int pages) {
        byte[] b = new byte[PAGE];
        for (int i = 0; i < WINDOW; i++) {
            e.handle().read((long) PAGE * random.nextInt(pages), b, 0, PAGE);
        }
    }

    private void hotSetAndScan(Entry<Reader> e) {
        byte[] b = new byte[PAGE];
        for (int i = 0; i < WINDOW; i++) {
            long page = i % 2 == 0 ? random.nextInt(16) : streamPage++;
            e.handle().read(PAGE * page, b, 0, PAGE);
        }
    }

    @Test
    public void aHotSetMixedWithAScanGoesToTheReadAheadFcm() {
        AccessPatternPolicy p = policy(3, 0);
        evaluate(p);
        for (int i = 0; i < 4; i++) {
            hotSetAndScan(entry);
            evaluate(p);
        }
        assertEquals(decisions.toString(), "readahead", entry.describe().implementation);
        assertTrue(entry.describe().lastSwap.reason, entry.describe().lastSwap.reason.startsWith("policy.pattern: reads MIXED for 3"));
    }

    @Test
    public void randomReadsOfAHotSetThatFitsTheCacheLeaveTheFileWhereItIs() {
        AccessPatternPolicy p = policy(3, 0);
        evaluate(p);
        for (int i = 0; i < 4; i++) {
            sequential(entry);
            evaluate(p);
        }
        assertEquals("readahead", entry.describe().implementation);
        for (int i = 0; i < 20; i++) { // 32 pages read at random: within the budget of 1,024
            hotSet(entry, 32);
            evaluate(p);
        }
        assertEquals("RANDOM", engine.statistics(entry.id()).get(AccessPatternMonitor.NAME).get("pattern"));
        assertEquals(decisions.toString(), "readahead", entry.describe().implementation);
        assertEquals(1, entry.describe().swaps);
    }

    @Test
    public void randomReadsThatMissMoveAFileOnTheScanResistantFcmToClock() {
        Entry<Reader> onScan = engine.create(Reader.class, "scan");
        AccessPatternPolicy p = policy(3, 0);
        evaluate(p);
        for (int i = 0; i < 4; i++) {
            hotSet(onScan, 32);
            evaluate(p);
        }
        assertEquals("a hot set: served from the cache, no swap", "scan", onScan.describe().implementation);
        for (int i = 0; i < 4; i++) { // random reads of pages never read before
            random(onScan);
            evaluate(p);
        }
        assertEquals(decisions.toString(), "clock", onScan.describe().implementation);
        assertEquals(1, onScan.describe().swaps);
    }

    @Test
    public void aPatternAlternatingFasterThanTheHysteresisNeverSwaps() {
        AccessPatternPolicy p = policy(3, 0);
        evaluate(p);
        for (int i = 0; i < 40; i++) { // the class changes at every evaluation, then every second one
            if (i < 20 ? i % 2 == 0 : (i / 2) % 2 == 0) {
                sequential(entry);
            } else {
                random(entry);
            }
            evaluate(p);
        }
        assertEquals(decisions.toString(), 0, entry.describe().swaps);
    }

    @Test
    public void aSlowerAlternationSwapsAtMostOncePerMinimumInterval() {
        long minIntervalMillis = 10_000; // ten evaluations
        AccessPatternPolicy p = policy(3, minIntervalMillis);
        evaluate(p);
        int evaluations = 80;
        for (int i = 0; i < evaluations; i++) { // four evaluations of each: long enough to pass the hysteresis
            if ((i / 4) % 2 == 0) {
                sequential(entry);
            } else {
                random(entry);
            }
            evaluate(p);
        }
        long swaps = entry.describe().swaps;
        // Without the dwell, and without the rule that random reads leave a file on the read-ahead
        // FCM, it would swap at each of the 19 class changes; with it, once (clock -> readahead).
        assertTrue("swaps " + swaps + ": " + decisions, swaps <= evaluations / 10 + 1);
        assertEquals("it reacted, once: " + decisions, 1, swaps);
    }

    @Test
    public void entriesWithoutAPatternCharacteristicAreLeftAlone() {
        Entry<Reader> plain = engine.create(Reader.class, "plain");
        AccessPatternPolicy p = policy(1, 0);
        for (int i = 0; i < 5; i++) {
            sequential(plain);
            evaluate(p);
        }
        assertEquals(List.of(), plain.describe().interposers);
        assertEquals(0, plain.describe().swaps);
    }

    @Test(expected = IllegalArgumentException.class)
    public void zeroStableEvaluationsAreRefused() {
        policy(0, 0);
    }
}
