package swap.metrics.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.Test;

import swap.api.EntryDTO;
import swap.api.SwapConstants;
import swap.api.SwapOutcome;
import swap.api.SwapResult;

public class SwapMetricsTest {

    private final List<EntryDTO> entries = new CopyOnWriteArrayList<>();
    private final Map<Long, Map<String, Map<String, Object>>> stats = new HashMap<>();
    private final SwapMetrics metrics = new SwapMetrics(() -> entries, id -> {
        Map<String, Map<String, Object>> m = stats.get(id);
        if (m == null) {
            throw new IllegalArgumentException("no entry " + id);
        }
        return m;
    });

    private static SwapResult result(SwapOutcome o, long instantiate, long forward, long blocked, long transfer, long total) {
        SwapResult r = new SwapResult();
        r.outcome = o;
        r.instantiateNanos = instantiate;
        r.forwardNanos = forward;
        r.blockedNanos = blocked;
        r.transferNanos = transfer;
        r.totalNanos = total;
        return r;
    }

    private void post(String topic, SwapResult r) {
        Map<String, Object> p = new HashMap<>();
        p.put(SwapConstants.EVENT_ENTRY_ID, 1L);
        if (r != null) {
            p.put(SwapConstants.EVENT_RESULT, r);
        }
        metrics.onEvent(topic, p::get);
    }

