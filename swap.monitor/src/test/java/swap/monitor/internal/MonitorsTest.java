package swap.monitor.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;

import swap.api.Entry;
import swap.kernel.Engine;
import swap.kernel.StandaloneSource;

/** Each monitor on a real entry of the engine (outside OSGi). */
public class MonitorsTest {

    public interface Service {
        long work(long x);
    }

    static final class Doubler implements Service {
        @Override
        public long work(long x) {
            if (x < 0) {
                throw new IllegalArgumentException("negative: " + x);
            }
            return 2 * x;
        }
    }

    private StandaloneSource source;
    private Engine engine;
    private Entry<Service> entry;

    @Before
    public void setUp() {
        source = new StandaloneSource();
        source.add(Service.class, "doubler", "1.0.0", Doubler::new);
        source.addInterposer("calls", CallCounter::new);
        source.addInterposer("latency", LatencyMonitor::new);
        source.addInterposer("contention", ContentionSensor::new);
        source.addInterposer("delay", () -> new DelayInjector(2000, true));
        source.addInterposer("recorder", () -> new CallRecorder(3));
        engine = new Engine(source);
        entry = engine.create(Service.class, "doubler");
    }

    @After
    public void tearDown() {
        engine.shutdown();
    }

    @Test
    public void callCounterCountsCallsAndThrows() {
        engine.interpose(entry.id(), "calls");
        for (int i = 0; i < 10; i++) {
            assertEquals(2L * i, entry.handle().work(i));
        }
        try {
            entry.handle().work(-1);
            fail();
        } catch (IllegalArgumentException expected) {
            // passes through the monitor unchanged
        }
        Map<String, Object> s = engine.statistics(entry.id()).get("calls");
        assertEquals(11L, s.get("calls"));
        assertEquals(1L, s.get("thrown"));
        assertTrue((Long) s.get("callsPerSecond") > 0);
    }

    @Test
    public void latencyMonitorRecordsEveryCall() {
        engine.interpose(entry.id(), "latency");
        for (int i = 0; i < 100; i++) {
            entry.handle().work(i);
        }
        Map<String, Object> s = engine.statistics(entry.id()).get("latency");
        assertEquals(100L, s.get("count"));
        assertTrue((Double) s.get("p99Micros") >= (Double) s.get("p50Micros"));
    }

    @Test
    public void delayInjectorDelaysAndContentionSensorSeesConcurrentCallers() throws Exception {
        engine.interpose(entry.id(), "contention");
        engine.interpose(entry.id(), "delay"); // outermost: the delay runs before the sensor counts
        int threads = 3;
        CountDownLatch done = new CountDownLatch(threads);
        List<Thread> l = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread th = new Thread(() -> {
                for (int i = 0; i < 20; i++) {
                    entry.handle().work(i);
                }
                done.countDown();
            });
            l.add(th);
            th.start();
        }
        assertTrue(done.await(30, TimeUnit.SECONDS));
        long start = System.nanoTime();
        entry.handle().work(1);
        assertTrue("the delay injector delayed the call by at least 2 ms", System.nanoTime() - start >= 2_000_000);
        Map<String, Map<String, Object>> stats = engine.statistics(entry.id());
        assertEquals(61L, stats.get("delay").get("delayedCalls"));
        Map<String, Object> c = stats.get("contention");
        assertEquals(0, c.get("inFlight"));
        assertTrue(c.toString(), (Integer) c.get("threadsThisWindow") >= 1 || (Integer) c.get("threadsLastWindow") >= 1);
    }

    @Test
    public void contentionSensorCountsDistinctThreadsPerWindow() throws Exception {
        ContentionSensor sensor = new ContentionSensor();
        engine.interpose(entry.id(), "sensor", sensor);
        List<Thread> l = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            Thread th = new Thread(() -> entry.handle().work(1));
            l.add(th);
            th.start();
        }
        for (Thread th : l) {
            th.join();
        }
        assertEquals(3, sensor.statistics().get("threadsThisWindow"));
        Thread.sleep(1100); // the window closes
        entry.handle().work(1);
        assertEquals(3, sensor.threadsLastWindow());
        assertEquals(1, sensor.statistics().get("threadsThisWindow"));
    }

    @Test
    public void recorderKeepsTheLastCallsForReplay() {
        CallRecorder recorder = new CallRecorder(3);
        engine.interpose(entry.id(), "recorder", recorder);
        for (int i = 1; i <= 4; i++) {
            entry.handle().work(i);
        }
        try {
            entry.handle().work(-5);
            fail();
        } catch (IllegalArgumentException expected) {
            // recorded too
        }
        assertEquals(List.of("work[3] -> 6", "work[4] -> 8", "work[-5] threw java.lang.IllegalArgumentException: negative: -5"),
                engine.statistics(entry.id()).get("recorder").get("calls"));
        assertEquals(List.of(), recorder.replay(new Doubler()));
        List<String> diff = recorder.replay((Service) x -> x);
        assertEquals(3, diff.size());
    }

    @Test
    public void monitorsStayAcrossSwapsAndCostNothingOnceRemoved() throws Exception {
        source.add(Service.class, "doubler2", "2.0.0", Doubler::new);
        engine.interpose(entry.id(), "calls");
        entry.handle().work(1);
        assertEquals(swap.api.SwapOutcome.COMPLETED, engine.swap(entry.id(), "doubler2", null).toCompletableFuture().get().outcome);
        entry.handle().work(1);
        assertEquals(2L, engine.statistics(entry.id()).get("calls").get("calls"));
        assertTrue(engine.removeInterposer(entry.id(), "calls"));
        assertEquals(Map.of(), engine.statistics(entry.id()));
        assertEquals(List.of(), entry.describe().interposers);
    }

    @Test
    public void tracerSummarizesAndRateLimits() {
        List<String> lines = new ArrayList<>();
        Tracer tracer = new Tracer(RecordingLogger.into(lines), 2, 12);
        engine.interpose(entry.id(), "tracer", tracer);
        for (int i = 0; i < 5; i++) {
            entry.handle().work(123456789L);
        }
        assertEquals(2, lines.size());
        assertTrue(lines.get(0), lines.get(0).contains("work(123456789) -> 246913578"));
        assertEquals(Map.of("traced", 2L, "suppressed", 3L), tracer.statistics());
        assertEquals("abcdefghi...", tracer.summary("abcdefghijklmnop"));
    }
}
