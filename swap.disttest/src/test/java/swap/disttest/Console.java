package swap.disttest;

import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The distribution's console, typed into by a test: {@code java -jar swap.jar} (with the JVM running
 * the test) in a scratch working directory, its stdin a pipe. {@link #run} types one command and
 * returns what the console printed for it: the command is followed by {@code echo} of a unique
 * marker, and the output up to the marker is the command's.
 *
 * <p>Paths come from system properties set by Maven ({@code swap.jar}, {@code swap.work},
 * {@code bundle.*}); no path of a particular machine is written here.
 */
final class Console implements AutoCloseable {
    /** How long one command may take before the test gives up (generous: a shared 2-core machine). */
    static final long COMMAND_TIMEOUT_SECONDS = 120;

    final Path work;
    private final Process process;
    private final OutputStream stdin;
    private final StringBuilder out = new StringBuilder();
    private final Thread pump;
    private int consumed;
    private int markers;

    private Console(Path work, Process process) {
        this.work = work;
        this.process = process;
        this.stdin = process.getOutputStream();
        InputStream in = process.getInputStream();
        this.pump = new Thread(() -> {
            byte[] b = new byte[8192];
            try {
                int n;
                while ((n = in.read(b)) > 0) {
                    synchronized (out) {
                        out.append(new String(b, 0, n, StandardCharsets.UTF_8));
                        out.notifyAll();
                    }
                }
            } catch (IOException e) {
                // process ended
            }
            synchronized (out) {
                out.notifyAll();
            }
        }, "console-pump");
        pump.setDaemon(true);
        pump.start();
    }

    static Path jar() {
        Path jar = Paths.get(System.getProperty("swap.jar", "../cnf/target/swap.jar")).toAbsolutePath().normalize();
        assertTrue(jar + " missing: build cnf first (mvn verify builds it before this module)", Files.isRegularFile(jar));
        return jar;
    }

    static String java() {
        return System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    }

    /** A fresh, empty working directory under {@code swap.work} (target/shell-it). */
    static Path scratch(String name) throws IOException {
        Path dir = Paths.get(System.getProperty("swap.work", "target/shell-it")).toAbsolutePath().resolve(name);
        if (Files.exists(dir)) {
            try (Stream<Path> walk = Files.walk(dir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        return Files.createDirectories(dir);
    }

    /**
     * The distribution's HTTP port (its web console, /metrics) is 8080 unless told otherwise; tests that do
     * not choose one ({@code HTTP_PORT + port}) get a local port free now ({@link #httpPort()}), so that several
     * platforms (FleetIT's nodes, other builds on the machine) never compete for 8080.
     */
    static final String HTTP_PORT = "-Dorg.osgi.service.http.port=";

    /**
     * {@code -Dorg.osgi.service.http.port=N} with a local port free now: the distribution's HTTP
     * (8080 by default) may be taken by a running distribution or another build's test.
     */
    static String httpPort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return "-Dorg.osgi.service.http.port=" + s.getLocalPort();
        }
    }

    static Console start(Path work, String... systemProperties) throws IOException {
        List<String> command = new ArrayList<>(List.of(java()));
        command.addAll(List.of(systemProperties));
        if (command.stream().noneMatch(a -> a.startsWith(HTTP_PORT))) {
            command.add(httpPort());
        }
        command.addAll(List.of("-jar", jar().toString()));
        Process p = new ProcessBuilder(command)
                .directory(work.toFile())
                .redirectErrorStream(true)
                .start();
        return new Console(work, p);
    }

    /**
     * Runs {@code java -jar swap.jar} in {@code work} with {@code input} piped on its stdin (then end of
     * input), as {@code printf '...' | java -jar swap.jar} does; returns everything it printed. Fails if
     * it does not stop by itself or exits with a status other than 0.
     */
    static String piped(Path work, String input) throws IOException, InterruptedException {
        Path out = work.resolve("output.txt");
        Process p = new ProcessBuilder(java(), httpPort(), "-jar", jar().toString())
                .directory(work.toFile()).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(input.getBytes(StandardCharsets.UTF_8));
        }
        boolean ended = p.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (!ended) {
            p.destroyForcibly();
        }
        String output = new String(Files.readAllBytes(out), StandardCharsets.UTF_8);
        assertTrue("did not stop at end of input:\n" + output, ended);
        org.junit.Assert.assertEquals(output, 0, p.exitValue());
        return output;
    }

    /** The file of a bundle built by this reactor, from the system property {@code bundle.NAME}. */
    static String bundle(String name) {
        String path = System.getProperty("bundle." + name);
        assertTrue("system property bundle." + name + " not set (run through Maven)", path != null && !path.startsWith("${"));
        Path p = Paths.get(path).toAbsolutePath().normalize();
        assertTrue(p + " missing", Files.isRegularFile(p));
        return p.toUri().toString();
    }

    /** Types {@code command}; returns the console's output for it, prompts and blank lines removed. */
    String run(String command) throws IOException, InterruptedException {
        String marker = "@@" + (++markers) + "@@";
        stdin.write((command + "\necho " + marker + "\n").getBytes(StandardCharsets.UTF_8));
        stdin.flush();
        Pattern done = Pattern.compile("(?m)^(?:g! )*" + Pattern.quote(marker) + "\\s*$");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(COMMAND_TIMEOUT_SECONDS);
        synchronized (out) {
            while (true) {
                Matcher m = done.matcher(out);
                if (m.find(consumed)) {
                    String text = out.substring(consumed, m.start());
                    consumed = m.end();
                    return clean(text);
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || !process.isAlive() && !pump.isAlive()) {
                    fail("no answer to '" + command + "' within " + COMMAND_TIMEOUT_SECONDS + " s (or the platform ended); output so far:\n" + out);
                }
                out.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
        }
    }

    static String clean(String text) {
        List<String> lines = new ArrayList<>();
        for (String line : text.split("\r?\n")) {
            String l = line;
            while (l.startsWith("g! ")) {
                l = l.substring(3);
            }
            if (l.equals("g!")) {
                l = "";
            }
            if (!l.isBlank()) {
                lines.add(l);
            }
        }
        return String.join("\n", lines);
    }

    /**
     * Types {@code command} without waiting for it to end (it may never end: a fault point blocks it),
     * then waits until the console prints a line that contains {@code line}; fails after
     * {@link #COMMAND_TIMEOUT_SECONDS} or if the platform ends first.
     */
    void typeAndAwait(String command, String line) throws IOException, InterruptedException {
        stdin.write((command + "\n").getBytes(StandardCharsets.UTF_8));
        stdin.flush();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(COMMAND_TIMEOUT_SECONDS);
        synchronized (out) {
            while (out.indexOf(line, consumed) < 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !process.isAlive() && !pump.isAlive()) {
                    fail("no '" + line + "' after '" + command + "' within " + COMMAND_TIMEOUT_SECONDS + " s (or the platform ended); output so far:\n" + out);
                }
                out.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
            consumed = out.length();
        }
    }

    /** Everything the console printed so far. */
    String transcript() {
        synchronized (out) {
            return out.toString();
        }
    }

    /** Ends input (Ctrl-D); returns the exit status, or fails if the platform does not stop. */
    int exit() throws IOException, InterruptedException {
        stdin.close();
        if (!process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail("swap.jar did not stop at end of input; output:\n" + transcript());
        }
        pump.join(10_000);
        return process.exitValue();
    }

    /** Kills the platform's process as {@code kill -9} does (SIGKILL: no shutdown hook, no flush) and waits for it to end. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            fail("swap.jar did not die on SIGKILL");
        }
        pump.join(10_000);
    }

    /** Sends a signal to the platform's process ({@code kill -SIG PID}), as Ctrl-C at a terminal sends INT. */
    void signal(String name) throws IOException, InterruptedException {
        Process k = new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).redirectErrorStream(true).start();
        assertTrue("kill -" + name + " " + process.pid(), k.waitFor(10, TimeUnit.SECONDS) && k.exitValue() == 0);
    }

    boolean alive() {
        return process.isAlive();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }

    /** Installs and starts a bundle; returns its id. */
    long installAndStart(String location) throws IOException, InterruptedException {
        String r = run("install " + location);
        Matcher m = Pattern.compile("Bundle ID: (\\d+)").matcher(r);
        assertTrue("install " + location + ": " + r, m.find());
        long id = Long.parseLong(m.group(1));
        String s = run("start " + id);
        assertTrue("start " + id + ": " + s, s.isEmpty());
        return id;
    }

    /** Whether the distribution's swap.core registers the file-cache service (the FCM work is merged). */
    static boolean distributionHasFileCache() throws IOException {
        try (java.util.jar.JarFile dist = new java.util.jar.JarFile(jar().toFile())) {
            for (var en = dist.entries(); en.hasMoreElements();) {
                var e = en.nextElement();
                if (e.getName().startsWith("bundles/swap.core")) {
                    try (java.util.jar.JarInputStream core = new java.util.jar.JarInputStream(dist.getInputStream(e))) {
                        String caps = core.getManifest().getMainAttributes().getValue("Provide-Capability");
                        return caps != null && caps.matches("(?s).*[\",]swap\\.api\\.fcm\\.FileCache[\",].*");
                    }
                }
            }
        }
        return false;
    }
}
