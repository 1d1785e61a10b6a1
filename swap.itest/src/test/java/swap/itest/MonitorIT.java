package swap.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.bundle;

import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.felix.hc.api.HealthCheck;
import org.apache.felix.hc.api.Result;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;

import swap.api.Entry;
import swap.api.PolicyDTO;
import swap.api.PolicyRunner;
import swap.api.SwapConstants;
import swap.api.SwapManager;
import swap.example.counter.Counter;

/**
 * Monitors, the policy runner and the health check in a real framework: monitors are put on an
 * entry by name; the concurrency policy, configured through Config Admin for the example counter,
 * swaps a contended entry by itself and the swap's event carries its reason; the health check
 * reports.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class MonitorIT extends PlatformTestSupport {

    @Override
    protected Option[] extraOptions() {
        return new Option[] {bundle(testBundleUrl("example.api")), bundle(testBundleUrl("example.simple")),
                bundle(testBundleUrl("example.striped"))};
    }

    private SwapManager manager() throws InterruptedException {
        return (SwapManager) awaitService(SwapManager.class.getName(), 10_000);
    }

    @Test
    public void monitorsArePutOnAnEntryByNameAndReport() throws Exception {
        SwapManager m = manager();
        assertTrue(m.interposerNames().toString(),
                m.interposerNames().containsAll(List.of("calls", "latency", "contention", "tracer", "delay", "recorder")));
        Entry<Counter> e = m.create(Counter.class, "counter.simple");
        m.interpose(e.id(), "calls");
        m.interpose(e.id(), "latency");
        for (int i = 0; i < 5; i++) {
            e.handle().increment();
        }
        Map<String, Map<String, Object>> s = m.statistics(e.id());
        assertEquals(5L, s.get("calls").get("calls"));
        assertEquals(5L, s.get("latency").get("count"));
        assertTrue(m.removeInterposer(e.id(), "calls"));
        assertTrue(m.removeInterposer(e.id(), "latency"));
        assertEquals(5, e.handle().get());
        m.release(e.id());
    }

    @Test
    public void thePolicySwapsAContendedEntryByItselfAndTheHealthCheckReports() throws Exception {
        SwapManager m = manager();
        List<Event> events = new CopyOnWriteArrayList<>();
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(EventConstants.EVENT_TOPIC, SwapConstants.TOPIC_COMPLETED);
        ServiceRegistration<EventHandler> reg = context.registerService(EventHandler.class, events::add, props);

        awaitService(ConfigurationAdmin.class.getName(), 10_000);
        // Held for the whole test: Config Admin is a service factory, an instance dies with its last unget.
        ConfigurationAdmin ca = context.getService(context.getServiceReference(ConfigurationAdmin.class));
        Configuration policy = ca.getConfiguration("swap.policy.concurrency", "?");
        Dictionary<String, Object> c = new Hashtable<>();
        c.put("iface", Counter.class.getName());
        c.put("hot.windows", 1);
        c.put("min.interval.millis", 0L);
        policy.update(c);
        Configuration runner = ca.getConfiguration("swap.policy", "?");
        Dictionary<String, Object> r = new Hashtable<>();
        r.put("period.millis", 500L);
        r.put("enabled", new String[] {"policy.concurrency"});
        runner.update(r);

        Entry<Counter> e = m.create(Counter.class, "counter.simple");
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> callers = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            Thread th = new Thread(() -> {
                while (running.get()) {
                    e.handle().increment();
                }
            });
            callers.add(th);
            th.start();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!"counter.striped".equals(e.describe().implementation) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        running.set(false);
        for (Thread th : callers) {
            th.join();
        }
        assertEquals("the policy moved the contended counter to a distributed implementation", "counter.striped", e.describe().implementation);
        assertTrue(e.describe().lastSwap.reason, e.describe().lastSwap.reason.startsWith("policy.concurrency: "));
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (events.stream().noneMatch(ev -> e.id() == (Long) ev.getProperty(SwapConstants.EVENT_ENTRY_ID)) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        Event ev = events.stream().filter(x -> e.id() == (Long) x.getProperty(SwapConstants.EVENT_ENTRY_ID)).findFirst().orElseThrow();
        assertTrue(String.valueOf(ev.getProperty(SwapConstants.EVENT_REASON)).startsWith("policy.concurrency: "));

        PolicyRunner pr = (PolicyRunner) awaitService(PolicyRunner.class.getName(), 5000);
        PolicyDTO d = pr.policies().get(0);
        assertEquals("policy.concurrency", d.name);
        assertTrue(d.entryId > 0 && d.evaluations > 0 && d.lastDecision != null);

        ServiceReference<?>[] hc = context.getServiceReferences(HealthCheck.class.getName(), "(" + HealthCheck.NAME + "=swap)");
        assertTrue("the swap health check is registered", hc != null && hc.length == 1);
        Result result = ((HealthCheck) context.getService(hc[0])).execute();
        // The policy's own component was re-registered by the configuration change: the failed attempt to
        // move its entry elsewhere is a warning; nothing may be flapping.
        assertTrue(result.toString(), result.getStatus() == Result.Status.OK
                || (result.getStatus() == Result.Status.WARN && result.toString().contains("is going away")));

        reg.unregister();
        policy.delete();
        runner.delete();
        m.release(e.id());
    }
}
