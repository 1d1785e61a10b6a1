package swap.disttest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.Assume;
import org.junit.Test;

/**
 * Issue 26's comparison: what operators do instead of swapping. The same handler classes as
 * {@link NetworkExampleIT} (handler.map and handler.locked, versions 1.0.0 and 1.1.0, in the same order),
 * each "upgrade" served by a fresh JVM ({@code swap.example.http.standalone}: a plain main on the same
 * Jetty) behind nginx configured for a graceful reload: start the new JVM on a new port, rewrite the
 * upstream, {@code nginx -s reload}, wait until the old worker processes have exited (their connections
 * drained), then stop the old JVM. The same load ({@link HttpLoad}, same connections, same client gap),
 * except that a dropped connection is reopened (as any client of a reloading proxy must) and counted.
 * Same figures, nothing asserted about them: the run only fails if the setup does not work.
 *
 * <p>Needs nginx ({@code apt-get install -y nginx}; {@code -Dnetwork.nginx=PATH}, default
 * /usr/sbin/nginx) and runs only with {@code -Dnetwork.proxy=true} ({@code swap.disttest/network-compare.sh}):
 * not in CI.
 */
public class ProxyRestartIT {
    private static final String[] NAMES = {"handler.map", "handler.locked"};
    private static final String[] VERSIONS = {"1.0.0", "1.1.0"};
    private static final String[][] JARS = {{"example.http", "example.http2"}, {"example.http.locked", "example.http.locked2"}};

    private final int connections = Integer.getInteger("network.connections", 200);
    private final int upgrades = Integer.getInteger("network.upgrades", 10);
    private final long gapMillis = Long.getLong("network.gap.millis", 1500);
    private final long steadyMillis = Long.getLong("network.steady.millis", 3000);
    private final long gapMicros = Long.getLong("network.client.gap.micros", 2000);
    private final String nginx = System.getProperty("network.nginx", "/usr/sbin/nginx");

    /** One JVM serving the handler on its port. */
    private static final class Backend {
        final Process process;
        final int port;

        Backend(Process process, int port) {
            this.process = process;
            this.port = port;
        }

        void stop() throws InterruptedException {
            process.destroy(); // SIGTERM: Jetty's shutdown hook stops it
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }

    @Test
    public void handlerRestartedBehindAReloadingProxy() throws Exception {
        Assume.assumeTrue("the restart-behind-a-proxy comparison runs only with -Dnetwork.proxy=true (swap.disttest/network-compare.sh)",
                Boolean.getBoolean("network.proxy"));
        assertTrue(nginx + " not found: apt-get install -y nginx (or -Dnetwork.nginx=PATH)", Files.isExecutable(Paths.get(nginx)));
        Path work = Console.scratch("proxy");
        Files.createDirectories(work.resolve("logs"));
        int proxyPort = NetworkExampleIT.freePort();
        List<String> transcript = new ArrayList<>();

        int name = 0;
        int[] version = {0, 0};
        Backend backend = startBackend(work, name, version[name]);
        Files.writeString(work.resolve("upstream.conf"), "server 127.0.0.1:" + backend.port + ";\n");
        Files.writeString(work.resolve("nginx.conf"), nginxConf(work, proxyPort));
        Process master = new ProcessBuilder(nginx, "-p", work.toString(), "-c", work.resolve("nginx.conf").toString(),
                "-e", work.resolve("logs/error.log").toString())
                .redirectErrorStream(true).redirectOutput(work.resolve("logs/nginx.out").toFile()).start();
        try {
            NetworkExampleIT.awaitServing(proxyPort);
            int carried = 0;
            NetworkExampleIT.Probe before;
            HttpLoad load = new HttpLoad("127.0.0.1", proxyPort, connections, "c", true, gapMicros);
            try {
                Thread.sleep(2000);
                load.measure();
                Thread.sleep(steadyMillis);
                before = NetworkExampleIT.probe(proxyPort);
                long last = before.request();
                for (int k = 0; k < upgrades; k++) {
                    load.upgradeStarted();
                    long t0 = System.nanoTime();
                    // the same sequence of implementations as NetworkExampleIT
                    if (k % 3 == 0) {
                        name = 1 - name;
                    } else {
                        version[name] = 1 - version[name];
                    }
                    Backend next = startBackend(work, name, version[name]);
                    long started = System.nanoTime();
                    Set<Long> oldWorkers = workers(master);
                    Files.writeString(work.resolve("upstream.conf"), "server 127.0.0.1:" + next.port + ";\n");
                    reload(work);
                    awaitDrained(master, oldWorkers);
                    long drained = System.nanoTime();
                    backend.stop();
                    backend = next;
                    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                    load.upgradeEnded();
                    String kind = "restart on :" + next.port + ", reload, drain";
                    load.note("upgrade " + (k + 1) + " (" + kind + ") ended after " + millis + " ms");
                    transcript.add(String.format("%3d %-70s %5d ms -> %s %s (JVM up %d ms, reload+drain %d ms)", k + 1, kind, millis,
                            NAMES[name], VERSIONS[version[name]], TimeUnit.NANOSECONDS.toMillis(started - t0),
                            TimeUnit.NANOSECONDS.toMillis(drained - started)));
                    NetworkExampleIT.Probe p = NetworkExampleIT.probe(proxyPort);
                    assertEquals("after upgrade " + (k + 1) + ": " + p.body(), NAMES[name] + "/" + VERSIONS[version[name]], p.impl() + "/" + p.version());
                    carried += p.request() == last + 1 ? 1 : 0;
                    last = p.request();
                    Thread.sleep(gapMillis);
                }
                Thread.sleep(steadyMillis);
            } finally {
                load.stop();
                load.close();
            }
            NetworkExampleIT.Probe after = NetworkExampleIT.probe(proxyPort);
            NetworkFigures f = new NetworkFigures("restart behind a proxy: a fresh JVM per upgrade behind " + nginxVersion() + ", graceful reload ("
                    + System.getProperty("java.version") + ")", connections, upgrades,
                    "new JVM on a new port, upstream rewritten, nginx -s reload, old JVM stopped once drained", load, before, after, carried,
                    transcript, gapMicros);
            System.out.println("ProxyRestartIT figures:\n" + f.text());
            f.write(work);
        } finally {
            backend.stop();
            master.destroy(); // SIGTERM: nginx's fast shutdown
            if (!master.waitFor(30, TimeUnit.SECONDS)) {
                master.destroyForcibly();
            }
        }
    }

