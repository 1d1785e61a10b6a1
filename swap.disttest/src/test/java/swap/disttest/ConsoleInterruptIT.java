package swap.disttest;

import static org.junit.Assert.assertTrue;

import java.nio.file.Path;

import org.junit.Test;

/**
 * Issue 27: Ctrl-C at the console (SIGINT to the platform's process, which is what a terminal sends)
 * does not end the platform; the console keeps answering. Only {@code exit} or the end of input does.
 */
public class ConsoleInterruptIT {

    @Test
    public void ctrlCDoesNotEndThePlatform() throws Exception {
        Path work = Console.scratch("interrupt");
        try (Console c = Console.start(work)) {
            assertTrue(c.run("echo ready").contains("ready"));
            c.signal("INT");
            c.signal("INT");
            Thread.sleep(2_000);
            assertTrue("the platform is still running after two SIGINTs", c.alive());
            String out = c.run("echo still-here");
            assertTrue(out, out.contains("still-here"));
            // the handler prints on a signal thread of its own: on a loaded machine its line may come after the echo
            for (int i = 0; i < 20 && !out.contains("swap: Ctrl-C does not stop the platform; type exit"); i++) {
                Thread.sleep(500);
                out += c.run("echo again");
            }
            assertTrue("the platform said what to do instead:\n" + out, out.contains("swap: Ctrl-C does not stop the platform; type exit"));
            String lb = c.run("lb -s swap.core");
            assertTrue(lb, lb.contains("Active"));
        }
    }
}
