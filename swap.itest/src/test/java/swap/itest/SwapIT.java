package swap.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.bundle;

import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
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
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;

import swap.api.Entry;
import swap.api.EntryDTO;
import swap.api.ImplementationDTO;
import swap.api.SwapConstants;
import swap.api.SwapManager;
import swap.api.SwapOutcome;
import swap.api.SwapResult;
import swap.example.counter.Counter;

/**
 * The engine in a real Felix framework: a bundle installed while the test runs provides a second
 * implementation; a live entry with state is swapped to it while threads call; the first
 * implementation's bundle is then uninstalled with nothing lost.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class SwapIT extends PlatformTestSupport {

    private final List<Event> events = new CopyOnWriteArrayList<>();
    private ServiceRegistration<EventHandler> handler;
    private SwapManager manager;

    @Override
    protected Option[] extraOptions() {
        return new Option[] {bundle(testBundleUrl("example.api")), bundle(testBundleUrl("example.simple"))};
    }

    @Before
    public void setUp() throws Exception {
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(EventConstants.EVENT_TOPIC, SwapConstants.TOPIC_PREFIX + "*");
        handler = context.registerService(EventHandler.class, events::add, props);
        manager = (SwapManager) awaitService(SwapManager.class.getName(), 10_000);
        ensureStarted("example.simple", "swap.example.simple");
        awaitImplementation("counter.simple");
    }

    @After
    public void tearDown() {
        handler.unregister();
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

    private void awaitEvents(String topic, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (events.stream().filter(e -> e.getTopic().equals(topic)).count() < n && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    @Test
    public void swapToABundleInstalledAtRunTimeWhileThreadsCallThenUninstallTheOldOne() throws Exception {
        Entry<Counter> entry = manager.create(Counter.class, "counter.simple");
        Counter counter = entry.handle();
        for (int i = 0; i < 1000; i++) {
            counter.increment();
        }
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong calls = new AtomicLong();
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        List<Thread> callers = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            Thread th = new Thread(() -> {
                try {
                    while (running.get()) {
                        counter.increment();
                        calls.incrementAndGet();
                    }
                } catch (Throwable ex) {
                    errors.add(ex);
                }
            });
            callers.add(th);
            th.start();
        }

        Bundle striped = context.installBundle(testBundleUrl("example.striped"));
        striped.start();
        awaitImplementation("counter.striped");
        SwapResult r = manager.swap(entry.id(), "(concurrency=distributed)", "more threads").toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertEquals(r.toString(), SwapOutcome.COMPLETED, r.outcome);
        assertEquals("swap.example.counter.value", r.format);
        assertEquals("counter.simple 1.0.0", r.from);
        assertEquals("counter.striped 1.1.0", r.to);
        EntryDTO d = entry.describe();
        assertEquals("counter.striped", d.implementation);
        assertEquals("swap.example.striped", d.bundle);
        Thread.sleep(200);

        // The first implementation's bundle goes away while the threads still call: nothing is lost.
        installedBundle("swap.example.simple").uninstall();
        Thread.sleep(200);
        running.set(false);
        for (Thread th : callers) {
            th.join();
        }
        assertTrue("callers saw exceptions: " + errors, errors.isEmpty());
        assertEquals("every call counted once, the 1000 before the swap included", 1000 + calls.get(), counter.get());
        assertEquals("counter.striped", entry.describe().implementation);

        awaitEvents(SwapConstants.TOPIC_COMPLETED, 1);
        Event completed = events.stream().filter(e -> e.getTopic().equals(SwapConstants.TOPIC_COMPLETED)).findFirst().orElseThrow();
        assertEquals(entry.id(), completed.getProperty(SwapConstants.EVENT_ENTRY_ID));
        assertEquals(Counter.class.getName(), completed.getProperty(SwapConstants.EVENT_INTERFACE));
        assertEquals("counter.striped 1.1.0", completed.getProperty(SwapConstants.EVENT_TO));
        assertEquals("swap.example.counter.value", completed.getProperty(SwapConstants.EVENT_FORMAT));
        assertEquals("more threads", completed.getProperty(SwapConstants.EVENT_REASON));
        assertTrue(events.stream().anyMatch(e -> e.getTopic().equals(SwapConstants.TOPIC_STARTED)));
        manager.release(entry.id());
    }

    @Test
    public void stoppingAnImplementationsBundleMovesItsEntriesWithTheirState() throws Exception {
        ensureStarted("example.striped", "swap.example.striped");
        awaitImplementation("counter.striped");
        Entry<Counter> entry = manager.create(Counter.class, "counter.simple");
        for (int i = 0; i < 42; i++) {
            entry.handle().increment();
        }
        Bundle simple = installedBundle("swap.example.simple");
        simple.stop();
        EntryDTO d = entry.describe();
        assertEquals("moved before its bundle stopped", "counter.striped", d.implementation);
        assertEquals(42, entry.handle().get());
        assertEquals(43, entry.handle().increment());
        simple.start();
        manager.release(entry.id());
    }

    @Test
    public void unknownTargetsAndMalformedFiltersAreRefusedClearly() throws Exception {
        Entry<Counter> entry = manager.create(Counter.class, "counter.simple");
        SwapResult r = manager.swap(entry.id(), "(concurrency=", null).toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals(SwapOutcome.REFUSED, r.outcome);
        assertTrue(r.reason, r.reason.startsWith("malformed filter (concurrency="));
        r = manager.swap(entry.id(), "counter.nope", null).toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals(SwapOutcome.REFUSED, r.outcome);
        assertTrue(r.reason, r.reason.contains("no implementation of " + Counter.class.getName() + " matches counter.nope"));
        assertEquals("counter.simple", entry.describe().implementation);
        manager.release(entry.id());
    }
}
