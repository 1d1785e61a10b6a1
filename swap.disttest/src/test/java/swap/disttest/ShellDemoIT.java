package swap.disttest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.Before;
import org.junit.Test;

/**
 * The README's shell demo, typed into the real distribution: open a file, put load on it, install
 * and start an implementation bundle built by this repository (swap.example.fcm), swap the file's
 * entry to it under load, watch the statistics, uninstall the old bundle; and the one-liner of
 * issue 6 ({@code printf 'fcm:open data.bin\nswap:list\n' | java -jar swap.jar}).
 *
 * <p>Needs the file-cache service in swap.core (the FCM work): skipped, with a message, while the
 * distribution's swap.core does not provide {@code swap.api.fcm.FileCache}; enforced once it does.
 */
public class ShellDemoIT {
    private static final String FCM = "swap.api.fcm.FileCacheManager";

    @Before
    public void needsTheFileCache() throws Exception {
        assertTrue("swap.core in the distribution must provide the swap.api.fcm.FileCache service", Console.distributionHasFileCache());
    }

    @Test
    public void pipedOpenThenListShowsTheEntry() throws Exception {
        Path work = Console.scratch("piped");
        Files.write(work.resolve("data.bin"), new byte[8192]);
        String output = Console.piped(work, "fcm:open data.bin\nswap:list\n");
        Matcher m = Pattern.compile("entry (\\d+): " + Pattern.quote(work.resolve("data.bin").toRealPath().toString()) + " \\(").matcher(output);
        assertTrue(output, m.find());
        assertTrue(output, output.matches("(?s).*\\n(g! )* *" + m.group(1) + "\\|" + Pattern.quote(FCM) + " *\\|[^|]+\\|[^|]+\\|[^|]+\\|ACTIVE *\\| *0\\| *0\\|-.*"));
    }

    @Test
    public void demo() throws Exception {
        Path work = Console.scratch("demo");
        Files.write(work.resolve("data.bin"), new byte[256 * 1024]);
        try (Console c = Console.start(work)) {
            // open a file: a new entry
            String opened = c.run("fcm:open data.bin");
            Matcher m = Pattern.compile("(?m)^entry (\\d+): .*data\\.bin \\((\\S+) [^,]+, 262144 bytes\\)$").matcher(opened);
            assertTrue(opened, m.find());
            String id = m.group(1);
            String before = c.run("swap:info " + id);
            Matcher b = Pattern.compile("(?m)^bundle +(\\S+)$").matcher(before);
            assertTrue(before, b.find());
            String oldBundle = b.group(1);
            assertTrue(c.run("swap:list"), ShellCommandsIT.row(c.run("swap:list"), id).contains("|" + FCM));

            assertTrue(c.run("fcm:write " + id + " 0 hello"), c.run("fcm:read " + id + " 0 5").equals("hello"));

            // put load on it (one thread: with more, the shared FCM would see contention and move the file to
            // fcm.distributed by itself, the object trigger; this demo swaps by hand)
            String load = c.run("fcm:load " + id + " 1 30");
            assertTrue(load, load.startsWith("load on entry " + id + ": running, 1 thread(s) for 30 s"));
            String error = c.run("fcm:load " + id + " 1 30");
            assertTrue(error, error.startsWith("fcm: a load is already running on entry " + id));

            // install and start an implementation bundle built by this repository
            c.installAndStart(Console.bundle("example.fcm"));
            String impls = c.run("swap:impls " + FCM);
            assertTrue(impls, impls.matches("(?s).*\\|fcm\\.example *\\|.*"));

            // swap the live entry to it, under load
            String swapped = c.run("swap:swap --timeout 10000 " + id + " fcm.example");
            assertTrue(swapped, swapped.contains("outcome     COMPLETED"));
            assertTrue(swapped, swapped.contains("format      fcm.pages.v1"));
            assertTrue(swapped, swapped.contains("to          fcm.example 1.0.0"));

            // watch the statistics
            assertTrue(c.run("swap:interpose " + id + " calls").contains("interposers     calls"));
            assertTrue(c.run("swap:interpose " + id + " latency").contains("interposers     latency, calls"));
            String stats = c.run("swap:stats " + id);
            assertTrue(stats, stats.matches("(?s)entry +" + id + " " + Pattern.quote(FCM) + " -> fcm\\.example 1\\.0\\.0 ACTIVE\\n.*"));
            assertTrue(stats, stats.matches("(?s).*\\ncache +hits=\\d+ misses=\\d+ evictions=\\d+ cached=\\d+ dirty=\\d+ read-ahead=\\d+ read-ahead-wasted=\\d+ hit-ratio=[0-9.]+.*"));
            assertTrue(stats, stats.matches("(?s).*\\nload +(running|ended), 1 thread\\(s\\) for 30 s, \\d+ reads, \\d+ writes, \\d+ errors.*"));
            assertTrue(stats, stats.matches("(?s).*\\nmonitor calls +calls=\\d+ thrown=0 callsPerSecond=\\d+.*"));
            assertTrue(stats, stats.matches("(?s).*\\nmonitor latency +\\S+=.*"));

            // uninstall the old bundle: the entry stays on the new implementation
            String lb = c.run("lb -s " + oldBundle);
            Matcher l = Pattern.compile("(?m)^ *(\\d+)\\|Active.*\\|" + Pattern.quote(oldBundle) + " ").matcher(lb);
            assertTrue(lb, l.find());
            assertEquals("", c.run("uninstall " + l.group(1)));
            assertTrue(c.run("swap:list"), ShellCommandsIT.row(c.run("swap:list"), id).contains("|fcm.example"));
            String read = c.run("fcm:read " + id + " 0 5");
            assertTrue("state carried across the swap: " + read, read.equals("hello") || read.matches("[a-z]{5}"));

            String closed = c.run("fcm:close " + id);
            assertTrue(closed, closed.equals("entry " + id + " closed"));
            assertTrue(c.run("swap:info " + id).startsWith("swap: no entry with id " + id));
            assertEquals("exit status; output:\n" + c.transcript(), 0, c.exit());
        }
    }
}
