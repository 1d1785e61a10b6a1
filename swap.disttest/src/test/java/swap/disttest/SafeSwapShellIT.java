package swap.disttest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.Test;

/**
 * {@code swap:watch} and {@code swap:canary} typed into the real distribution's console, with the
 * deliberately bad counters of {@code swap.example.bad} (installed at run time) and its demo load:
 * the bad counter is swapped back by its watch with every successful increment kept, the lying one
 * is stopped by its canary, {@code help}, usage lines and {@code swap:history} show them.
 */
public class SafeSwapShellIT {

    @Test
    public void watchAndCanaryThroughTheConsole() throws Exception {
        Path work = Console.scratch("safe");
        // swap.example.bad's demo commands call the swap manager, which only allowed bundles see (trust: swap.visibility).
        try (Console c = Console.start(work, "-Dswap.visibility.allowed=swap.example.bad")) {
            assertTrue(c.run("help swap:watch"), c.run("help swap:watch").contains("-w, --window"));
            assertTrue(c.run("help swap"), c.run("help swap").contains("swap:canary [--calls N]"));
            for (String b : new String[] {"example.api", "example.simple", "example.bad"}) {
                c.installAndStart(Console.bundle(b));
            }
            String created = c.run("swap:create swap.example.counter.Counter counter.simple");
            Matcher m = Pattern.compile("(?m)^entry\\s+(\\d+)$").matcher(created);
            assertTrue(created, m.find());
            String id = m.group(1);
            assertTrue(c.run("swap:watch " + id), c.run("swap:watch " + id).contains("usage: swap:watch [--window 10s]"));

            c.run("counter:load " + id + " 2 10");
            String watched = c.run("swap:watch --window 20s --errors 0.05 " + id + " counter.bad");
            assertTrue(watched, watched.contains("outcome     REVERTED"));
            assertTrue(watched, watched.contains("watch=reverted"));
            String status = c.run("counter:status");
            for (int i = 0; i < 300 && status.startsWith("running"); i++) {
                Thread.sleep(100);
                status = c.run("counter:status");
            }
            Matcher ok = Pattern.compile("done: (\\d+) increments succeeded").matcher(status);
            assertTrue(status, ok.find());
            assertEquals("every successful increment is in the count", ok.group(1), c.run("counter:get " + id).trim());

            c.run("counter:read " + id + " 1 30");
            String canary = c.run("swap:canary --calls 500 --time 20s " + id + " counter.lying");
            assertTrue(canary, canary.contains("outcome     ROLLED_BACK"));
            assertTrue(canary, canary.contains("mismatch    get() with []: running instance "));
            String history = c.run("swap:history 3");
            assertTrue(history, history.contains("|ROLLED_BACK|") && history.contains("|REVERTED "));
            assertTrue(c.run("swap:info " + id), c.run("swap:info " + id).contains("implementation  counter.simple 1.0.0"));
        }
    }
}