    private String text() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        metrics.write(b);
        return b.toString(StandardCharsets.UTF_8);
    }

    @Test
    public void swapEventsCountByOutcomeAndObserveEveryPhase() throws Exception {
        post(SwapConstants.TOPIC_STARTED, null); // not an outcome
        post(SwapConstants.TOPIC_COMPLETED, result(SwapOutcome.COMPLETED, 1_000, 2_000_000, 0, 500_000, 3_000_000));
        post(SwapConstants.TOPIC_COMPLETED, result(SwapOutcome.COMPLETED, 1_000, 0, 0, 0, 2_000_000_000L));
        post(SwapConstants.TOPIC_ROLLED_BACK, result(SwapOutcome.ROLLED_BACK, 1_000, 0, 100_000_000, 0, 101_000_000));
        post(SwapConstants.TOPIC_FAILED, null); // an older platform: counted, no durations
        post(SwapConstants.TOPIC_REVERTED, result(SwapOutcome.REVERTED, 0, 0, 0, 0, 0));
        post(SwapConstants.TOPIC_WATCH_PASSED, result(SwapOutcome.COMPLETED, 0, 0, 0, 0, 0));
        post(SwapConstants.TOPIC_CANARY_FAILED, result(SwapOutcome.ROLLED_BACK, 0, 0, 0, 0, 0));
        post(SwapConstants.TOPIC_TRANSFER_PROGRESS, null);

        assertEquals(2, metrics.swaps(SwapOutcome.COMPLETED));
        assertEquals(1, metrics.swaps(SwapOutcome.ROLLED_BACK));
        assertEquals(1, metrics.swaps(SwapOutcome.FAILED));
        assertEquals(1, metrics.watchVerdicts("reverted"));
        assertEquals(1, metrics.watchVerdicts("passed"));
        assertEquals(0, metrics.watchVerdicts("revert_failed"));
        assertEquals(1, metrics.canaryVerdicts("failed"));
        assertEquals(0, metrics.canaryVerdicts("passed"));

        String t = text();
        assertTrue(t, t.contains("swap_swaps_total{outcome=\"completed\"} 2.0"));
        assertTrue(t, t.contains("swap_swaps_total{outcome=\"rolled_back\"} 1.0"));
        assertTrue(t, t.contains("swap_swaps_total{outcome=\"failed\"} 1.0"));
        assertTrue(t, t.contains("# TYPE swap_swap_phase_seconds histogram"));
        // two completed swaps: 3 ms and 2 s in total
        assertTrue(t, t.contains("swap_swap_phase_seconds_count{outcome=\"completed\",phase=\"total\"} 2"));
        assertTrue(t, t.contains("swap_swap_phase_seconds_bucket{outcome=\"completed\",phase=\"total\",le=\"0.005\"} 1"));
        assertTrue(t, t.contains("swap_swap_phase_seconds_bucket{outcome=\"completed\",phase=\"total\",le=\"1.0\"} 1"));
        assertTrue(t, t.contains("swap_swap_phase_seconds_bucket{outcome=\"completed\",phase=\"total\",le=\"5.0\"} 2"));
        assertTrue(t, t.contains("swap_swap_phase_seconds_sum{outcome=\"completed\",phase=\"total\"} 2.003"));
        assertTrue(t, t.contains("swap_swap_phase_seconds_count{outcome=\"rolled_back\",phase=\"blocked\"} 1"));
        assertTrue(t, t.contains("swap_swap_phase_seconds_sum{outcome=\"rolled_back\",phase=\"blocked\"} 0.1"));
        assertFalse("a failed swap without a result has no durations", t.contains("outcome=\"failed\",phase="));
        assertTrue(t, t.contains("swap_watch_verdicts_total{verdict=\"reverted\"} 1.0"));
        assertTrue(t, t.contains("swap_canary_verdicts_total{verdict=\"failed\"} 1.0"));
    }

    @Test
    public void entriesByStateAndCallsAreReadAtScrapeTime() throws Exception {
        entries.add(entry(1, "ACTIVE", "calls"));
        entries.add(entry(2, "ORPHANED"));
        entries.add(entry(3, "RELEASED"));
        entries.add(entry(4, "ACTIVE", "watch.latency"));
        stats.put(1L, Map.of("calls", Map.of("calls", 1234L, "thrown", 5L, "callsPerSecond", 99L)));
        stats.put(4L, Map.of("watch.latency", Map.of("count", 7L))); // no "calls": not a call counter
        String t = text();
        assertTrue(t, t.contains("swap_entries{state=\"ACTIVE\"} 2.0"));
        assertTrue(t, t.contains("swap_entries{state=\"ORPHANED\"} 1.0"));
        assertTrue(t, t.contains("swap_entries{state=\"PARKED\"} 0.0"));
        assertFalse(t, t.contains("RELEASED"));
        assertTrue(t, t.contains("swap_entry_calls_total{entry=\"1\",implementation=\"impl1\",interface=\"x.Y\"} 1234.0"));
        assertTrue(t, t.contains("swap_entry_call_failures_total{entry=\"1\",implementation=\"impl1\",interface=\"x.Y\"} 5.0"));
        assertFalse(t, t.contains("entry=\"4\""));

        entries.remove(0); // released between the list and the statistics: left out, no error
        entries.add(0, entry(1, "ACTIVE", "calls"));
        stats.remove(1L);
        t = text();
        assertFalse(t, t.contains("entry=\"1\""));
    }

    private static EntryDTO entry(long id, String state, String... interposers) {
        EntryDTO e = new EntryDTO();
        e.id = id;
        e.state = state;
        e.iface = "x.Y";
        e.implementation = "impl" + id;
        e.interposers = List.of(interposers);
        return e;
    }

    /** Events from many threads at once: every one counted once, every phase observed once per swap. */
    @Test
    public void concurrentEventsAreCountedExactly() throws Exception {
        int threads = 4;
        int perThread = 20_000;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        try {
            for (int t = 0; t < threads; t++) {
                int k = t;
                done.add(pool.submit(() -> {
                    go.await();
                    for (int i = 0; i < perThread; i++) {
                        switch ((i + k) % 3) {
                            case 0:
                                post(SwapConstants.TOPIC_COMPLETED, result(SwapOutcome.COMPLETED, 1, 1, 1, 1, 1_000));
                                break;
                            case 1:
                                post(SwapConstants.TOPIC_ROLLED_BACK, result(SwapOutcome.ROLLED_BACK, 1, 1, 1, 1, 1_000));
                                break;
                            default:
                                post(SwapConstants.TOPIC_REVERTED, result(SwapOutcome.REVERTED, 0, 0, 0, 0, 0));
                                break;
                        }
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        // the model: thread k posts topic (i + k) % 3 for i in [0, perThread)
        long[] expected = new long[3];
        for (int k = 0; k < threads; k++) {
            for (int i = 0; i < perThread; i++) {
                expected[(i + k) % 3]++;
            }
        }
        assertEquals(expected[0], metrics.swaps(SwapOutcome.COMPLETED));
        assertEquals(expected[1], metrics.swaps(SwapOutcome.ROLLED_BACK));
        assertEquals(expected[2], metrics.watchVerdicts("reverted"));
        String t = text();
        assertTrue(t, t.contains("swap_swap_phase_seconds_count{outcome=\"completed\",phase=\"forward\"} " + expected[0]));
        assertTrue(t, t.contains("swap_swap_phase_seconds_count{outcome=\"rolled_back\",phase=\"total\"} " + expected[1]));
    }
}