    private String nginxConf(Path work, int port) {
        // worker_processes auto: one per core, as Debian's default; access log off (the JVMs log nothing per request either);
        // keepalive_requests and keepalive_timeout high: nginx never closes a busy client connection by itself,
        // only a reload does; upstream keepalive: the proxy reuses its connections to the JVM.
        return String.join("\n",
                "daemon off;",
                "worker_processes auto;",
                "pid " + work.resolve("nginx.pid") + ";",
                "worker_shutdown_timeout 30s;",
                "events { worker_connections 8192; }",
                "http {",
                "  access_log off;",
                "  client_body_temp_path " + work.resolve("tmp-body") + ";",
                "  proxy_temp_path " + work.resolve("tmp-proxy") + ";",
                "  fastcgi_temp_path " + work.resolve("tmp-fastcgi") + ";",
                "  uwsgi_temp_path " + work.resolve("tmp-uwsgi") + ";",
                "  scgi_temp_path " + work.resolve("tmp-scgi") + ";",
                "  upstream handler {",
                "    include " + work.resolve("upstream.conf") + ";",
                "    keepalive 512;",
                "    keepalive_requests 100000000;",
                "  }",
                "  server {",
                "    listen 127.0.0.1:" + port + " backlog=4096;",
                "    keepalive_requests 100000000;",
                "    keepalive_timeout 600s;",
                "    location / {",
                "      proxy_pass http://handler;",
                "      proxy_http_version 1.1;",
                "      proxy_set_header Connection \"\";",
                "    }",
                "  }",
                "}",
                "");
    }

    private String nginxVersion() throws IOException, InterruptedException {
        Process p = new ProcessBuilder(nginx, "-v").redirectErrorStream(true).start();
        String v = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        p.waitFor();
        return v.replace("nginx version: ", "");
    }

    private void reload(Path work) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(nginx, "-p", work.toString(), "-c", work.resolve("nginx.conf").toString(),
                "-e", work.resolve("logs/error.log").toString(), "-s", "reload").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue("nginx -s reload did not end", p.waitFor(30, TimeUnit.SECONDS));
        assertEquals("nginx -s reload: " + out, 0, p.exitValue());
    }

    /** The master's worker processes now. */
    private static Set<Long> workers(Process master) {
        return master.toHandle().children().map(ProcessHandle::pid).collect(Collectors.toSet());
    }

    /** Waits until the master has new workers and none of {@code old} is alive (each exits once its connections are done). */
    private static void awaitDrained(Process master, Set<Long> old) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() - end < 0) {
            Set<Long> now = workers(master);
            boolean fresh = now.stream().anyMatch(pid -> !old.contains(pid));
            boolean oldAlive = old.stream().anyMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
            if (fresh && !oldAlive) {
                return;
            }
            Thread.sleep(5);
        }
        fail("nginx's old workers " + old + " still alive 60 s after the reload");
    }

    /** Starts a JVM serving NAMES[name] VERSIONS[version] on a free port; returns once it answers. */
    private static Backend startBackend(Path work, int name, int version) throws Exception {
        int port = NetworkExampleIT.freePort();
        String cp = String.join(File.pathSeparator, jar("example.http.standalone"), jar("example.http.api"), jar("swap.api"),
                jar(JARS[name][version]), jar("felix.http.jetty"), jar("felix.servlet.api"), jar("slf4j.api"), jar("slf4j.simple"));
        Process p = new ProcessBuilder(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", cp,
                "swap.example.http.standalone.StandaloneServer", Integer.toString(port), NAMES[name])
                .redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        if (line == null || !line.startsWith("serving ")) {
            p.destroyForcibly();
            fail("the standalone server did not start: " + line);
        }
        Path log = work.resolve("logs/backend-" + port + ".log");
        Thread drain = new Thread(() -> {
            try {
                Files.write(log, out.lines().map(l -> l + "\n").collect(Collectors.joining()).getBytes(StandardCharsets.UTF_8));
            } catch (IOException | RuntimeException e) {
                // the log is for reading after a failure only
            }
        }, "backend-" + port);
        drain.setDaemon(true);
        drain.start();
        NetworkExampleIT.awaitServing(port);
        return new Backend(p, port);
    }

    private static String jar(String name) {
        return Paths.get(java.net.URI.create(Console.bundle(name))).toString();
    }
}
