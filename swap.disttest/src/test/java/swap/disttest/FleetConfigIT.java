package swap.disttest;

import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.Test;

/**
 * Issue 27: a bad value in {@code deploy/swap.fleet.cfg} is reported at once, in one line, on the
 * console and by {@code fleet:nodes} (not only in {@code scr:info}). No ZooKeeper is needed: the node
 * never gets as far as connecting.
 */
public class FleetConfigIT {

    @Test
    public void aBadValueIsReportedAtOnceOnTheConsoleAndByFleetNodes() throws Exception {
        Path work = Console.scratch("fleet-config");
        Path deploy = Files.createDirectories(work.resolve("deploy"));
        Files.write(deploy.resolve("swap.fleet.cfg"),
                ("connect=127.0.0.1:2181\nnode=web-07   # unique in the fleet\nsession.timeout.millis=15s\n").getBytes(StandardCharsets.UTF_8));
        String line = "fleet: PID swap.fleet (deploy/swap.fleet.cfg): session.timeout.millis=15s is not a whole number of milliseconds; "
                + "write e.g. session.timeout.millis=15000; this node stays out of the fleet until it is fixed";
        try (Console c = Console.start(work)) {
            String first = c.run("echo started");
            String nodes = c.run("fleet:nodes");
            // printed by the component's activation (before or while the first commands run), and again by the command
            int printed = (first + nodes).split(java.util.regex.Pattern.quote(line), -1).length - 1;
            assertTrue("on the console at start, and by fleet:nodes:\n" + first + nodes, printed >= 2);
            assertTrue("fleet:nodes says it:\n" + nodes, nodes.contains(line));
            String commented = c.run("fleet:status");
            assertTrue(commented, commented.contains(line));
        }
    }
}
