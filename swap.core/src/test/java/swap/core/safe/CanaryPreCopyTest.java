package swap.core.safe;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;

import swap.api.Entry;
import swap.api.PreCopyComponent;
import swap.api.ReadOnly;
import swap.api.StateCopy;
import swap.api.StateFormat;
import swap.api.SwapConstants;
import swap.api.SwapOptions;
import swap.api.SwapOutcome;
import swap.api.SwapResult;
import swap.api.TransferContext;
import swap.kernel.Engine;
import swap.kernel.StandaloneSource;

/**
 * A canary's copy of the state with the pre-copy capability ({@link PreCopyComponent}) on the real
 * engine: the copy runs while the entry serves (a writer writes through the entry after each part,
 * which would block if the callers were held), only the last delta is carried while calls are held,
 * and by value ({@code exportDelta}, not {@code exportLastDelta}: the old instance serves on); the
 * canary's copy equals the running instance's state and the model exactly at that moment; progress
 * events carry the request's limit; and after the canary's verdict, passed or failed, or after a
 * copy past its limit, the entry's state is exactly the model. No timing thresholds: the event sink,
 * called on the swapping thread, makes the writes and waits for them, so they happen during the copy
 * by construction.
 */
public class CanaryPreCopyTest {

    static final int PRELOADED = 20_000;
    static final int KEYS = 25_000;
    static final int PART = 1_000;
    static final long LIMIT = 120_000;

    /** The component: sessions; the reads are marked for the canary. */
    public interface Sessions {
        long increment(String key);

        @ReadOnly
        long get(String key);

        @ReadOnly
        int size();
    }

    @SuppressWarnings("rawtypes")
    static final StateFormat<Map> MAP = StateFormat.canonical("canary.sessions", Map.class);

    /** Every store made, in order (the entry's first instance, then the canary's, then the swap's). */
    static final List<Store> MADE = new CopyOnWriteArrayList<>();
    /** How often a store's exportLastDelta ran (it may hand references over: a canary must not use it). */
    static final AtomicInteger LAST_DELTAS = new AtomicInteger();

    /** The smallest correct pre-copy of a map (as docs/implementations.md): one lock guards the changed keys. */
    public static class Store implements Sessions, PreCopyComponent {
        final ConcurrentHashMap<String, Long> map = new ConcurrentHashMap<>();
        final String version;
        private final Object lock = new Object();
        private Set<String> changed; // guarded by lock; non-null while a copy is open

        Store(String version) {
            this.version = version;
            MADE.add(this);
        }

        private void changed(String key) {
            synchronized (lock) {
                if (changed != null) {
                    changed.add(key);
                }
            }
        }

        @Override
        public long increment(String key) {
            long v = map.merge(key, 1L, Long::sum);
            changed(key);
            return v;
        }

        @Override
        public long get(String key) {
            Long v = map.get(key);
            return v == null ? -1 : v;
        }

        @Override
        public int size() {
            return map.size();
        }

        @Override
        public List<StateFormat<?>> exportFormats() {
            return List.of(MAP);
        }

        @Override
        public List<StateFormat<?>> importFormats() {
            return List.of(MAP);
        }

        @Override
        public List<StateFormat<?>> preCopyFormats() {
            return List.of(MAP);
        }

        @Override
        public Object exportState(StateFormat<?> format) {
            return new HashMap<>(map);
        }

        @Override
        @SuppressWarnings("unchecked")
        public void importState(StateFormat<?> format, Object state, TransferContext context) {
            map.putAll((Map<String, Long>) state);
        }

