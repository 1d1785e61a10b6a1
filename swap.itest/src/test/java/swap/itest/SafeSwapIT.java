package swap.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.bundle;

import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;

import swap.api.Entry;
import swap.api.ImplementationDTO;
import swap.api.MismatchDTO;
import swap.api.SwapConstants;
import swap.api.SwapManager;
import swap.api.SwapOptions;
import swap.api.SwapOutcome;
import swap.api.SwapResult;
import swap.example.counter.Counter;

/**
 * Safe swaps in a real Felix framework with the distribution's bundles and the deliberately bad
 * counters of {@code swap.example.bad}: a watched swap to a counter that fails 10 % of its calls, or
 * one that is far slower, is swapped back by itself with every successful increment kept; a good
 * one passes and leaves no monitor; a canary that disagrees is aborted and one that agrees commits;
 * a watch whose previous implementation's bundle was uninstalled reports that it could not swap back.
 * The settings come through Config Admin (PID {@code swap.core.safe}); the verdicts are events.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class SafeSwapIT extends PlatformTestSupport {

    private static final String HOLD = "swap.example.bad.hold";
    private final List<Event> events = new CopyOnWriteArrayList<>();
    private ServiceRegistration<EventHandler> handler;
    private SwapManager manager;
    private final List<Thread> load = new ArrayList<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicLong added = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();

    @Override
    protected Option[] extraOptions() {
        return new Option[] {bundle(testBundleUrl("example.api")), bundle(testBundleUrl("example.simple")), bundle(testBundleUrl("example.bad"))};
    }

    @Before
    public void setUp() throws Exception {
        System.clearProperty(HOLD);
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(EventConstants.EVENT_TOPIC, SwapConstants.TOPIC_PREFIX + "*");
        handler = context.registerService(EventHandler.class, events::add, props);
        manager = (SwapManager) awaitService(SwapManager.class.getName(), 10_000);
        ensureStarted("example.simple", "swap.example.simple");
        ensureStarted("example.bad", "swap.example.bad");
        ensureStarted("example.striped", "swap.example.striped");
        for (String name : List.of("counter.simple", "counter.striped", "counter.bad", "counter.slow", "counter.lying")) {
            awaitImplementation(name);
        }
        configure(300, 1500);
    }

    @After
    public void tearDown() throws InterruptedException {
        stopLoad();
        System.clearProperty(HOLD);
        handler.unregister();
    }

    /** Sets the baseline and the default window through Config Admin and waits until the component has them. */
    private void configure(long baselineMillis, long windowMillis) throws Exception {
        awaitService(ConfigurationAdmin.class.getName(), 10_000);
        awaitService(ServiceComponentRuntime.class.getName(), 10_000);
        // held through this bundle's own context (a tracker's service object is gone once it closes)
        ConfigurationAdmin ca = context.getService(context.getServiceReference(ConfigurationAdmin.class));
        Dictionary<String, Object> d = new Hashtable<>();
        d.put("watch.baseline.millis", baselineMillis);
        d.put("watch.window.millis", windowMillis);
        ca.getConfiguration("swap.core.safe", "?").update(d);
        ServiceComponentRuntime scr = context.getService(context.getServiceReference(ServiceComponentRuntime.class));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            for (ComponentDescriptionDTO c : scr.getComponentDescriptionDTOs(installedBundle("swap.core"))) {
                if (c.name.equals("swap.core.config.SafeSwapsConfiguration")) {
                    for (ComponentConfigurationDTO cc : scr.getComponentConfigurationDTOs(c)) {
                        if (cc.state == ComponentConfigurationDTO.ACTIVE && Long.valueOf(windowMillis).equals(cc.properties.get("watch.window.millis"))) {
                            return;
                        }
                    }
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the safe-swap configuration did not reach its component in 10 s");
            }
            Thread.sleep(20);
        }
    }

    private Bundle ensureStarted(String testBundle, String bsn) throws BundleException {
        for (Bundle b : context.getBundles()) {
            if (bsn.equals(b.getSymbolicName())) {
                b.start();
                return b;
            }
        }
        Bundle b = context.installBundle(testBundleUrl(testBundle));
        b.start();
        return b;
    }

    private void awaitImplementation(String name) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            for (ImplementationDTO d : manager.implementations(Counter.class.getName())) {
                if (d.name.equals(name)) {
                    return;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("implementation " + name + " did not appear in 10 s");
    }

    private Event awaitEvent(String topic, long entry) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            for (Event e : events) {
                if (e.getTopic().equals(topic) && Long.valueOf(entry).equals(e.getProperty(SwapConstants.EVENT_ENTRY_ID))) {
                    return e;
                }
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no event " + topic + " for entry " + entry + " in 10 s; events: " + events.size());
    }

    private void startLoad(Counter c, int threads, boolean writes) {
        stop.set(false);
        for (int i = 0; i < threads; i++) {
            Thread t = new Thread(() -> {
                while (!stop.get()) {
                    try {
                        if (writes) {
                            c.increment();
                            added.incrementAndGet();
                        } else {
                            c.get();
                            java.util.concurrent.locks.LockSupport.parkNanos(20_000);
                        }
                    } catch (IllegalStateException e) {
                        failed.incrementAndGet();
                    }
                }
            }, "safe-swap-load-" + i);
            t.start();
            load.add(t);
        }
    }

    private void stopLoad() throws InterruptedException {
        stop.set(true);
        for (Thread t : load) {
            t.join();
        }
        load.clear();
    }

    private static SwapResult join(java.util.concurrent.CompletionStage<SwapResult> s) {
        return s.toCompletableFuture().join();
    }

    @Test
    public void aCounterThatFailsTenPercentOfItsCallsIsSwappedBackWithEveryIncrementKept() throws Exception {
        Entry<Counter> e = manager.create(Counter.class, "counter.simple");
        startLoad(e.handle(), 4, true);
        SwapResult r = join(manager.swap(e.id(), "counter.bad", "deploy", SwapOptions.watch(30_000)));
        assertEquals(r.toString(), SwapOutcome.REVERTED, r.outcome);
        assertTrue(r.reason, r.reason.contains("error rate"));
        assertEquals("counter.simple", e.describe().implementation);
        stopLoad();
        assertTrue(failed.get() > 0);
        assertEquals("exact count through the swap and the swap back", added.get(), e.handle().get());
        assertEquals(List.of(), e.describe().interposers);
        awaitEvent(SwapConstants.TOPIC_WATCH_STARTED, e.id());
        Event reverted = awaitEvent(SwapConstants.TOPIC_REVERTED, e.id());
        assertTrue((Double) reverted.getProperty(SwapConstants.EVENT_ERROR_RATE) > 0.05);
        assertEquals(SwapOutcome.REVERTED, manager.history(5).stream().filter(x -> x.entryId == e.id()).skip(1).findFirst().orElseThrow().outcome);
    }

    @Test
    public void aCounterFarSlowerAtP99IsSwappedBack() throws Exception {
        Entry<Counter> e = manager.create(Counter.class, "counter.simple");
        startLoad(e.handle(), 4, true);
        SwapResult r = join(manager.swap(e.id(), "counter.slow", "deploy", SwapOptions.watch(30_000)));
        assertEquals(r.toString(), SwapOutcome.REVERTED, r.outcome);
        assertTrue(r.reason, r.reason.contains("p99 latency"));
        assertEquals("counter.simple", e.describe().implementation);
        stopLoad();
        assertEquals(added.get(), e.handle().get());
        assertEquals(List.of(), e.describe().interposers);
    }

    @Test
    public void aGoodCounterPassesTheConfiguredWindowAndItsMonitorsAreGone() throws Exception {
        Entry<Counter> e = manager.create(Counter.class, "counter.simple");
        startLoad(e.handle(), 4, true);
        CompletableFuture<SwapResult> f = manager.swap(e.id(), "counter.striped", "deploy", SwapOptions.watch(0)).toCompletableFuture();
        awaitEvent(SwapConstants.TOPIC_WATCH_STARTED, e.id());
        assertNotNull("swap:info shows the watch", e.describe().safety);
        assertTrue(e.describe().interposers.contains("watch.latency"));
        SwapResult r = f.join();
        assertEquals(r.toString(), SwapOutcome.COMPLETED, r.outcome);
        assertEquals("passed", r.figures.get("watch"));
        assertEquals("the window configured through Config Admin", 1500L, r.figures.get("windowMillis"));
        assertEquals("counter.striped", e.describe().implementation);
        assertEquals(List.of(), e.describe().interposers);
        assertEquals(null, e.describe().safety);
        awaitEvent(SwapConstants.TOPIC_WATCH_PASSED, e.id());
        stopLoad();
        assertEquals(added.get(), e.handle().get());
    }

    @Test
    public void aCanaryWhoseGetDisagreesAfterFiftyCallsIsAbortedAndTheOldInstanceNeverLeaves() throws Exception {
        Entry<Counter> e = manager.create(Counter.class, "counter.simple");
        for (int i = 0; i < 42; i++) {
            e.handle().increment();
        }
        startLoad(e.handle(), 2, false);
        SwapResult r = join(manager.swap(e.id(), "counter.lying", "try", SwapOptions.canary(1000, 30_000)));
        assertEquals(r.toString(), SwapOutcome.ROLLED_BACK, r.outcome);
        MismatchDTO m = r.mismatches.get(0);
        assertEquals("get()", m.method);
        assertEquals("42", m.expected);
        assertEquals("43", m.actual);
        assertTrue(r.reason, r.reason.contains("get() with []: running instance 42, canary 43"));
        assertTrue(r.figures.toString(), (Long) r.figures.get("compared") > 50);
        stopLoad();
        assertEquals("counter.simple", e.describe().implementation);
        assertEquals("the old instance never left", 0, e.describe().swaps);
        assertEquals(42, e.handle().get());
        assertEquals(List.of(), e.describe().interposers);
        Event failedEvent = awaitEvent(SwapConstants.TOPIC_CANARY_FAILED, e.id());
        assertTrue((Long) failedEvent.getProperty(SwapConstants.EVENT_MISMATCHES) >= 1);
    }

    @Test
    public void aCanaryThatAgreesCommits() throws Exception {
        Entry<Counter> e = manager.create(Counter.class, "counter.simple");
        for (int i = 0; i < 42; i++) {
            e.handle().increment();
        }
        startLoad(e.handle(), 2, false);
        SwapResult r = join(manager.swap(e.id(), "counter.striped", "try", SwapOptions.canary(200, 60_000)));
        assertEquals(r.toString(), SwapOutcome.COMPLETED, r.outcome);
        assertEquals("passed", r.figures.get("canary"));
        assertEquals("swap.example.counter.value", r.figures.get("format"));
        assertEquals("counter.striped", e.describe().implementation);
        stopLoad();
        assertEquals(42, e.handle().get());
        awaitEvent(SwapConstants.TOPIC_CANARY_PASSED, e.id());
        awaitEvent(SwapConstants.TOPIC_COMPLETED, e.id());
    }

    @Test
    public void whenThePreviousImplementationsBundleIsGoneTheRevertIsReportedAndTheEntryStays() throws Exception {
        Entry<Counter> e = manager.create(Counter.class, "counter.striped");
        System.setProperty(HOLD, "true"); // counter.bad behaves until the striped bundle is gone
        startLoad(e.handle(), 4, true);
        CompletableFuture<SwapResult> f = manager.swap(e.id(), "counter.bad", "deploy", SwapOptions.watch(30_000)).toCompletableFuture();
        awaitEvent(SwapConstants.TOPIC_WATCH_STARTED, e.id());
        installedBundle("swap.example.striped").uninstall();
        System.clearProperty(HOLD);
        SwapResult r = f.join();
        assertEquals(r.toString(), SwapOutcome.COMPLETED, r.outcome);
        assertEquals("revert failed", r.figures.get("watch"));
        assertTrue(r.reason, r.reason.contains("the swap back to counter.striped ") && r.reason.contains(" did not run (REFUSED: no implementation") && r.reason.contains("stays on counter.bad 1.0.0"));
        assertEquals("counter.bad", e.describe().implementation);
        assertEquals(List.of(), e.describe().interposers);
        Event ev = awaitEvent(SwapConstants.TOPIC_REVERT_FAILED, e.id());
        assertNotEquals(null, ev.getProperty(SwapConstants.EVENT_REASON));
        stopLoad();
        assertEquals(added.get(), e.handle().get());
    }

    @Test
    public void theSafeSwapSettingsHaveAMetatypeDescription() {
        assertNotNull(installedBundle("swap.core").getEntry("OSGI-INF/metatype/swap.core.safe.xml"));
    }
}
