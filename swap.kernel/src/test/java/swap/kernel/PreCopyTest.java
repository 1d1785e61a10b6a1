package swap.kernel;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;

import swap.api.Batch;
import swap.api.BatchResult;
import swap.api.Entry;
import swap.api.StateFormat;
import swap.api.StatefulComponent;
import swap.api.SwapConstants;
import swap.api.SwapOptions;
import swap.api.SwapOutcome;
import swap.api.SwapResult;
import swap.api.TransferContext;
import swap.example.store.CopyingSessionStore;
import swap.example.store.api.SessionStore;

/**
 * The pre-copy ({@code PreCopyComponent}) with the example store {@link CopyingSessionStore}: writes
 * made while the map is copied are all carried (checked against a model, exactly), a transfer past
 * its limit rolls back with the state intact and the old instance serving, and progress events
 * arrive in order with exact counts. No timing thresholds: the event sink, called on the swapping
 * thread after each part, waits until the writers have written a given number of times, so writes
 * happen during the copy by construction.
 */
public class PreCopyTest {

    static final int PRELOADED = 20_000;
    static final int KEYS = 25_000;

    private Engine engine;
    private final List<Map<String, Object>> events = new CopyOnWriteArrayList<>();
    private final List<String> topics = new CopyOnWriteArrayList<>();
    private volatile Consumer<Map<String, Object>> onProgress = p -> {
    };

    @Before
    public void setUp() {
        StandaloneSource source = new StandaloneSource();
        source.add(SessionStore.class, "store.a", "1.0.0", () -> new CopyingSessionStore(1_000, "a"));
        source.add(SessionStore.class, "store.b", "1.0.0", () -> new CopyingSessionStore(1_000, "b"));
        source.add(SessionStore.class, "store.plain", "1.0.0", PlainStore::new);
        source.add(SessionStore.class, "store.failing", "1.0.0", () -> new CopyingSessionStore(1_000, "failing") {
            private int parts;

            @Override
            public void importPart(StateFormat<?> format, Object part, TransferContext context) {
                if (++parts == 3) {
                    throw new IllegalStateException("no room for part 3");
                }
                super.importPart(format, part, context);
            }
        });
        source.add(SessionStore.class, "docs.a", "1.0.0", SessionMap::new);
        source.add(SessionStore.class, "docs.b", "1.0.0", SessionMap::new);
        engine = new Engine(source);
        engine.configure(30_000, 256); // generous quiescence timeout: writers run through every swap
        engine.events((topic, p) -> {
            topics.add(topic);
            if (topic.equals(SwapConstants.TOPIC_TRANSFER_PROGRESS)) {
                events.add(p);
                onProgress.accept(p);
            }
        });
    }

    @After
    public void tearDown() {
        engine.shutdown();
    }

    private static String key(int i) {
        return "s" + i;
    }

    private static Entry<SessionStore> preload(Entry<SessionStore> e) {
        for (int i = 0; i < PRELOADED; i++) {
            e.handle().put(key(i), i);
        }
        return e;
    }

    /** Writers that increment keys in a cycle, each from its own offset, until stopped; their counts are the model. */
    static final class Writers {
        final SessionStore h;
        final AtomicLong[] made;
        final List<Thread> threads = new ArrayList<>();
        final ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        volatile boolean stop;

        Writers(SessionStore h, int n) {
            this.h = h;
            this.made = new AtomicLong[n];
            for (int t = 0; t < n; t++) {
                int k = t;
                made[t] = new AtomicLong();
                Thread th = new Thread(() -> {
                    try {
                        long i = 0;
                        while (!stop) {
                            h.increment(key(offset(k, i)));
                            made[k].set(++i);
                        }
                    } catch (Throwable ex) {
                        errors.add(ex);
                    }
                }, "writer-" + t);
                th.setDaemon(true);
                threads.add(th);
            }
        }

        static int offset(int writer, long i) {
            return (int) ((writer * (KEYS / 2) + i) % KEYS);
        }

        Writers start() {
            threads.forEach(Thread::start);
            return this;
        }

        long total() {
            long n = 0;
            for (AtomicLong m : made) {
                n += m.get();
            }
            return n;
        }

