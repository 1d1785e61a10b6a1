package swap.disttest;

import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.curator.test.TestingCluster;
import org.junit.Test;

/**
 * The fleet's measured figures (not a test: its name does not end in IT, so {@code mvn verify} does
 * not run it; README "Fleet rollouts" gives the command): for fleets of 3, 5 and 8 distribution
 * processes on this machine and a ZooKeeper ensemble of 3 in this JVM, each node with a file open
 * (no load: 8 busy JVMs on 2 cores would measure the scheduler),
 * <ul>
 * <li>the time of a rollout (swap of the file's entry, canary 1, waves of 50 %, 1 s health gate),
 * from its creation to COMPLETED, as its status reports it, median of 6 (3 there and back);</li>
 * <li>a failing canary (fault injection: {@code fail-import} in its working directory): from the
 * rollout's creation to ROLLED_BACK;</li>
 * <li>a failing last node: from the coordinator's decision to roll back (ROLLING_BACK) to every
 * node rolled back (ROLLED_BACK), the fleet-wide roll-back itself.</li>
 * </ul>
 * {@code -Dfleet.sizes=3,5,8} (default) picks the fleet sizes, {@code -Dfleet.reps=3} the repetitions.
 */
public class FleetTimes {
    private static final Pattern TOOK = Pattern.compile("took (\\d+\\.\\d) s");
    private static final Pattern HISTORY = Pattern.compile("(?m)^\\s+(\\d\\d:\\d\\d:\\d\\d\\.\\d\\d\\d) (ROLLING_BACK|ROLLED_BACK)");

    @Test
    public void measure() throws Exception {
        StringBuilder table = new StringBuilder("| nodes | rollout (median, min-max) | failing canary -> ROLLED_BACK (median) | failing last node: ROLLING_BACK -> ROLLED_BACK (median) |\n|---:|---:|---:|---:|\n");
        int reps = Integer.getInteger("fleet.reps", 3);
        for (String size : System.getProperty("fleet.sizes", "3,5,8").split(",")) {
            int n = Integer.parseInt(size.trim());
            table.append(measure(n, reps)).append('\n');
            System.out.println(table);
        }
        System.out.println("FLEET TIMES\n" + table);
    }

    private String measure(int n, int reps) throws Exception {
        System.setProperty("zookeeper.4lw.commands.whitelist", "srvr");
        Map<String, Console> nodes = new LinkedHashMap<>();
        try (TestingCluster zk = new TestingCluster(3)) {
            zk.start();
            for (int i = 1; i <= n; i++) {
                String node = "node" + i;
                Path work = Console.scratch("times-" + node);
                Path deploy = Files.createDirectories(work.resolve("deploy"));
                Files.write(deploy.resolve("swap.fcm.shared.cfg"), "self.swap=false\n".getBytes(StandardCharsets.UTF_8));
                Files.write(deploy.resolve("swap.fcm.distributed.cfg"), "self.swap=false\n".getBytes(StandardCharsets.UTF_8));
                Files.write(deploy.resolve("swap.fleet.cfg"), ("connect=" + zk.getConnectString() + "\nnode=" + node
                        + "\nsession.timeout.millis=8000\nlost.grace.millis=2000\npoll.millis=200\n").getBytes(StandardCharsets.UTF_8));
                nodes.put(node, Console.start(work));
            }
            for (Console c : nodes.values()) {
                assertTrue(c.run("fcm:open -c data.bin").contains("fcm.shared"));
            }
            Console c1 = nodes.get("node1");
            for (int i = 0; i < 240 && FleetIT.count(c1.run("fleet:nodes"), "(?m)^\\S*\\s+node\\d+ ") < n; i++) {
                Thread.sleep(500);
            }
            List<Double> rollouts = new ArrayList<>();
            for (int r = 0; r < reps; r++) {
                rollouts.add(took(c1.run("fleet:rollout --wait -g 1 swap fcm.shared fcm.distributed"), "COMPLETED"));
                rollouts.add(took(c1.run("fleet:rollout --wait -g 1 swap fcm.distributed fcm.shared"), "COMPLETED"));
            }
            List<Double> canary = new ArrayList<>();
            List<Double> lastNode = new ArrayList<>();
            String flaky = "fleet:rollout --wait -g 1 swap fcm.shared fcm.flaky " + Console.bundle("flaky");
            for (int r = 0; r < reps; r++) {
                Path fail = nodes.get("node1").work.resolve("fail-import");
                Files.write(fail, new byte[0]);
                canary.add(took(c1.run(flaky), "ROLLED_BACK"));
                Files.delete(fail);
                fail = nodes.get("node" + n).work.resolve("fail-import");
                Files.write(fail, new byte[0]);
                String s = c1.run(flaky);
                took(s, "ROLLED_BACK");
                lastNode.add(rollBack(s));
                Files.delete(fail);
            }
            System.out.println(n + " nodes: rollouts " + rollouts + " s, failing canary " + canary + " s, fleet-wide roll-back " + lastNode + " s");
            return String.format("| %d | %.1f s (%.1f-%.1f) | %.1f s | %.2f s |", n, median(rollouts), Collections.min(rollouts), Collections.max(rollouts),
                    median(canary), median(lastNode));
        } finally {
            for (Console c : nodes.values()) {
                c.kill();
            }
        }
    }

    private static double took(String status, String state) {
        assertTrue(status, status.contains(": " + state + " "));
        Matcher m = TOOK.matcher(status);
        assertTrue(status, m.find());
        return Double.parseDouble(m.group(1));
    }

    /** Seconds from ROLLING_BACK to ROLLED_BACK in the status's history. */
    private static double rollBack(String status) {
        Matcher m = HISTORY.matcher(status);
        LocalTime start = null;
        LocalTime end = null;
        while (m.find()) {
            if (m.group(2).equals("ROLLING_BACK")) {
                start = LocalTime.parse(m.group(1));
            } else {
                end = LocalTime.parse(m.group(1));
            }
        }
        assertTrue(status, start != null && end != null);
        return start.until(end, ChronoUnit.MILLIS) / 1000.0;
    }

    private static double median(List<Double> l) {
        List<Double> s = new ArrayList<>(l);
        Collections.sort(s);
        return s.size() % 2 == 1 ? s.get(s.size() / 2) : (s.get(s.size() / 2 - 1) + s.get(s.size() / 2)) / 2;
    }
}
