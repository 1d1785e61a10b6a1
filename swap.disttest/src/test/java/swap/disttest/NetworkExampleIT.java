package swap.disttest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.Test;

/**
 * Issue 26, the paper's own example on the network: the real distribution serves {@code /hello/*}
 * (swap.example.http.server's servlet on Felix HTTP Jetty) through one swappable request handler;
 * {@link HttpLoad} keeps {@code network.connections} keep-alive connections busy (200 by default)
 * while {@code network.upgrades} upgrades (10 by default) alternate: a plain {@code swap:swap} to the
 * other implementation, a side-by-side {@code swap:upgrade} to the other bundle version, an in-place
 * {@code update} to the other bundle version. Exact checks: 0 failed requests, 0 dropped connections,
 * every client's counter continued by exactly one per answer and every cached page kept (checked on
 * every answer by HttpLoad), and a probe client's counter and the cache size compared before and after.
 * The figures (latency in steady state and in the second after each upgrade) are printed, not asserted.
 *
 * <p>The same test with {@code -Dnetwork.connections=1000 -Dnetwork.upgrades=100} is the benchmark
 * ({@code swap.disttest/network-bench.sh}, docs/network-example.md).
 */
public class NetworkExampleIT {
    private static final String HANDLER = "swap.example.http.RequestHandler";
    private static final String[] NAMES = {"handler.map", "handler.locked"};
    private static final String[] VERSIONS = {"1.0.0", "1.1.0"};
    /** The bundle of each handler (one handler per bundle: swap:upgrade wants one implementation per interface). */
    private static final String[] BUNDLES = {"swap.example.http", "swap.example.http.locked"};
    /** The system property of each handler's jar, by handler and version. */
    private static final String[][] JARS = {{"example.http", "example.http2"}, {"example.http.locked", "example.http.locked2"}};
    private static final Pattern REPORT = Pattern.compile("^impl=(\\S+)/(\\S+) client=\\S+ request=(\\d+) tokens=\\d+ cache=(\\d+) cached=(true|false)");

    private final int connections = Integer.getInteger("network.connections", 200);
    private final int upgrades = Integer.getInteger("network.upgrades", 10);
    private final long gapMillis = Long.getLong("network.gap.millis", 1500);
    private final long steadyMillis = Long.getLong("network.steady.millis", 3000);
    /** Each client waits at least this long between two requests: 500 a second at most, half the example's rate limit (0: no wait). */
    private final long gapMicros = Long.getLong("network.client.gap.micros", 2000);

    /** What a probe request reported. */
    record Probe(String impl, String version, long request, int cache, String body) {
    }