        @Override
        public StateCopy beginCopy(StateFormat<?> format) {
            synchronized (lock) {
                changed = new HashSet<>();
            }
            Iterator<Map.Entry<String, Long>> it = map.entrySet().iterator();
            long size = map.size();
            return new StateCopy() {
                long copied;

                @Override
                public Object nextPart() {
                    if (!it.hasNext()) {
                        return null;
                    }
                    Map<String, Long> part = new HashMap<>();
                    while (part.size() < PART && it.hasNext()) {
                        Map.Entry<String, Long> e = it.next();
                        part.put(e.getKey(), e.getValue());
                    }
                    copied += part.size();
                    return part;
                }

                @Override
                public Object exportDelta() {
                    Set<String> keys;
                    synchronized (lock) {
                        keys = changed;
                        changed = new HashSet<>();
                    }
                    Map<String, Long> delta = new HashMap<>();
                    for (String k : keys) {
                        delta.put(k, map.get(k));
                    }
                    return delta;
                }

                @Override
                public Object exportLastDelta() {
                    LAST_DELTAS.incrementAndGet();
                    return exportDelta();
                }

                @Override
                public long size() {
                    return size;
                }

                @Override
                public long copied() {
                    return copied;
                }

                @Override
                public long pending() {
                    synchronized (lock) {
                        return changed == null ? 0 : changed.size();
                    }
                }

                @Override
                public void close() {
                    synchronized (lock) {
                        changed = null;
                    }
                }
            };
        }

        @Override
        @SuppressWarnings("unchecked")
        public void importPart(StateFormat<?> format, Object part, TransferContext context) {
            map.putAll((Map<String, Long>) part);
        }

        @Override
        @SuppressWarnings("unchecked")
        public void importDelta(StateFormat<?> format, Object delta, TransferContext context) {
            ((Map<String, Long>) delta).forEach((k, v) -> {
                if (v == null) {
                    map.remove(k);
                } else {
                    map.put(k, v);
                }
            });
        }
    }

    /** Answers every read one too high: a canary of it fails at the first compared read. */
    public static class Liar extends Store {
        Liar(String version) {
            super(version);
        }

        @Override
        public long get(String key) {
            return super.get(key) + 1;
        }
    }

    private Engine engine;
    private Entry<Sessions> entry;
    private Sessions h;
    private final ExecutorService writers = Executors.newFixedThreadPool(2);
    /** The model: each key's expected value (-1: absent); written only by the writers' tasks, read when they are idle. */
    private final long[] model = new long[KEYS];
    private final AtomicInteger next = new AtomicInteger();
    private final List<String> topics = new CopyOnWriteArrayList<>();
    /** The canary's copy's progress events (those before the canary's verdict). */
    private final List<Map<String, Object>> copyEvents = new CopyOnWriteArrayList<>();
    private final List<Throwable> sinkErrors = new CopyOnWriteArrayList<>();
    private final AtomicBoolean inCanaryCopy = new AtomicBoolean(true);
    private volatile String atLastDelta;
    private volatile long writesDuringCopy;
    private volatile long sleepAtBeginMillis;
    private final AtomicBoolean stopReader = new AtomicBoolean();
    private Thread reader;

    @Before
    public void setUp() {
        MADE.clear();
        LAST_DELTAS.set(0);
        StandaloneSource source = new StandaloneSource();
        source.add(Sessions.class, "a", "1.0.0", () -> new Store("a"));
        source.add(Sessions.class, "b", "1.0.0", () -> new Store("b"));
        source.add(Sessions.class, "liar", "1.0.0", () -> new Liar("liar"));
        engine = new Engine(source);
        engine.configure(30_000, 256); // generous quiescence timeout
        SafeSwapConfig c = new SafeSwapConfig();
        SafeSwaps.on(engine).configure(c);
        engine.events((topic, p) -> {
            topics.add(topic);
            if (topic.equals(SwapConstants.TOPIC_TRANSFER_PROGRESS) && inCanaryCopy.get()) {
                try {
                    progress(p);
                } catch (Throwable t) {
                    sinkErrors.add(t);
                }
            }
        });
        entry = engine.create(Sessions.class, "a");
        h = entry.handle();
        for (int i = 0; i < KEYS; i++) {
            model[i] = -1;
        }
        for (int i = 0; i < PRELOADED; i++) {
            for (int n = 0; n <= i % 3; n++) {
                h.increment(key(i));
            }
            model[i] = i % 3 + 1;
        }
    }

    @After
    public void tearDown() throws InterruptedException {
        stopReader.set(true);
        if (reader != null) {
            reader.join();
        }
        writers.shutdownNow();
        engine.shutdown();
    }

    private static String key(int i) {
        return "s" + i;
    }