        /** Waits until each writer has made {@code n} more writes than {@code since} (its counts), or fails. */
        void await(long[] since, long n) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            for (int t = 0; t < made.length; t++) {
                while (made[t].get() < since[t] + n) {
                    if (!errors.isEmpty() || System.nanoTime() > deadline) {
                        throw new AssertionError("writer " + t + " did not write: " + errors);
                    }
                    Thread.yield();
                }
            }
        }

        long[] counts() {
            long[] c = new long[made.length];
            for (int t = 0; t < c.length; t++) {
                c[t] = made[t].get();
            }
            return c;
        }

        void stopAndJoin() throws InterruptedException {
            stop = true;
            for (Thread th : threads) {
                th.join();
            }
        }

        /** @return the model: each key's expected value ({@code -1}: absent) */
        long[] expected() {
            long[] v = new long[KEYS];
            for (int i = 0; i < KEYS; i++) {
                v[i] = i < PRELOADED ? i : 0;
            }
            boolean[] written = new boolean[KEYS];
            for (int t = 0; t < made.length; t++) {
                long n = made[t].get();
                long rounds = n / KEYS;
                long rest = n % KEYS;
                for (int j = 0; j < KEYS; j++) {
                    int k = offset(t, j);
                    long times = rounds + (j < rest ? 1 : 0);
                    v[k] += times;
                    written[k] |= times > 0;
                }
            }
            for (int i = PRELOADED; i < KEYS; i++) {
                if (!written[i]) {
                    v[i] = -1;
                }
            }
            return v;
        }
    }

    private static void assertModel(SessionStore h, long[] expected) {
        int present = 0;
        for (int i = 0; i < KEYS; i++) {
            if (expected[i] != h.get(key(i))) {
                fail("key " + key(i) + ": expected " + expected[i] + " but the store has " + h.get(key(i)));
            }
            present += expected[i] >= 0 ? 1 : 0;
        }
        assertEquals("keys in the store", present, h.size());
    }

    private static void assertWriters(Writers w) {
        assertTrue("writers saw exceptions: " + w.errors, w.errors.isEmpty());
    }

    @Test
    public void writesDuringTheCopyAreAllCarried() throws Exception {
        writesAreAllCarried("store.a", "store.b", 20, "swap.example.store.entries");
    }

    @Test
    public void writesDuringTheCopyOfTheDocsExampleAreAllCarried() throws Exception {
        writesAreAllCarried("docs.a", "docs.b", 2, "sessions.v1");
    }

    /** Swaps {@code a} to {@code b} and back twice under 2 writers; the copy has at least {@code parts} parts, after each of which each writer writes 100 times. */
    private void writesAreAllCarried(String a, String b, int parts, String format) throws Exception {
        Entry<SessionStore> e = preload(engine.create(SessionStore.class, a));
        SessionStore h = e.handle();
        Writers w = new Writers(h, 2).start();
        AtomicLong duringCopy = new AtomicLong();
        onProgress = p -> {
            if ("part".equals(p.get(SwapConstants.EVENT_TRANSFER_PHASE))) {
                w.await(w.counts(), 100); // every part: each writer writes 100 times while the copy runs
            }
        };
        String[] targets = {b, a, b, a};
        List<SwapResult> results = new ArrayList<>();
        for (String t : targets) {
            long before = w.total();
            SwapResult r = engine.swap(e.id(), t, "pre-copy under writes").toCompletableFuture().get();
            duringCopy.addAndGet(w.total() - before);
            results.add(r);
        }
        w.stopAndJoin();
        assertWriters(w);
        for (SwapResult r : results) {
            assertEquals(r.toString(), SwapOutcome.COMPLETED, r.outcome);
            assertEquals(format, r.format);
            assertTrue("copied while serving: " + r.copiedUnits, r.copiedUnits >= PRELOADED);
            // after the last part, one writer alone wrote >= 100 x parts - 1 distinct keys (its keys run in a cycle) since the copy
            // began: above SMALL_DELTA (1,024) that gives at least one delta round
            assertTrue("delta rounds while serving: " + r.deltaRounds, 100L * parts - 1 <= SwapJob.SMALL_DELTA || r.deltaRounds >= 1);
        }
        assertTrue(duringCopy.get() >= targets.length * parts * 2 * 100L);
        assertModel(h, w.expected());
        assertEquals("on the last target", a, e.describe().implementation);
    }

    @Test
    public void aTransferPastItsLimitRollsBackWithTheStateIntactAndTheOldInstanceServing() throws Exception {
        Entry<SessionStore> e = preload(engine.create(SessionStore.class, "store.a"));
        SessionStore h = e.handle();
        Writers w = new Writers(h, 2).start();
        onProgress = p -> {
            if ("begin".equals(p.get(SwapConstants.EVENT_TRANSFER_PHASE))) {
                w.await(w.counts(), 100);
                sleepPast(5); // the limit is 1 ms: it has passed by the next check
            }
        };
        SwapResult r = engine.swap(e.id(), "store.b", "too slow", SwapOptions.plain().transferTimeout(1)).toCompletableFuture().get();
        assertEquals(r.toString(), SwapOutcome.ROLLED_BACK, r.outcome);
        assertTrue(r.reason, r.reason.startsWith("the state transfer passed its limit of 1 ms (SwapOptions.transferTimeout) after "));
        assertTrue(r.reason, r.reason.endsWith(" units copied; the old instance stays with its state and serves on"));
        assertTrue(r.reason, r.reason.matches(".* ms, [0-9,]+ of 2[0-9],[0-9]{3} units copied; .*"));
        assertEquals("still on the old instance", "a", h.version());
        assertEquals("store.a", e.describe().implementation);
        assertEquals(1, e.describe().rollbacks);
        assertNull("no transfer in progress", e.describe().transfer);
        // the old instance serves on: writers keep writing through it
        w.await(w.counts(), 1_000);
        w.stopAndJoin();
        assertWriters(w);
        assertModel(h, w.expected());
        assertTrue(topics.contains(SwapConstants.TOPIC_ROLLED_BACK));
        // its copy was closed: a later swap without a limit carries everything
        onProgress = p -> {
        };
        SwapResult again = engine.swap(e.id(), "store.b", "again").toCompletableFuture().get();
        assertEquals(again.toString(), SwapOutcome.COMPLETED, again.outcome);
        assertEquals("b", h.version());
        assertModel(h, w.expected());
    }

    @Test
    public void aFailedCopyRollsBackWithTheStateIntactAndTheOldInstanceServing() throws Exception {
        Entry<SessionStore> e = preload(engine.create(SessionStore.class, "store.a"));
        SessionStore h = e.handle();
        Writers w = new Writers(h, 2).start();
        onProgress = p -> {
            if ("part".equals(p.get(SwapConstants.EVENT_TRANSFER_PHASE))) {
                w.await(w.counts(), 100);
            }
        };
        SwapResult r = engine.swap(e.id(), "store.failing", "fails").toCompletableFuture().get();
        assertEquals(r.toString(), SwapOutcome.ROLLED_BACK, r.outcome);
        assertEquals("pre-copy import in format 'swap.example.store.entries' failed, the old instance stays with its state: "
                + "java.lang.IllegalStateException: no room for part 3", r.reason);
        assertEquals("a", h.version());
        assertEquals(1, e.describe().rollbacks);
        assertNull(e.describe().transfer);
        w.await(w.counts(), 1_000); // the old instance serves on
        w.stopAndJoin();
        assertWriters(w);
        assertModel(h, w.expected());
        assertEquals("begin, then parts 1 and 2", 3, events.size());
        onProgress = p -> {
        };
        assertEquals(SwapOutcome.COMPLETED, engine.swap(e.id(), "store.b", "again").toCompletableFuture().get().outcome);
        assertModel(h, w.expected());
    }

    @Test
    public void aCopyWhoseSwappingThreadIsInterruptedIsCancelled() throws Exception {
        Entry<SessionStore> e = preload(engine.create(SessionStore.class, "store.a"));
        onProgress = p -> {
            if ("part".equals(p.get(SwapConstants.EVENT_TRANSFER_PHASE)) && (Long) p.get(SwapConstants.EVENT_TRANSFER_PARTS) == 2) {
                Thread.currentThread().interrupt(); // the sink runs on the swapping thread
            }
        };
        SwapResult r;
        try {
            r = engine.swap(e.id(), "store.b", "cancel me").toCompletableFuture().get();
        } finally {
            Thread.interrupted();
        }
        assertEquals(r.toString(), SwapOutcome.ROLLED_BACK, r.outcome);
        assertTrue(r.reason, r.reason.startsWith("the state transfer was cancelled (the swapping thread was interrupted) after "));
        assertEquals("a", e.handle().version());
        assertEquals(PRELOADED, e.handle().size());
        assertEquals(3, events.size());
    }

    @Test
    public void anAtomicGroupWhoseCopyPassesItsLimitRollsBackEveryEntry() throws Exception {
        Entry<SessionStore> e1 = preload(engine.create(SessionStore.class, "store.a"));
        Entry<SessionStore> e2 = preload(engine.create(SessionStore.class, "store.a"));
        e2.handle().put("only-in-2", 7);
        onProgress = p -> {
            if ((Long) p.get(SwapConstants.EVENT_ENTRY_ID) == e2.id() && "begin".equals(p.get(SwapConstants.EVENT_TRANSFER_PHASE))) {
                sleepPast(5);
            }
        };
        BatchResult b = engine.swap(Batch.of(e1.id(), e2.id()).to("store.b").atomic().options(SwapOptions.plain().transferTimeout(1)))
                .toCompletableFuture().get();
        assertEquals(b.reason, SwapOutcome.ROLLED_BACK, b.outcome);
        assertEquals(2, b.rolledBack);
        assertTrue(b.reason, b.reason.contains("passed its limit of 1 ms"));
        for (SwapResult r : b.results) {
            assertEquals(SwapOutcome.ROLLED_BACK, r.outcome);
        }
        // the entry past its limit says so; the other names it (whichever passed the limit first: each entry's limit counts from its own copy)
        SwapResult r1 = b.results.get(0);
        SwapResult r2 = b.results.get(1);
        boolean firstWasLate = r1.reason.startsWith("the state transfer passed its limit of 1 ms");
        assertTrue(r1.reason + " / " + r2.reason, firstWasLate
                ? r2.reason.startsWith("atomic group rolled back: entry " + e1.id() + ": the state transfer passed its limit")
                : r2.reason.startsWith("the state transfer passed its limit of 1 ms")
                        && r1.reason.startsWith("atomic group rolled back: entry " + e2.id() + ": the state transfer passed its limit"));
        for (Entry<SessionStore> e : List.of(e1, e2)) {
            assertEquals("a", e.handle().version());
            for (int i = 0; i < PRELOADED; i++) {
                assertEquals(i, e.handle().get(key(i)));
            }
        }
        assertEquals(PRELOADED, e1.handle().size());
        assertEquals(PRELOADED + 1, e2.handle().size());
        assertEquals(7, e2.handle().get("only-in-2"));
    }

    @Test
    public void progressEventsArriveInOrderWithExactCounts() throws Exception {
        Entry<SessionStore> e = preload(engine.create(SessionStore.class, "store.a"));
        List<String> lines = new ArrayList<>();
        onProgress = p -> lines.add(e.describe().transfer);
        SwapResult r = engine.swap(e.id(), "store.b", "progress").toCompletableFuture().get();
        assertEquals(r.toString(), SwapOutcome.COMPLETED, r.outcome);
        // no writer: begin, 20 parts of 1,000, no delta round (nothing pending), the last (empty) delta
        assertEquals(22, events.size());
        List<String> phases = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            Map<String, Object> p = events.get(i);
            phases.add((String) p.get(SwapConstants.EVENT_TRANSFER_PHASE));
            assertEquals(e.id(), p.get(SwapConstants.EVENT_ENTRY_ID));
            assertEquals("store.a 1.0.0", p.get(SwapConstants.EVENT_FROM));
            assertEquals("store.b 1.0.0", p.get(SwapConstants.EVENT_TO));
            assertEquals("swap.example.store.entries", p.get(SwapConstants.EVENT_FORMAT));
            assertEquals((long) PRELOADED, p.get(SwapConstants.EVENT_TRANSFER_SIZE));
            assertEquals(Math.min(i, 20) * 1_000L, p.get(SwapConstants.EVENT_TRANSFER_COPIED));
            assertEquals((long) Math.min(i, 20), p.get(SwapConstants.EVENT_TRANSFER_PARTS));
            assertEquals(i == 21 ? 1L : 0L, p.get(SwapConstants.EVENT_TRANSFER_DELTAS));
            assertEquals(Engine.DEFAULT_TRANSFER_TIMEOUT_MILLIS, p.get(SwapConstants.EVENT_TRANSFER_LIMIT_MILLIS));
        }
        List<String> want = new ArrayList<>();
        want.add("begin");
        for (int i = 0; i < 20; i++) {
            want.add("part");
        }
        want.add("last");
        assertEquals(want, phases);
        // STARTED before the first progress event, COMPLETED after the last
        int started = topics.indexOf(SwapConstants.TOPIC_STARTED);
        int first = topics.indexOf(SwapConstants.TOPIC_TRANSFER_PROGRESS);
        int last = topics.lastIndexOf(SwapConstants.TOPIC_TRANSFER_PROGRESS);
        int completed = topics.indexOf(SwapConstants.TOPIC_COMPLETED);
        assertTrue(topics.toString(), started >= 0 && started < first && last < completed);
        // swap:info's line (EntryDTO.transfer) during the transfer, and none after it
        assertTrue(lines.get(1), lines.get(1).startsWith("part: 1,000 of 20,000 units copied in 1 part(s), 0 delta(s), "));
        assertTrue(lines.get(21), lines.get(21).startsWith("last: 20,000 of 20,000 units copied in 20 part(s), 0 delta(s), "));
        assertNull(e.describe().transfer);
        assertEquals(PRELOADED, r.copiedUnits);
        assertEquals(0, r.deltaRounds);
        for (int i = 0; i < PRELOADED; i++) {
            assertEquals(i, e.handle().get(key(i)));
        }
    }

    @Test
    public void withAnImplementationThatCannotPreCopyTheStateGoesTheOldWay() throws Exception {
        Entry<SessionStore> e = preload(engine.create(SessionStore.class, "store.a"));
        SwapResult r = engine.swap(e.id(), "store.plain", "plain").toCompletableFuture().get();
        assertEquals(r.toString(), SwapOutcome.COMPLETED, r.outcome);
        assertEquals(0, r.copiedUnits);
        assertEquals(0, r.copyNanos);
        assertFalse(topics.contains(SwapConstants.TOPIC_TRANSFER_PROGRESS));
        assertEquals(PRELOADED, e.handle().size());
        assertEquals(PRELOADED - 1, e.handle().get(key(PRELOADED - 1)));
        r = engine.swap(e.id(), "store.b", "back").toCompletableFuture().get();
        assertEquals(r.toString(), SwapOutcome.COMPLETED, r.outcome);
        assertFalse(topics.contains(SwapConstants.TOPIC_TRANSFER_PROGRESS));
        assertEquals(PRELOADED, e.handle().size());
    }

    @Test
    public void aPlainTransferPastItsLimitRollsBackToo() throws Exception {
        Entry<SessionStore> e = preload(engine.create(SessionStore.class, "store.plain"));
        PlainStore.importDelay = 5;
        try {
            SwapResult r = engine.swap(e.id(), "store.plain", "slow import", SwapOptions.plain().transferTimeout(1)).toCompletableFuture().get();
            assertEquals(r.toString(), SwapOutcome.ROLLED_BACK, r.outcome);
            assertTrue(r.reason, r.reason.startsWith("the state transfer passed its limit of 1 ms"));
            assertEquals(PRELOADED, e.handle().size());
        } finally {
            PlainStore.importDelay = 0;
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    public void theExampleStoresLastDeltaIsHandedOverByReferenceAndPulledOnFirstUse() throws Exception {
        CopyingSessionStore a = new CopyingSessionStore(10, "a");
        for (int i = 0; i < 100; i++) {
            a.put(key(i), i);
        }
        swap.api.StateCopy copy = a.beginCopy(CopyingSessionStore.ENTRIES);
        CopyingSessionStore b = new CopyingSessionStore(10, "b");
        int parts = 0;
        for (Object part = copy.nextPart(); part != null; part = copy.nextPart()) {
            b.importPart(CopyingSessionStore.ENTRIES, part, null);
            parts++;
        }
        assertEquals(10, parts);
        assertEquals(100, copy.copied());
        a.put(key(1), 999);
        a.remove(key(2));
        a.increment("new");
        assertEquals(3, copy.pending());
        Object last = copy.exportLastDelta();
        copy.close();
        assertEquals(0, copy.pending());
        // as a plain Map (an importer of another class space): the values read from a's map
        Map<String, Long> asMap = new HashMap<>((Map<String, Long>) last);
        Map<String, Long> want = new HashMap<>();
        want.put(key(1), 999L);
        want.put(key(2), null);
        want.put("new", 1L);
        assertEquals(want, asMap);
        b.importDelta(CopyingSessionStore.ENTRIES, last, null);
        assertEquals(999, b.get(key(1)));
        assertEquals(-1, b.get(key(2)));
        assertEquals(1, b.get("new"));
        assertEquals(3, b.get(key(3)));
        assertEquals(100, b.size());
        // a's writes after the copy closed are not recorded: a later copy starts from its map
        a.put(key(5), 55);
        swap.api.StateCopy again = a.beginCopy(CopyingSessionStore.ENTRIES);
        assertEquals(0, again.pending());
        again.close();
    }

    /** docs/implementations.md, "A large state: pre-copy", as written there (with its own engine). */
    @Test
    public void theDocsSnippetRuns() {
        StandaloneSource source = new StandaloneSource();
        source.add(SessionStore.class, "store.a", "1.0.0", () -> new CopyingSessionStore(65_536, "a"));
        source.add(SessionStore.class, "store.b", "1.0.0", () -> new CopyingSessionStore(65_536, "b"));
        Engine engine = new Engine(source);
        engine.events((topic, p) -> {                      // swap/entry/TRANSFER_PROGRESS: begin, part..., delta..., last
            if (topic.equals(SwapConstants.TOPIC_TRANSFER_PROGRESS)) {
                System.out.println(p.get(SwapConstants.EVENT_TRANSFER_COPIED) + " of " + p.get(SwapConstants.EVENT_TRANSFER_SIZE));
            }
        });
        Entry<SessionStore> e = engine.create(SessionStore.class, "store.a");
        SwapResult r = engine.swap(e.id(), "store.b", "upgrade", SwapOptions.plain().transferTimeout(30_000))
                .toCompletableFuture().join();             // past 30 s: ROLLED_BACK, the old store serving with its state
        System.out.println(r.outcome + ": " + r.copiedUnits + " sessions copied while serving in " + r.copyNanos / 1_000_000 + " ms, "
                + r.deltaRounds + " delta round(s)");
        engine.shutdown();
        assertEquals(SwapOutcome.COMPLETED, r.outcome);
        assertEquals("b", e.handle().version());
    }

    private static void sleepPast(long millis) {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (System.nanoTime() < until) {
            try {
                Thread.sleep(1);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** A store that only knows the plain transfer (exportState/importState) of the same format. */
    public static final class PlainStore implements SessionStore, StatefulComponent {
        static volatile long importDelay;
        private final Map<String, Long> map = new java.util.concurrent.ConcurrentHashMap<>();

        @Override
        public void put(String key, long value) {
            map.put(key, value);
        }

        @Override
        public long get(String key) {
            Long v = map.get(key);
            return v == null ? -1 : v;
        }

        @Override
        public long increment(String key) {
            return map.merge(key, 1L, Long::sum);
        }

        @Override
        public int size() {
            return map.size();
        }

        @Override
        public String version() {
            return "plain";
        }

        @Override
        public List<StateFormat<?>> exportFormats() {
            return List.of(CopyingSessionStore.ENTRIES);
        }

        @Override
        public List<StateFormat<?>> importFormats() {
            return List.of(CopyingSessionStore.ENTRIES);
        }

        @Override
        public Object exportState(StateFormat<?> format) {
            return new HashMap<>(map);
        }

        @Override
        @SuppressWarnings("unchecked")
        public void importState(StateFormat<?> format, Object state, TransferContext context) {
            sleepPast(importDelay);
            map.putAll((Map<String, Long>) state);
        }
    }
}