    @Test
    public void handlerUpgradedUnderLoadLosesNoRequestConnectionOrState() throws Exception {
        Path work = Console.scratch("network");
        Path[][] jars = new Path[2][2];
        for (int n = 0; n < 2; n++) {
            for (int v = 0; v < 2; v++) {
                jars[n][v] = Paths.get(new java.net.URI(Console.bundle(JARS[n][v])));
            }
        }
        int port = freePort();
        List<String> transcript = new ArrayList<>();
        // the servlet's bundle gets the swap manager (swap.visibility: platform bundles only by default)
        try (Console c = Console.start(work, Console.HTTP_PORT + port, "-Dswap.visibility.allowed=swap.example.http.server")) {
            c.installAndStart(Console.bundle("example.http.api"));
            for (int n = 0; n < 2; n++) {
                // a copy per install: swap:upgrade and update want a location not installed yet
                c.installAndStart(Files.copy(jars[n][0], work.resolve(NAMES[n] + "-0-1.0.0.jar"), StandardCopyOption.REPLACE_EXISTING).toUri().toString());
            }
            c.installAndStart(Console.bundle("example.http.server"));
            String entry = awaitServing(port);

            int name = 0;
            int[] version = {0, 0};
            Probe before;
            int carried = 0;
            HttpLoad load = new HttpLoad("127.0.0.1", port, connections, "c", false, gapMicros);
            try {
                Thread.sleep(2000); // warm-up: JIT, Jetty's threads
                load.measure();
                Thread.sleep(steadyMillis);
                before = probe(port);
                long last = before.request();
                assertEquals(before.body(), NAMES[0] + "/" + VERSIONS[0], before.impl() + "/" + before.version());
                for (int k = 0; k < upgrades; k++) {
                    String kind;
                    String out;
                    load.upgradeStarted();
                    long t0 = System.nanoTime();
                    switch (k % 3) {
                        case 0 -> {
                            name = 1 - name;
                            kind = "swap:swap " + entry + " " + NAMES[name];
                            out = c.run(kind);
                            assertTrue(kind + ": " + out, out.contains("outcome     COMPLETED"));
                        }
                        case 1 -> {
                            version[name] = 1 - version[name];
                            Path jar = Files.copy(jars[name][version[name]], work.resolve(NAMES[name] + "-" + (k + 1) + "-" + VERSIONS[version[name]] + ".jar"), StandardCopyOption.REPLACE_EXISTING);
                            // --timeout: 'swap:upgrade ID URL' without any option prints the usage line (reported)
                            kind = "swap:upgrade --timeout 10000 " + handlerBundle(c, BUNDLES[name]) + " " + jar.toUri();
                            out = c.run(kind);
                            assertTrue(kind + ": " + out, out.matches("(?s)upgrade of bundle .*: COMPLETED.*"));
                        }
                        default -> {
                            version[name] = 1 - version[name];
                            Path jar = Files.copy(jars[name][version[name]], work.resolve(NAMES[name] + "-" + (k + 1) + "-" + VERSIONS[version[name]] + ".jar"), StandardCopyOption.REPLACE_EXISTING);
                            kind = "update " + handlerBundle(c, BUNDLES[name]) + " " + jar.toUri();
                            out = c.run(kind);
                            assertEquals(kind, "", out);
                            awaitActiveOn(c, entry, NAMES[name], VERSIONS[version[name]]);
                        }
                    }
                    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                    load.upgradeEnded();
                    load.note("upgrade " + (k + 1) + " (" + kind.replace(work.toUri().toString(), "") + ") ended after " + millis + " ms");
                    transcript.add(String.format("%3d %-70s %5d ms -> %s %s", k + 1, kind.replace(work.toUri().toString(), ""), millis, NAMES[name], VERSIONS[version[name]]));
                    Probe p = probe(port);
                    assertEquals("after " + kind + ": " + p.body(), NAMES[name] + "/" + VERSIONS[version[name]], p.impl() + "/" + p.version());
                    carried += p.request() == last + 1 ? 1 : 0;
                    last = p.request();
                    Thread.sleep(gapMillis);
                }
                Thread.sleep(steadyMillis);
            } finally {
                load.stop();
                load.close();
            }
            Probe after = probe(port);

            String history = c.run("swap:history");
            NetworkFigures f = new NetworkFigures("this platform: one JVM, the handler swapped in place (" + System.getProperty("java.version") + ")",
                    connections, upgrades, "swap:swap, swap:upgrade side by side, update in place, alternating", load, before, after, carried,
                    transcript, gapMicros);
            String figures = f.text();
            System.out.println("NetworkExampleIT figures:\n" + figures);
            f.write(work);

            assertEquals(figures, 0, load.failed());
            assertEquals(figures, 0, load.dropped());
            assertEquals(figures, 0, load.counterBreaks());
            assertEquals(figures, 0, load.cacheLosses());
            assertTrue(figures, load.steady().getTotalCount() > 0 && load.upgrade().getTotalCount() > 0);
            // state carried: the probe's counter continued by exactly its own requests, the cache kept every page
            assertEquals(figures, before.request() + upgrades + 1, after.request());
            assertTrue(figures, after.cache() >= before.cache() && before.cache() >= HttpLoad.PATHS);
            assertFalse(history, history.contains("FAILED"));
            assertFalse(history, history.contains("ROLLED_BACK"));
            assertEquals("exit status; output:\n" + c.transcript(), 0, c.exit());
        }
    }

    /** Waits until /hello/ answers 200; returns the entry id it reports (X-Swap-Entry). */
    static String awaitServing(int port) throws Exception {
        String last = "";
        for (int i = 0; i < 600; i++) {
            try {
                HttpURLConnection h = (HttpURLConnection) new URL("http://127.0.0.1:" + port + "/hello/start").openConnection();
                h.setRequestProperty("X-Client", "start");
                if (h.getResponseCode() == 200) {
                    return h.getHeaderField("X-Swap-Entry");
                }
                last = "status " + h.getResponseCode();
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(100);
        }
        fail("/hello/ not served within 60 s: " + last);
        return null;
    }

    static Probe probe(int port) throws IOException {
        HttpURLConnection h = (HttpURLConnection) new URL("http://127.0.0.1:" + port + "/hello/probe").openConnection();
        h.setRequestProperty("X-Client", "probe");
        assertEquals(200, h.getResponseCode());
        String body;
        try (InputStream in = h.getInputStream()) {
            body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Matcher m = REPORT.matcher(body);
        assertTrue(body, m.find());
        return new Probe(m.group(1), m.group(2), Long.parseLong(m.group(3)), Integer.parseInt(m.group(4)), body);
    }

    /** The id of the installed bundle {@code bsn} (it changes with each side-by-side upgrade). */
    private static String handlerBundle(Console c, String bsn) throws Exception {
        String lb = c.run("lb -s " + bsn);
        Matcher m = Pattern.compile("(?m)^ *(\\d+)\\|Active.*\\|" + Pattern.quote(bsn) + " \\(").matcher(lb);
        assertTrue(lb, m.find());
        String id = m.group(1);
        assertFalse("one version of " + bsn + " installed:\n" + lb, m.find());
        return id;
    }

    /** Waits until the entry is ACTIVE on {@code name} {@code version} (it is PARKED while its bundle restarts in place). */
    private static void awaitActiveOn(Console c, String entry, String name, String version) throws Exception {
        String row = "";
        for (int i = 0; i < 600; i++) {
            row = ShellCommandsIT.row(c.run("swap:list"), entry);
            if (row.startsWith(entry + "|" + HANDLER + "|" + name + "|" + version + "|") && row.contains("|ACTIVE|")) {
                return;
            }
            Thread.sleep(50);
        }
        fail("entry " + entry + " not ACTIVE on " + name + " " + version + ": " + row);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