    /** On the swapping thread, during the canary's copy. */
    private void progress(Map<String, Object> p) throws Exception {
        copyEvents.add(p);
        String phase = (String) p.get(SwapConstants.EVENT_TRANSFER_PHASE);
        if ("begin".equals(phase) && sleepAtBeginMillis > 0) {
            Thread.sleep(sleepAtBeginMillis); // past the limit by the next check
        }
        if ("part".equals(phase)) {
            writesDuringCopy += write(100); // through the entry while the copy runs: would block if callers were held
        }
        if ("last".equals(phase)) {
            // the entry is quiescent (calls held, none running), the last delta is in the canary: compare exactly
            inCanaryCopy.set(false);
            Store old = MADE.get(0);
            Store canary = MADE.get(1);
            Map<String, Long> want = modelMap();
            atLastDelta = want.equals(old.map) && want.equals(canary.map) ? "equal"
                    : "model " + want.size() + " keys, running " + old.map.size() + ", canary " + canary.map.size() + ", running == model: "
                            + want.equals(old.map) + ", canary == model: " + want.equals(canary.map);
        }
    }

    /** Two writer tasks increment {@code each} keys each, in a cycle over every key, through the entry; waits for them. @return the writes */
    private long write(int each) throws Exception {
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            int[] keys = new int[each];
            for (int n = 0; n < each; n++) {
                keys[n] = (next.getAndIncrement() * 7) % KEYS;
            }
            done.add(writers.submit(() -> {
                for (int k : keys) {
                    h.increment(key(k));
                }
            }));
        }
        for (Future<?> f : done) {
            f.get(60, TimeUnit.SECONDS); // fails (and so fails the test) if the writes were held
        }
        return 2L * each;
    }

    /** Applies the keys the writers were given: called only when every writer task has ended (they run strictly one batch at a time). */
    private Map<String, Long> modelMap() {
        long[] m = model.clone();
        for (int n = 0; n < next.get(); n++) {
            int k = (n * 7) % KEYS;
            m[k] = m[k] < 0 ? 1 : m[k] + 1;
        }
        Map<String, Long> want = new HashMap<>();
        for (int i = 0; i < KEYS; i++) {
            if (m[i] >= 0) {
                want.put(key(i), m[i]);
            }
        }
        return want;
    }

    private void assertModel() {
        Map<String, Long> want = modelMap();
        for (int i = 0; i < KEYS; i++) {
            Long v = want.get(key(i));
            assertEquals("key " + key(i), v == null ? -1 : v, h.get(key(i)));
        }
        assertEquals("keys in the store", want.size(), h.size());
    }

    /** A reader calling the marked reads while the canary runs, so that it gets calls to compare. */
    private void startReader() {
        reader = new Thread(() -> {
            int i = 0;
            while (!stopReader.get()) {
                h.get(key(i++ % KEYS));
                LockSupport.parkNanos(50_000);
            }
        }, "reader");
        reader.setDaemon(true);
        reader.start();
    }

    private void assertCanaryCopyUsedPreCopy() {
        assertTrue("sink errors: " + sinkErrors, sinkErrors.isEmpty());
        List<String> phases = new ArrayList<>();
        for (Map<String, Object> p : copyEvents) {
            phases.add((String) p.get(SwapConstants.EVENT_TRANSFER_PHASE));
            assertEquals(entry.id(), p.get(SwapConstants.EVENT_ENTRY_ID));
            assertEquals("canary.sessions", p.get(SwapConstants.EVENT_FORMAT));
            assertEquals("the request's transferTimeout", LIMIT, p.get(SwapConstants.EVENT_TRANSFER_LIMIT_MILLIS));
            assertEquals((long) PRELOADED, p.get(SwapConstants.EVENT_TRANSFER_SIZE));
        }
        assertEquals(phases.toString(), "begin", phases.get(0));
        assertEquals(phases.toString(), PRELOADED / PART, phases.stream().filter("part"::equals).count());
        assertEquals(phases.toString(), "last", phases.get(phases.size() - 1));
        assertEquals("writes made while the canary's copy ran", 2L * 100 * (PRELOADED / PART), writesDuringCopy);
        assertEquals("at the last delta, the running instance, the canary's copy and the model", "equal", atLastDelta);
    }

    @Test
    public void aCanaryCopiesWhileTheEntryServesAndThePassedSwapKeepsEveryWrite() throws Exception {
        startReader();
        SwapResult r = engine.swap(entry.id(), "b", "deploy", SwapOptions.canary(50, 60_000).inline().transferTimeout(LIMIT))
                .toCompletableFuture().get();
        assertEquals(r.toString(), SwapOutcome.COMPLETED, r.outcome);
        assertTrue(r.reason, r.reason.matches("canary passed \\([0-9]+ calls compared, 0 mismatches\\); deploy"));
        assertCanaryCopyUsedPreCopy();
        assertEquals("exportLastDelta ran once: for the swap itself, never for the canary's copy", 1, LAST_DELTAS.get());
        int canaryAt = topics.indexOf(SwapConstants.TOPIC_CANARY_PASSED);
        assertTrue(topics.toString(), canaryAt > topics.indexOf(SwapConstants.TOPIC_TRANSFER_PROGRESS));
        assertTrue("the swap itself pre-copied too", topics.subList(canaryAt, topics.size()).contains(SwapConstants.TOPIC_TRANSFER_PROGRESS));
        stopReader.set(true);
        reader.join();
        assertEquals("b", entry.describe().implementation);
        assertEquals(List.of(), entry.describe().interposers);
        assertModel();
        write(500); // and the new instance takes writes
        assertModel();
    }

    @Test
    public void aCanaryThatDisagreesLeavesTheRunningInstanceWithEveryWrite() throws Exception {
        startReader();
        SwapResult r = engine.swap(entry.id(), "liar", "deploy", SwapOptions.canary(50, 60_000).inline().transferTimeout(LIMIT))
                .toCompletableFuture().get();
        assertEquals(r.toString(), SwapOutcome.ROLLED_BACK, r.outcome);
        assertTrue(r.reason, r.reason.startsWith("canary: ") && r.reason.contains(" compared call(s) disagreed, the running instance stays"));
        assertCanaryCopyUsedPreCopy();
        assertEquals("no exportLastDelta: the canary's last delta is by value", 0, LAST_DELTAS.get());
        assertTrue(topics.contains(SwapConstants.TOPIC_CANARY_FAILED));
        stopReader.set(true);
        reader.join();
        assertEquals("a", entry.describe().implementation);
        assertEquals(List.of(), entry.describe().interposers);
        assertNull("no transfer in progress", entry.describe().transfer);
        assertModel();
        write(500); // the old instance serves on
        assertModel();
    }

    @Test
    public void aCanaryCopyPastItsLimitFailsAndTheRunningInstanceKeepsItsState() throws Exception {
        sleepAtBeginMillis = 20;
        SwapResult r = engine.swap(entry.id(), "b", "deploy", SwapOptions.canary(50, 60_000).inline().transferTimeout(1))
                .toCompletableFuture().get();
        assertEquals(r.toString(), SwapOutcome.ROLLED_BACK, r.outcome);
        assertTrue(r.reason, r.reason.startsWith("canary: the copy of the state failed, the running instance stays: "
                + "the state transfer passed its limit of 1 ms (SwapOptions.transferTimeout) after "));
        assertTrue(r.reason, r.reason.endsWith(" units copied; the old instance stays with its state and serves on"));
        assertTrue(sinkErrors.toString(), sinkErrors.isEmpty());
        assertEquals("only the copy's begin", 1, copyEvents.size());
        assertEquals(1L, copyEvents.get(0).get(SwapConstants.EVENT_TRANSFER_LIMIT_MILLIS));
        assertTrue(topics.contains(SwapConstants.TOPIC_CANARY_FAILED));
        assertEquals("a", entry.describe().implementation);
        assertEquals(List.of(), entry.describe().interposers);
        assertNull(entry.describe().transfer);
        assertModel();
        write(500);
        assertModel();
        // the copy was closed: the running instance records nothing more, and a later plain swap carries everything
        inCanaryCopy.set(false);
        assertEquals(SwapOutcome.COMPLETED, engine.swap(entry.id(), "b", "again").toCompletableFuture().get().outcome);
        assertModel();
    }
}
