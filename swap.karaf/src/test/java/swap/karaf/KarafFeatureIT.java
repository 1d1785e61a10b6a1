package swap.karaf;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/**
 * The features repository in a real Apache Karaf 4.4 (the distribution from the Maven repository,
 * unpacked by the build and started with bin/start): feature:install swap, then from Karaf's shell
 * (bin/client, batch mode) an entry is created and swapped, and an implementation bundle is upgraded
 * side by side while two threads increment the entry (swap.example.bad's counter:load), with exact
 * totals at the end. The published features.xml is used with its dev.swap bundles pointed at this
 * build's jars (file: URLs); its third-party bundles resolve from the local Maven repository, offline.
 */
public class KarafFeatureIT {

    private Path home;
    private int sshPort;
    private String bundles;

    @Before
    public void startKaraf() throws Exception {
        // a fresh copy of the unpacked distribution for each run
        Path dist = Path.of(System.getProperty("karaf.dist"));
        home = dist.resolveSibling("karaf-run-" + System.currentTimeMillis());
        try (var files = Files.walk(dist)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Path to = home.resolve(dist.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(f, to, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
        bundles = new File(System.getProperty("karaf.bundles")).getAbsolutePath();
        sshPort = freePort();
        // a user for bin/client, this build's local repository only (offline), free ports, the load commands' bundle may swap
        replace("etc/users.properties", "#karaf = karaf,_g_:admingroup", "karaf = karaf,_g_:admingroup");
        replace("etc/users.properties", "#_g_\\:admingroup", "_g_\\:admingroup");
        replace("etc/org.ops4j.pax.url.mvn.cfg", "org.ops4j.pax.url.mvn.repositories= \\", "org.ops4j.pax.url.mvn.repositories=\nswap.test.unused.repositories= \\");
        append("etc/org.ops4j.pax.url.mvn.cfg", "\norg.ops4j.pax.url.mvn.localRepository=" + System.getProperty("maven.repo.local") + "\norg.ops4j.pax.url.mvn.offline=true\n");
        replace("etc/org.apache.karaf.shell.cfg", "sshPort = 8101", "sshPort = " + sshPort);
        replace("etc/org.apache.karaf.management.cfg", "rmiRegistryPort = 1099", "rmiRegistryPort = " + freePort());
        replace("etc/org.apache.karaf.management.cfg", "rmiServerPort = 44444", "rmiServerPort = " + freePort());
        Files.writeString(home.resolve("etc/swap.visibility.config"),
                "allowed.bundles=[\"swap.shell\",\"swap.monitor\",\"swap.fcm.*\",\"swap.fleet\",\"swap.example.bad\"]\n");
        String features = Files.readString(Path.of(System.getProperty("karaf.features")))
                .replaceAll("(<bundle[^>]*>)mvn:dev\\.swap/([^/<]+)/[^<]+", "$1file:" + Matcher.quoteReplacement(bundles) + "/$2.jar");
        Files.writeString(home.resolve("swap-features.xml"), features);
        run(60, "bin/start", "clean");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
        while (!client("echo ready").contains("ready")) {
            if (System.nanoTime() > deadline) {
                fail("Karaf's shell did not answer within 240 s; see " + home.resolve("data/log/karaf.log"));
            }
            Thread.sleep(2000);
        }
    }

    @After
    public void stopKaraf() throws Exception {
        if (home != null) {
            run(60, "bin/stop");
        }
    }

    @Test
    public void theFeatureInstallsAndAnEntrySwapsAndUpgradesUnderLoadFromKarafsShell() throws Exception {
        assertTrue(client("feature:repo-add file:" + home.resolve("swap-features.xml")), client("feature:repo-list").contains("swap-"));
        String installed = client("feature:install swap");
        assertTrue("feature:install swap: " + installed, !installed.contains("Error"));
        String list = client("bundle:list -s");
        for (String b : new String[] {"swap.api", "swap.core", "swap.fcm.shared", "swap.fcm.distributed", "swap.fcm.pattern", "swap.monitor", "swap.shell",
                "org.apache.felix.scr", "org.apache.felix.metatype", "org.apache.felix.healthcheck.api"}) {
            assertTrue(b + " is not active: " + list, Pattern.compile("Active .*\\| " + Pattern.quote(b) + "\\b").matcher(list).find());
        }

        client("bundle:install -s file:" + bundles + "/swap.example.api.jar");
        long simple = bundleId(client("bundle:install -s file:" + bundles + "/swap.example.simple.jar"));
        client("bundle:install -s file:" + bundles + "/swap.example.striped.jar");
        client("bundle:install -s file:" + bundles + "/swap.example.bad.jar");
        await("format (swap:impls swap.example.counter.Counter)", "counter.striped");

        String created = client("format (swap:create swap.example.counter.Counter counter.simple)");
        Matcher m = Pattern.compile("entry +(\\d+)").matcher(created);
        assertTrue(created, m.find());
        long id = Long.parseLong(m.group(1));

        String swapped = client("format (swap:swap " + id + " counter.striped)");
        assertTrue(swapped, swapped.contains("outcome     COMPLETED") && swapped.contains("to          counter.striped"));
        String back = client("format (swap:swap " + id + " counter.simple)");
        assertTrue(back, back.contains("outcome     COMPLETED") && back.contains("to          counter.simple 1.0.0"));

        // side-by-side upgrade of counter.simple's bundle to version 1.1.0 while two threads increment the entry
        assertTrue(client("echo (counter:load " + id + " 2 8)").contains("2 thread(s) incrementing"));
        Thread.sleep(2000);
        String upgraded = client("format (swap:upgrade " + simple + " file:" + bundles + "/swap.example.simple2.jar)");
        assertTrue(upgraded, upgraded.contains(": COMPLETED") && upgraded.contains("counter.simple 1.0.0 -> counter.simple 1.1.0  COMPLETED"));
        String status = await("echo (counter:status)", "done:");
        Matcher s = Pattern.compile("done: (\\d+) increments succeeded, (\\d+) failed").matcher(status);
        assertTrue(status, s.find());
        assertEquals("no increment failed during the upgrade: " + status, "0", s.group(2));
        long made = Long.parseLong(s.group(1));
        assertTrue(status, made > 0);
        assertEquals("every increment counted once, none lost, across the upgrade", made, Long.parseLong(client("echo (counter:get " + id + ")").trim()));
        String entries = client("format (swap:list)");
        assertTrue(entries, Pattern.compile("(?m)^ *" + id + "\\|swap\\.example\\.counter\\.Counter\\|counter\\.simple *\\|1\\.1\\.0 ").matcher(entries).find());
    }

    // ------------------------------------------------------------------ helpers

    /** One command line through bin/client in batch mode; its output (stderr merged, Karaf's JAVA_HOME notice dropped). */
    private String client(String command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/client").toString(), "-u", "karaf", "-p", "karaf", "-a", String.valueOf(sshPort), "-r", "1", "-b")
                .directory(home.toFile()).redirectErrorStream(true);
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process p = pb.start();
        try (OutputStream in = p.getOutputStream()) {
            in.write((command + "\n").getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("bin/client did not end within 120 s: " + command);
        }
        return out.replaceAll("\u001b\\[[0-9;]*m", "");
    }

    private String await(String command, String text) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String out;
        while (!(out = client(command)).contains(text)) {
            if (System.nanoTime() > deadline) {
                fail("'" + command + "' did not show '" + text + "' within 60 s: " + out);
            }
            Thread.sleep(500);
        }
        return out;
    }

    private static long bundleId(String installOutput) {
        Matcher m = Pattern.compile("Bundle ID: (\\d+)").matcher(installOutput);
        assertTrue(installOutput, m.find());
        return Long.parseLong(m.group(1));
    }

    private void run(int seconds, String... command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(home.toFile()).redirectErrorStream(true)
                .redirectOutput(home.resolve("swap-test-" + new File(command[0]).getName() + ".log").toFile());
        pb.command().set(0, home.resolve(command[0]).toString());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process p = pb.start();
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
    }

    private void replace(String file, String from, String to) throws IOException {
        Path f = home.resolve(file);
        String s = Files.readString(f);
        assertTrue(file + " has no line '" + from + "' (another Karaf version?)", s.contains(from));
        Files.writeString(f, s.replace(from, to));
    }

    private void append(String file, String text) throws IOException {
        Files.writeString(home.resolve(file), Files.readString(home.resolve(file)) + text);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
