package swap.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.bundle;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.junit.FixMethodOrder;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.MethodSorters;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;
import org.osgi.service.cm.ConfigurationAdmin;

import swap.api.Entry;
import swap.api.ImplementationDTO;
import swap.api.SwapManager;
import swap.api.SwapOptions;
import swap.api.SwapOutcome;
import swap.api.SwapResult;
import swap.example.counter.Counter;

/**
 * swap.metrics in the distribution, over real HTTP (Felix HTTP Jetty on a free local port) and the
 * platform MBean server: the readiness endpoint answers 200, 503 while an entry is ORPHANED, 200
 * again once it is adopted; during swaps under load, {@code /metrics} and the MBeans count exactly
 * what {@code swap:history} (the swap manager's history) holds.
 *
 * <p>The methods run in name order in one framework: readiness first, while the history holds no
 * rolled-back or reverted swap (swap.monitor's health check warns about those for 5 minutes).
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
@FixMethodOrder(MethodSorters.NAME_ASCENDING)
public class MetricsIT extends PlatformTestSupport {

    @Override
    protected Option[] extraOptions() {
        return new Option[] {bundle(testBundleUrl("example.api")), bundle(testBundleUrl("example.simple"))};
    }

    @Test
    public void a_readinessIs503WhileAnEntryIsOrphaned() throws Exception {
        SwapManager manager = (SwapManager) awaitService(SwapManager.class.getName(), 10_000);
        awaitImplementation(manager, "counter.simple");
        // the health check servlet appears once Config Admin has handed it swap.metrics' configuration
        awaitStatus("/health/ready", 200);

        Entry<Counter> e = manager.create(Counter.class, "counter.simple");
        e.handle().increment();
        Bundle simple = installedBundle("swap.example.simple");
        simple.stop(); // no other Counter implementation: the entry stays on its last instance, ORPHANED
        until(() -> "ORPHANED".equals(e.describe().state), "entry " + e.id() + " ORPHANED after its bundle stopped; it is " + e.describe().state);
        assertEquals("the orphan still serves", 2, e.handle().increment());
        String body = awaitStatus("/health/ready", 503);
        assertTrue(body, body.contains("WARN"));

        simple.start(); // an implementation of its name registers: the entry moves to it
        until(() -> "ACTIVE".equals(e.describe().state), "entry " + e.id() + " ACTIVE again after its bundle started; it is " + e.describe().state);
        assertEquals(3, e.handle().increment());
        awaitStatus("/health/ready", 200);
        manager.release(e.id());
    }

    @Test
    public void b_metricsAndMBeansCountWhatTheHistoryHoldsDuringSwapsUnderLoad() throws Exception {
        SwapManager manager = (SwapManager) awaitService(SwapManager.class.getName(), 10_000);
        ensureStarted("example.striped", "swap.example.striped");
        ensureStarted("example.bad", "swap.example.bad");
        for (String name : List.of("counter.simple", "counter.striped", "counter.bad")) {
            awaitImplementation(manager, name);
        }
        configureWatch(300, 1500);
        MBeanServer mbs = ManagementFactory.getPlatformMBeanServer();
        ObjectName managerBean = new ObjectName("swap:type=SwapManager");

        Entry<Counter> e = manager.create(Counter.class, "counter.simple");
        manager.interpose(e.id(), "calls"); // the call counter: calls and failed calls per entry
        ObjectName entryBean = new ObjectName("swap:type=Entry,id=" + e.id());
        until(() -> mbs.isRegistered(entryBean), entryBean + " registered");

        // background load: 3 threads increment through the handle, counting what they did
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong added = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        List<Thread> load = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Thread t = new Thread(() -> {
                while (!stop.get()) {
                    try {
                        e.handle().increment();
                        added.incrementAndGet();
                    } catch (IllegalStateException bad) { // counter.bad throws on some calls
                        failed.incrementAndGet();
                    }
                }
            }, "metrics-load-" + i);
            t.start();
            load.add(t);
        }
        long before = -1;
        try {
            for (int i = 0; i < 6; i++) {
                assertEquals(SwapOutcome.COMPLETED, join(manager.swap(e.id(), "counter.striped", "metrics test")).outcome);
                // scraped while the load runs: well-formed, and the count never goes down
                long scraped = (long) value(scrape(), "swap_swaps_total", Map.of("outcome", "completed"));
                assertTrue(scraped + " after " + before, scraped >= before);
                before = scraped;
                assertEquals(SwapOutcome.COMPLETED, join(manager.swap(e.id(), "counter.simple", "metrics test")).outcome);
            }
            // a watched swap to a counter that fails 10 % of its calls: swapped back
            SwapResult bad = join(manager.swap(e.id(), "counter.bad", "metrics test", SwapOptions.watch(30_000)));
            assertEquals(bad.toString(), SwapOutcome.REVERTED, bad.outcome);
        } finally {
            stop.set(true);
            for (Thread t : load) {
                t.join();
            }
        }
        assertTrue("the load ran", added.get() > 0);
        assertEquals("every increment counted once", added.get(), e.handle().get());

        // the history, as swap:history shows it
        List<SwapResult> history = manager.history(Integer.MAX_VALUE);
        assertTrue("the history (256 by default) holds every swap of this test", history.size() < 256);
        Map<SwapOutcome, Long> byOutcome = new EnumMap<>(SwapOutcome.class);
        for (SwapOutcome o : SwapOutcome.values()) {
            byOutcome.put(o, 0L);
        }
        history.forEach(r -> byOutcome.merge(r.outcome, 1L, Long::sum));
        assertTrue("12 plain swaps and the watch's swap back (and whatever moved the readiness test's entry): " + history, byOutcome.get(SwapOutcome.COMPLETED) >= 13);
        assertEquals(1L, (long) byOutcome.get(SwapOutcome.REVERTED));
        // A reverted swap ran and completed, then its watch swapped it back: the protocol counts it
        // completed (swap_swaps_total) and its watch reverted; the history shows it REVERTED.
        long completed = byOutcome.get(SwapOutcome.COMPLETED) + byOutcome.get(SwapOutcome.REVERTED);
        long rolledBack = byOutcome.get(SwapOutcome.ROLLED_BACK);
        long failedSwaps = byOutcome.get(SwapOutcome.FAILED);
        long reverted = byOutcome.get(SwapOutcome.REVERTED);

        // events are delivered asynchronously: wait until the last ones are counted, then compare exactly
        until(() -> {
            try {
                return (long) value(scrape(), "swap_swaps_total", Map.of("outcome", "completed")) == completed
                        && (long) value(scrape(), "swap_watch_verdicts_total", Map.of("verdict", "reverted")) == reverted;
            } catch (IOException x) {
                throw new AssertionError(x);
            }
        }, "/metrics counts " + completed + " completed swaps and " + reverted + " reverted");
        String text = scrape();
        assertEquals(completed, (long) value(text, "swap_swaps_total", Map.of("outcome", "completed")));
        assertEquals(rolledBack, (long) value(text, "swap_swaps_total", Map.of("outcome", "rolled_back")));
        assertEquals(failedSwaps, (long) value(text, "swap_swaps_total", Map.of("outcome", "failed")));
        assertEquals(reverted, (long) value(text, "swap_watch_verdicts_total", Map.of("verdict", "reverted")));
        assertEquals(0L, (long) value(text, "swap_watch_verdicts_total", Map.of("verdict", "passed")));
        // one observation per swap and phase
        for (String phase : List.of("instantiate", "forward", "blocked", "transfer", "total")) {
            assertEquals(phase, completed, (long) value(text, "swap_swap_phase_seconds_count", Map.of("phase", phase, "outcome", "completed")));
            assertEquals(phase, completed, (long) value(text, "swap_swap_phase_seconds_bucket", Map.of("phase", phase, "outcome", "completed", "le", "+Inf")));
        }
        double totalSeconds = history.stream().filter(r -> r.outcome == SwapOutcome.COMPLETED || r.outcome == SwapOutcome.REVERTED)
                .mapToLong(r -> r.totalNanos).sum() / 1e9;
        assertEquals("the sum of the swaps' total durations", totalSeconds, value(text, "swap_swap_phase_seconds_sum", Map.of("phase", "total", "outcome", "completed")), 1e-6);
        assertEquals(1L, (long) value(text, "swap_entries", Map.of("state", "ACTIVE")));
        assertEquals(0L, (long) value(text, "swap_entries", Map.of("state", "ORPHANED")));
        String id = String.valueOf(e.id());
        long calls = (long) value(text, "swap_entry_calls_total", Map.of("entry", id, "interface", Counter.class.getName(), "implementation", "counter.simple"));
        long thrown = (long) value(text, "swap_entry_call_failures_total", Map.of("entry", id, "interface", Counter.class.getName(), "implementation", "counter.simple"));
        assertTrue("calls " + calls + ", the load's " + (added.get() + failed.get()), calls > 0 && calls <= added.get() + failed.get() + 1);
        assertEquals("the calls the bad counter threw, as the monitor saw them (the load saw " + failed.get() + ")", thrown,
                ((Number) manager.statistics(e.id()).get("calls").get("thrown")).longValue());

        // the same figures in JMX
        assertEquals(completed, mbs.getAttribute(managerBean, "SwapsCompleted"));
        assertEquals(rolledBack, mbs.getAttribute(managerBean, "Rollbacks"));
        assertEquals(failedSwaps, mbs.getAttribute(managerBean, "SwapsFailed"));
        assertEquals(reverted, mbs.getAttribute(managerBean, "Reverts"));
        assertEquals(1, mbs.getAttribute(managerBean, "Entries"));
        assertEquals(id, String.valueOf(mbs.getAttribute(entryBean, "Id")));
        assertEquals(Counter.class.getName(), mbs.getAttribute(entryBean, "Interface"));
        assertEquals("counter.simple", mbs.getAttribute(entryBean, "Implementation"));
        assertEquals("1.0.0", mbs.getAttribute(entryBean, "Version"));
        assertEquals("ACTIVE", mbs.getAttribute(entryBean, "State"));
        assertEquals(e.describe().swaps, mbs.getAttribute(entryBean, "Swaps"));
        assertEquals(calls, mbs.getAttribute(entryBean, "Calls"));
        assertEquals(thrown, mbs.getAttribute(entryBean, "CallFailures"));

        // a released entry's MBean goes away (and its series from /metrics)
        manager.release(e.id());
        until(() -> !mbs.isRegistered(entryBean), entryBean + " unregistered after release");
        assertFalse(scrape().contains("entry=\"" + id + "\""));
        assertEquals(0, mbs.getAttribute(managerBean, "Entries"));
    }

    // --- helpers ---

    private static SwapResult join(java.util.concurrent.CompletionStage<SwapResult> s) {
        return s.toCompletableFuture().join();
    }

    private String scrape() throws IOException {
        HttpURLConnection c = open("/metrics");
        assertEquals(200, c.getResponseCode());
        assertTrue(c.getContentType(), c.getContentType().startsWith("text/plain"));
        return read(c.getInputStream());
    }

    private HttpURLConnection open(String path) throws IOException {
        HttpURLConnection c = (HttpURLConnection) new URL("http://127.0.0.1:" + httpPort() + path).openConnection();
        c.setConnectTimeout(5_000);
        c.setReadTimeout(30_000);
        return c;
    }

    private static String read(InputStream in) throws IOException {
        if (in == null) {
            return "";
        }
        try (in) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            in.transferTo(b);
            return b.toString(StandardCharsets.UTF_8);
        }
    }

    /** GETs {@code path} until it answers {@code status} (at most 20 s; the health-check results are cached 2 s); @return the body. */
    private String awaitStatus(String path, int status) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        int last = -1;
        String body = "";
        while (System.nanoTime() < deadline) {
            try {
                HttpURLConnection c = open(path);
                last = c.getResponseCode();
                body = read(last >= 400 ? c.getErrorStream() : c.getInputStream());
                if (last == status) {
                    return body;
                }
            } catch (IOException notYet) {
                body = notYet.toString(); // Jetty not listening yet
            }
            Thread.sleep(100);
        }
        String verbose;
        try {
            HttpURLConnection c = open(path + "?format=verbose.txt");
            verbose = read(c.getResponseCode() >= 400 ? c.getErrorStream() : c.getInputStream());
        } catch (IOException x) {
            verbose = x.toString();
        }
        throw new AssertionError("GET " + path + " did not answer " + status + " in 20 s; last " + last + ": " + body + "\n" + verbose);
    }

    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)\\})? (\\S+)$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    /** The value of the one sample named {@code name} whose labels are exactly {@code labels}; fails if none. */
    static double value(String text, String name, Map<String, String> labels) {
        for (String line : text.split("\n")) {
            Matcher m = SAMPLE.matcher(line);
            if (!m.matches() || !m.group(1).equals(name)) {
                continue;
            }
            Map<String, String> l = new HashMap<>();
            if (m.group(2) != null) {
                Matcher lm = LABEL.matcher(m.group(2));
                while (lm.find()) {
                    l.put(lm.group(1), lm.group(2));
                }
            }
            if (l.equals(labels)) {
                return Double.parseDouble(m.group(3));
            }
        }
        throw new AssertionError("no sample " + name + labels + " in /metrics:\n" + text);
    }

    private static void until(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 20 s: " + what);
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

    private static void awaitImplementation(SwapManager manager, String name) throws InterruptedException {
        until(() -> manager.implementations(Counter.class.getName()).stream().map((ImplementationDTO d) -> d.name).anyMatch(name::equals),
                "implementation " + name + " registered");
    }

    /** Watch baseline and window through Config Admin (PID swap.core.safe), as SafeSwapIT sets them. */
    private void configureWatch(long baselineMillis, long windowMillis) throws Exception {
        awaitService(ConfigurationAdmin.class.getName(), 10_000);
        ConfigurationAdmin ca = context.getService(context.getServiceReference(ConfigurationAdmin.class));
        Dictionary<String, Object> d = new Hashtable<>();
        d.put("watch.baseline.millis", baselineMillis);
        d.put("watch.window.millis", windowMillis);
        ca.getConfiguration("swap.core.safe", "?").update(d);
    }
}
