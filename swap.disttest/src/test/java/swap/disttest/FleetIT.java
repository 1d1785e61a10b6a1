package swap.disttest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.FixMethodOrder;
import org.junit.Test;
import org.junit.runners.MethodSorters;

/**
 * Fleet rollouts on the real distribution: a ZooKeeper ensemble of 3 servers in this JVM (Curator's
 * {@link TestingCluster}, loopback ports) and 5 platforms ({@code java -jar swap.jar}, each in its
 * own working directory with {@code deploy/swap.fleet.cfg}), each with a file open through the file
 * cache and a load thread reading and writing it. The tests run in order, on the same fleet:
 * <ol>
 * <li>a rollout of a new FCM implementation bundle (install + swap) completes on all 5;</li>
 * <li>a rollout whose new version fails on node 3 (fault injection: its import throws where a file {@code fail-import} is in the working directory) rolls
 * every node that applied it back;</li>
 * <li>a node killed (SIGKILL) mid-rollout is reported LOST and the rollout completes without it; the
 * node, restarted with the old version and a file open, joins and is brought to the target of
 * every completed rollout;</li>
 * <li>the coordinator (the node holding the leader latch) killed mid-rollout: another node takes
 * over and the rollout completes; the node, restarted, is caught up;</li>
 * <li>the ZooKeeper leader killed mid-rollout: the rollout completes, each node applied once;</li>
 * <li>an upgrade rollout: a new version of the example FCM bundle, side by side on every node; and
 * one whose new version fails on node 3: every node that upgraded is downgraded;</li>
 * <li>the desired state (issue 27): a node restarted that joins first and opens its file afterwards
 * ends on the desired implementation within one reconcile period; a file opened after a rollout
 * lands there too; a local swap cannot undo a rollout (the fleet's pin refuses it); a selector typo
 * ends NO_OP and writes no revision; {@code fleet:history} and {@code fleet:undo}; the whole
 * ZooKeeper ensemble restarted from its data directories mid-rollout;</li>
 * <li>the fix feed (issue 25) configured on every node: a micro version added to its index is rolled out by the
 * coordinator alone, as one upgrade rollout, to every node;</li>
 * <li>through all of it the loads saw no error, and every file's bytes are intact on disk.</li>
 * </ol>
 */
@FixMethodOrder(MethodSorters.NAME_ASCENDING)
public class FleetIT {
    private static final int NODES = 5;
    private static final long MARKER_AT = 2_000_000; // beyond the first MiB, which fcm:load writes to
    private static final Pattern ID = Pattern.compile("rollout (r-\\d+)");
    /** Each node's reconcile period (swap.fleet.cfg reconcile.millis). */
    private static final long RECONCILE_MILLIS = 3_000;

    private static TestingCluster zk;
    private static final Map<String, Console> consoles = new LinkedHashMap<>();
    private static final Map<String, String> entries = new LinkedHashMap<>();
    private static final List<String> completed = new ArrayList<>();

    @BeforeClass
    public static void startFleet() throws Exception {
        assertTrue(Console.distributionHasFileCache());
        System.setProperty("zookeeper.4lw.commands.whitelist", "srvr"); // read by the servers of this JVM
        zk = new TestingCluster(3);
        zk.start();
        for (int i = 1; i <= NODES; i++) {
            String node = "node" + i;
            Path work = Console.scratch("fleet-" + node);
            writeDeploy(work, true);
            consoles.put(node, Console.start(work));
        }
        for (Map.Entry<String, Console> e : consoles.entrySet()) {
            entries.put(e.getKey(), openUnderLoad(e.getKey(), e.getValue()));
        }
        Console c1 = consoles.get("node1");
        String nodes = "";
        for (int i = 0; i < 120 && count(nodes, "(?m)^\\S*\\s+node\\d ") < NODES; i++) {
            Thread.sleep(500);
            nodes = c1.run("fleet:nodes");
        }
        assertEquals("all nodes joined:\n" + nodes, NODES, count(nodes, "(?m)^\\S*\\s+node\\d "));
    }

    /** The fleet's configuration, and the FCMs' own contention triggers off (a load thread must not move files by itself). */
    private static void writeDeploy(Path work, boolean fleet) throws Exception {
        Path deploy = Files.createDirectories(work.resolve("deploy"));
        Files.write(deploy.resolve("swap.fcm.shared.cfg"), "self.swap=false\n".getBytes(StandardCharsets.UTF_8));
        Files.write(deploy.resolve("swap.fcm.distributed.cfg"), "self.swap=false\n".getBytes(StandardCharsets.UTF_8));
        // 5 platforms under load on a 2-core machine shared with other builds (load average 20 seen): a load call can stay
        // inside the FCM for more than the default 1 s quiescence timeout, which would roll a step back for that alone
        Files.write(deploy.resolve("swap.core.manager.cfg"), "timeout.millis=10000\n".getBytes(StandardCharsets.UTF_8));
        if (fleet) {
            joinFleet(work);
        }
    }

    private static void joinFleet(Path work) throws Exception {
        String node = work.getFileName().toString().substring("fleet-".length());
        String cfg = "connect=" + zk.getConnectString() + "\nnode=" + node + "\nlabels=it\nsession.timeout.millis=8000   # a node silent this long leaves the fleet (trailing comment: ignored)\n"
                + "lost.grace.millis=2000\npoll.millis=200\nreconcile.millis=" + RECONCILE_MILLIS + "\n";
        Path tmp = work.resolve("swap.fleet.cfg.tmp");
        Files.write(tmp, cfg.getBytes(StandardCharsets.UTF_8));
        Files.move(tmp, work.resolve("deploy/swap.fleet.cfg")); // whole, so FileInstall never reads half a file
    }

    /** Opens data.bin (fcm.shared), writes a marker beyond the load's span, starts one load thread; returns the entry id. */
    private static String openUnderLoad(String node, Console c) throws Exception {
        String opened = c.run("fcm:open -c data.bin");
        Matcher m = Pattern.compile("(?m)^entry (\\d+): .*data\\.bin \\(fcm\\.shared ").matcher(opened);
        assertTrue(node + ": " + opened, m.find());
        String id = m.group(1);
        c.run("fcm:write " + id + " " + MARKER_AT + " marker-" + node);
        String load = c.run("fcm:load " + id + " 1 3600");
        assertTrue(node + ": " + load, load.contains("running, 1 thread(s)"));
        return id;
    }

    @AfterClass
    public static void stopFleet() throws Exception {
        for (Console c : consoles.values()) {
            try {
                c.kill();
            } catch (Throwable t) {
                // stopping anyway
            }
        }
        if (zk != null) {
            zk.close();
        }
    }

    static int count(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    private static String implementationOf(String node) throws Exception {
        String list = consoles.get(node).run("swap:list");
        String row = ShellCommandsIT.row(list, entries.get(node));
        return row.split("\\|")[2];
    }

    private static void assertLoadClean(String node) throws Exception {
        String stats = consoles.get(node).run("swap:stats " + entries.get(node));
        Matcher m = Pattern.compile("(?m)^load\\s+running, 1 thread\\(s\\) for 3600 s, (\\d+) reads, (\\d+) writes, (\\d+) errors").matcher(stats);
        assertTrue(node + ": " + stats, m.find());
        assertEquals(node + ": load errors\n" + stats, "0", m.group(3));
        assertTrue(node + ": the load runs\n" + stats, Long.parseLong(m.group(1)) > 0);
    }

    /** Polls fleet:status ID on node1 until the rollout has ended; returns the status. */
    private static String awaitEnd(String id) throws Exception {
        return awaitEnd(consoles.get("node1"), id);
    }

    private static String awaitEnd(Console driver, String id) throws Exception {
        String s = "";
        for (int i = 0; i < 600; i++) {
            s = driver.run("fleet:status " + id);
            if (s.matches("(?s)rollout " + id + ": (COMPLETED|ROLLED_BACK|ABORTED|NO_OP).*")) {
                return s;
            }
            Thread.sleep(200);
        }
        fail("rollout " + id + " did not end:\n" + s);
        return s;
    }

    private static String awaitState(String id, String regex) throws Exception {
        return awaitState(consoles.get("node1"), id, regex);
    }

    private static String awaitState(Console driver, String id, String regex) throws Exception {
        String s = "";
        for (int i = 0; i < 600; i++) {
            s = driver.run("fleet:status " + id);
            if (Pattern.compile(regex).matcher(s).find()) {
                return s;
            }
            Thread.sleep(100);
        }
        fail("rollout " + id + " never matched " + regex + ":\n" + s);
        return s;
    }

    /** ZooKeeper's four-letter command {@code srvr} (whitelisted in {@link #startFleet}): the server's mode, among others. */
    private static String srvr(int port) {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
            s.getOutputStream().write("srvr".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        } catch (java.io.IOException e) {
            return "";
        }
    }

    private static String start(String command) throws Exception {
        return start(consoles.get("node1"), command);
    }

    private static String start(Console driver, String command) throws Exception {
        String out = driver.run(command);
        Matcher m = ID.matcher(out);
        assertTrue(out, m.find());
        return m.group(1);
    }

    @Test
    public void t1_aNewFcmBundleRollsOutToAllNodes() throws Exception {
        String out = consoles.get("node1").run("fleet:rollout --wait -g 2 -t 90 swap fcm.shared fcm.example " + Console.bundle("example.fcm"));
        System.out.println(out);
        assertTrue(out, out.startsWith("rollout r-"));
        assertTrue(out, out.contains(": COMPLETED "));
        assertTrue(out, out.contains("reason: 5 of 5 node(s) OK"));
        assertEquals(out, NODES, count(out, "(?m)^\\s+node\\d  OK: moved 1 entry to fcm\\.example 1\\.0\\.0; gate: \\d+ calls, 0 thrown"));
        Matcher m = ID.matcher(out);
        assertTrue(m.find());
        completed.add(m.group(1));
        for (String node : consoles.keySet()) {
            assertEquals(node, "fcm.example", implementationOf(node));
            assertLoadClean(node);
        }
    }

    /** Fault injection: fcm.flaky's import fails on {@code node} while the returned file exists. */
    private static Path failOn(String node) throws Exception {
        return Files.write(consoles.get(node).work.resolve("fail-import"), new byte[0]);
    }

    @Test
    public void t2_aVersionThatFailsOnNode3RollsBackEveryNode() throws Exception {
        Path fail = failOn("node3");
        String out = consoles.get("node1").run("fleet:rollout --wait -g 2 -w 1 -t 90 swap fcm.example fcm.flaky " + Console.bundle("flaky"));
        Files.delete(fail);
        System.out.println(out);
        assertTrue(out, out.contains(": ROLLED_BACK "));
        assertTrue(out, Pattern.compile("reason: 1 node\\(s\\) failed, 0 allowed: node3: the batch ROLLED_BACK: .*injected").matcher(out).find());
        assertTrue(out, Pattern.compile("(?m)^\\s+node1  OK: moved 1 entry to fcm\\.flaky").matcher(out).find());
        assertTrue(out, Pattern.compile("(?m)^\\s+node2  OK: moved 1 entry to fcm\\.flaky").matcher(out).find());
        assertTrue(out, Pattern.compile("(?m)^\\s+node3  FAILED: ").matcher(out).find());
        String rollback = out.substring(out.indexOf("roll-back:"));
        assertTrue(out, Pattern.compile("(?m)^\\s+node1  OK: returned 1 entry, uninstalled bundle \\d+").matcher(rollback).find());
        assertTrue(out, Pattern.compile("(?m)^\\s+node2  OK: returned 1 entry, uninstalled bundle \\d+").matcher(rollback).find());
        assertTrue(out, Pattern.compile("(?m)^\\s+node3  OK: nothing to roll back").matcher(rollback).find());
        assertFalse("node4 and node5 were never asked:\n" + out, out.contains("node4  OK") || out.contains("node5  OK"));
        for (String node : consoles.keySet()) {
            assertEquals(node, "fcm.example", implementationOf(node));
            String lb = consoles.get(node).run("lb -s swap.disttest.flaky");
            assertFalse(node + ": the test bundle is gone\n" + lb, lb.contains("|swap.disttest.flaky"));
            assertLoadClean(node);
        }
    }

    @Test
    public void t3_aNodeKilledMidRolloutIsLostThenCaughtUpWhenItReturns() throws Exception {
        String id = start("fleet:rollout -g 2 -w 1 -t 90 swap fcm.example fcm.distributed");
        awaitState(id, "WAVE 1: asked node2");
        Console dead = consoles.remove("node4");
        dead.kill();
        String s = awaitEnd(id);
        System.out.println(s);
        assertTrue(s, s.contains(": COMPLETED "));
        assertTrue(s, Pattern.compile("(?m)^\\s+node4  LOST: left the fleet during its step").matcher(s).find()
                || Pattern.compile("(?m)^\\s+node4  LOST: left the fleet before its step was asked").matcher(s).find());
        assertTrue(s, s.contains("reason: 4 of 5 node(s) OK"));
        completed.add(id);
        for (String node : consoles.keySet()) {
            assertEquals(node, "fcm.distributed", implementationOf(node));
        }

        // node4 comes back: a fresh platform (the old version: fcm.shared), a file open under load, then it joins
        Console back = comeBack("node4", "fcm.distributed");
        // brought there by its reconcile (desired state) or by the rollouts' catch-up steps, whichever ran first
        String history = back.run("swap:history");
        assertTrue(history, history.contains("fleet reconcile: desired revision") || history.contains("fleet rollout " + id));
        String late = awaitState(id, "(?m)^\\s+node4  (OK: moved 1 entry to fcm\\.distributed|NO-OP: no entry matches fcm\\.example here)");
        assertTrue(late, late.contains("late joiners:"));
        System.out.println(late);
        assertLoadClean("node4");
    }

    /**
     * Restarts a killed node as a fresh platform (the old version: fcm.shared) with a file open under
     * load, then lets it join; waits until the fleet has brought its file to {@code target}.
     */
    private static Console comeBack(String node, String target) throws Exception {
        Path work = Console.scratch("fleet-" + node);
        writeDeploy(work, false);
        Console back = Console.start(work);
        consoles.put(node, back);
        entries.put(node, openUnderLoad(node, back));
        joinFleet(work);
        String impl = "";
        for (int i = 0; i < 240 && !impl.equals(target); i++) {
            Thread.sleep(250);
            impl = implementationOf(node);
        }
        assertEquals(node + " brought to the target of every completed rollout, in order", target, impl);
        // caught up one rollout at a time, oldest first: the newest one's report comes last
        awaitState(consoles.entrySet().stream().filter(e -> !e.getKey().equals(node)).findFirst().orElseThrow().getValue(),
                completed.get(completed.size() - 1), "(?m)late joiners:(\\n\\s+node\\d  .*)*\\n\\s+" + node + "  (OK|NO-OP): ");
        assertEquals(node, target, implementationOf(node));
        return back;
    }

    @Test
    public void t3b_theCoordinatorKilledMidRolloutIsSucceededAndTheRolloutCompletes() throws Exception {
        Console any = consoles.values().iterator().next();
        Matcher c = Pattern.compile("(?m)^\\*?C\\s+(node\\d)\\s").matcher(any.run("fleet:nodes"));
        assertTrue(c.find());
        String victim = c.group(1);
        Console driver = consoles.entrySet().stream().filter(e -> !e.getKey().equals(victim)).findFirst().orElseThrow().getValue();
        String id = start(driver, "fleet:rollout -g 2 -w 1 -t 90 swap fcm.distributed fcm.example");
        awaitState(driver, id, "WAVE 1: asked node2");
        consoles.remove(victim).kill();
        String s = awaitEnd(driver, id);
        System.out.println("killed the coordinator " + victim + " during wave 1:\n" + s);
        assertTrue(s, s.contains(": COMPLETED "));
        String nodes = driver.run("fleet:nodes");
        assertTrue("another node coordinates:\n" + nodes, Pattern.compile("(?m)^\\*?C\\s+node\\d").matcher(nodes).find() && !nodes.contains(victim));
        assertTrue(s, Pattern.compile("(?m)^\\s+" + victim + "  (OK: moved 1 entry|LOST: left the fleet)").matcher(s).find());
        completed.add(id);
        for (String node : consoles.keySet()) {
            assertEquals(node, "fcm.example", implementationOf(node));
            assertLoadClean(node);
        }
        comeBack(victim, "fcm.example");
        assertLoadClean(victim);
    }

    @Test
    public void t4_theZooKeeperLeaderKilledMidRolloutLosesNothingAndRunsNothingTwice() throws Exception {
        String id = start("fleet:rollout -g 2 -w 1 -t 90 swap fcm.example fcm.shared");
        awaitState(id, "WAVE 1: asked node2");
        InstanceSpec leader = null;
        for (InstanceSpec server : zk.getInstances()) {
            if (srvr(server.getPort()).contains("Mode: leader")) {
                leader = server;
            }
        }
        assertTrue("a leader among " + zk.getServers().size() + " servers", leader != null);
        assertTrue(zk.killServer(leader));
        String s = awaitEnd(id);
        System.out.println("killed the ZooKeeper leader (port " + leader.getPort() + ") during wave 1:\n" + s);
        assertTrue(s, s.contains(": COMPLETED "));
        assertTrue(s, s.contains("reason: 5 of 5 node(s) OK"));
        for (String node : consoles.keySet()) {
            assertEquals(node, "fcm.shared", implementationOf(node));
            String history = consoles.get(node).run("swap:history 100");
            assertEquals(node + " applied the step once:\n" + history, 1, count(history, Pattern.quote("fleet rollout " + id)));
            assertLoadClean(node);
        }
    }

    @Test
    public void t5_anUpgradeRolloutMovesEveryNodeToTheNewBundleVersion() throws Exception {
        // every node has swap.example.fcm 0.1.0 (the first rollout installed it, the late joiner caught up): back onto it
        String out = consoles.get("node1").run("fleet:rollout --wait -g 0 -w '100%' -t 90 swap fcm.shared fcm.example");
        assertTrue(out, out.contains(": COMPLETED "));
        System.out.println(out);
        // a new version of that bundle, side by side on every node: one URL all nodes reach
        Path v2 = Console.scratch("fleet-bundles").resolve("swap.example.fcm-0.1.1.jar");
        withVersion(Path.of(new java.net.URI(Console.bundle("example.fcm"))), v2, "0.1.1");
        out = consoles.get("node1").run("fleet:rollout --wait -g 2 -t 90 upgrade swap.example.fcm " + v2.toUri());
        System.out.println(out);
        assertTrue(out, out.contains(": COMPLETED "));
        assertTrue(out, out.contains("reason: 5 of 5 node(s) OK"));
        assertEquals(out, NODES, count(out, "(?m)^\\s+node\\d  OK: upgraded swap\\.example\\.fcm 0\\.1\\.0\\.SNAPSHOT -> 0\\.1\\.1, 1 entry moved; gate: \\d+ calls, 0 thrown"));
        for (String node : consoles.keySet()) {
            String lb = consoles.get(node).run("lb -s swap.example.fcm");
            assertTrue(node + ": only the new version\n" + lb, lb.contains("(0.1.1)") && !lb.contains("0.1.0.SNAPSHOT"));
            assertEquals(node, "fcm.example", implementationOf(node));
            assertLoadClean(node);
        }
    }

    @Test
    public void t5b_anUpgradeThatFailsOnNode3IsDowngradedEverywhere() throws Exception {
        // every file onto fcm.flaky (bundle swap.disttest.flaky 0.1.0), then a new version of that bundle, failing on node3
        String out = consoles.get("node1").run("fleet:rollout --wait -g 0 -w '100%' -t 90 swap fcm.example fcm.flaky " + Console.bundle("flaky"));
        assertTrue(out, out.contains(": COMPLETED "));
        Path v2 = Console.scratch("fleet-bundles-2").resolve("swap.disttest.flaky-0.1.1.jar");
        withVersion(Path.of(new java.net.URI(Console.bundle("flaky"))), v2, "0.1.1");
        Path fail = failOn("node3");
        out = consoles.get("node1").run("fleet:rollout --wait -g 2 -w 1 -t 90 upgrade swap.disttest.flaky " + v2.toUri());
        Files.delete(fail);
        System.out.println(out);
        assertTrue(out, out.contains(": ROLLED_BACK "));
        assertTrue(out, Pattern.compile("(?m)^\\s+node3  FAILED: upgrade ").matcher(out).find());
        String rollback = out.substring(out.indexOf("roll-back:"));
        for (String node : List.of("node1", "node2")) {
            assertTrue(out, Pattern.compile("(?m)^\\s+" + node + "  OK: downgraded to file:").matcher(rollback).find());
        }
        for (String node : consoles.keySet()) {
            String lb = consoles.get(node).run("lb -s swap.disttest.flaky");
            assertTrue(node + ": back on the old version only\n" + lb, lb.contains("0.1.0.SNAPSHOT") && !lb.contains("(0.1.1)"));
            assertEquals(node, "fcm.flaky", implementationOf(node));
            assertLoadClean(node);
        }
    }

    /** Polls swap:list on {@code node} until {@code entry} runs {@code impl}; returns the milliseconds it took. */
    private static long awaitImplementation(String node, String entry, String impl, long maxMillis) throws Exception {
        long t0 = System.nanoTime();
        String now = "";
        while ((System.nanoTime() - t0) / 1_000_000 < maxMillis) {
            String row = ShellCommandsIT.row(consoles.get(node).run("swap:list"), entry);
            now = row.split("\\|")[2];
            if (now.equals(impl)) {
                return (System.nanoTime() - t0) / 1_000_000;
            }
            Thread.sleep(100);
        }
        fail(node + ": entry " + entry + " still on " + now + " after " + maxMillis + " ms, not on the desired " + impl + "\n" + consoles.get(node).run("fleet:nodes"));
        return -1;
    }

    /** The desired state after t5b: fcm.example -> fcm.flaky (and the rules before it). */
    private static final String DESIRED = "fcm.flaky";

    @Test
    public void t5c_aRestartedNodeThatOpensItsFileAfterJoiningEndsOnTheDesiredImplementation() throws Exception {
        consoles.remove("node2").kill();
        Path work = Console.scratch("fleet-node2");
        writeDeploy(work, true); // the fleet's configuration first: the node joins before it has any entry
        Console back = Console.start(work);
        consoles.put("node2", back);
        String nodes = "";
        for (int i = 0; i < 120 && !Pattern.compile("(?m)^\\*\\S*\\s+node2 ").matcher(nodes).find(); i++) {
            Thread.sleep(250);
            nodes = back.run("fleet:nodes");
        }
        assertTrue("node2 joined:\n" + nodes, Pattern.compile("(?m)^\\*\\S*\\s+node2 ").matcher(nodes).find());
        entries.put("node2", openUnderLoad("node2", back)); // the file opened after joining, on fcm.shared
        // one reconcile period, plus the slack of 5 JVMs on 2 cores (installs and two swaps: shared -> example -> flaky)
        long took = awaitImplementation("node2", entries.get("node2"), DESIRED, RECONCILE_MILLIS + 27_000);
        System.out.println("node2, restarted, opened its file after joining: on " + DESIRED + " " + took + " ms later (reconcile period " + RECONCILE_MILLIS + " ms)");
        assertLoadClean("node2");
        String status = "";
        for (int i = 0; i < 100 && !Pattern.compile("(?m)^\\*\\S*\\s+node2 .* in line ").matcher(status).find(); i++) {
            Thread.sleep(100);
            status = back.run("fleet:nodes");
        }
        System.out.println(status);
        assertTrue(status, Pattern.compile("(?m)^\\*\\S*\\s+node2 .* in line ").matcher(status).find());
    }

    @Test
    public void t5d_aFileOpenedAfterARolloutLandsOnTheDesiredImplementation() throws Exception {
        Console c = consoles.get("node1");
        String opened = c.run("fcm:open -c later.bin");
        Matcher m = Pattern.compile("(?m)^entry (\\d+): .*later\\.bin \\(fcm\\.shared ").matcher(opened);
        assertTrue(opened, m.find());
        long took = awaitImplementation("node1", m.group(1), DESIRED, RECONCILE_MILLIS + 27_000);
        System.out.println("node1: a file opened after the rollouts on " + DESIRED + " " + took + " ms later");
        c.run("fcm:close " + m.group(1));
    }

    @Test
    public void t5e_aLocalSwapCannotUndoARollout() throws Exception {
        Console c = consoles.get("node3");
        String out = c.run("swap:swap " + entries.get("node3") + " fcm.shared");
        System.out.println(out);
        assertTrue(out, out.contains("pinned by fleet (node node3): desired state revision"));
        assertEquals(DESIRED, implementationOf("node3"));
        String journal = c.run("swap:journal");
        assertTrue(journal, journal.contains("pinned by fleet (node node3)"));
        assertLoadClean("node3");
    }

    @Test
    public void t5f_aSelectorTypoEndsNoOpAndWritesNoRevision() throws Exception {
        Console c = consoles.get("node1");
        String before = c.run("fleet:history");
        String out = c.run("fleet:rollout --wait -g 0 -w '100%' -t 90 swap fcm.flakky fcm.example");
        System.out.println(out);
        assertTrue(out, out.contains(": NO_OP "));
        assertTrue(out, out.contains("reason: nothing matched on any node (5 NO-OP)"));
        assertEquals(out, NODES, count(out, "(?m)^\\s+node\\d  NO-OP: no entry matches fcm\\.flakky here"));
        assertEquals("no revision written", before, c.run("fleet:history"));
        String bad = c.run("fleet:rollout -l nosuchlabel swap fcm.example fcm.shared");
        assertTrue(bad, bad.contains("fleet: no live node has the labels nosuchlabel"));
        bad = c.run("fleet:rollout swap fcm.example fcm.other file:/nonexistent/fcm-9.jar");
        assertTrue(bad, bad.contains("fleet: cannot read file:/nonexistent/fcm-9.jar from this node (no such file)"));
        assertEquals("nothing was created", before, c.run("fleet:history"));
    }

    @Test
    public void t5g_historyAndUndoAcrossAZooKeeperRestartFromItsDataDirectories() throws Exception {
        Console c = consoles.get("node1");
        String history = c.run("fleet:history");
        System.out.println(history);
        Matcher cur = Pattern.compile("current: revision (\\d+)").matcher(history);
        assertTrue(history, cur.find());
        int revision = Integer.parseInt(cur.group(1));
        assertTrue(history, history.contains("fleet:undo rolls out fcm.flaky -> fcm.example"));
        String id = start("fleet:undo -g 1 -t 90");
        awaitState(id, "(CANARY|WAVE 1): asked");
        // every ZooKeeper server stopped and started again from its data directory, mid-rollout
        for (InstanceSpec server : zk.getInstances()) {
            zk.killServer(server);
        }
        for (InstanceSpec server : zk.getInstances()) {
            zk.restartServer(server);
        }
        String s = awaitEnd(id);
        System.out.println("undo, with the ZooKeeper ensemble restarted from its data directories mid-rollout:\n" + s);
        assertTrue(s, s.contains(": COMPLETED "));
        assertTrue(s, s.contains("desired state revision " + (revision + 1)));
        String after = c.run("fleet:history");
        System.out.println(after);
        assertTrue(after, after.contains("current: revision " + (revision + 1)));
        assertTrue(after, after.contains("undo of revision " + revision));
        for (String node : consoles.keySet()) {
            assertEquals(node, "fcm.example", implementationOf(node));
            assertLoadClean(node);
        }
        String nodes = c.run("fleet:nodes");
        System.out.println(nodes);
    }

    /**
     * The fix feed on a fleet (issue 25): the feed configured on every node, an index in a directory (written by bnd's own
     * indexer) that gains a micro version of the bundle the nodes run; only the coordinator polls and turns the fix into one
     * upgrade rollout (canary, waves, gate), which moves every node; the journal of each node names the rollout, the feed and
     * the repository; every node's feed remembers the fix as taken; the loads saw no error.
     */
    @Test
    public void t5h_aFixInTheFeedsIndexIsRolledOutByTheCoordinatorAloneAsOneRollout() throws Exception {
        long t0 = System.nanoTime();
        for (String node : consoles.keySet()) { // t5's upgrade (and, on the restarted nodes, the desired state) put 0.1.1 everywhere
            String lb = consoles.get(node).run("lb -s swap.example.fcm");
            assertTrue(node + ": on swap.example.fcm 0.1.1\n" + lb, lb.contains("(0.1.1)"));
        }
        Path fixes = Console.scratch("fleet-fixes");
        Path example = Path.of(new java.net.URI(Console.bundle("example.fcm")));
        Path current = fixes.resolve("swap.example.fcm-0.1.1.jar");
        withVersion(example, current, "0.1.1");
        Path index = fixes.resolve("index.xml");
        index(index, current); // nothing newer than what runs, yet
        String cfg = "repositories=" + index.toUri() + "\npoll.seconds=2\nwatch.millis=1000\nfleet.canary=1\nfleet.waves=50%\n";
        for (Console c : consoles.values()) {
            Path tmp = c.work.resolve("swap.feed.cfg.tmp");
            Files.write(tmp, cfg.getBytes(StandardCharsets.UTF_8));
            Files.move(tmp, c.work.resolve("deploy/swap.feed.cfg"));
        }
        Matcher cm = Pattern.compile("(?m)^\\*?C\\s+(node\\d)\\s").matcher(consoles.get("node1").run("fleet:nodes"));
        assertTrue(cm.find());
        String coordinator = cm.group(1);
        for (Map.Entry<String, Console> e : consoles.entrySet()) {
            String expected = e.getKey().equals(coordinator) ? "on a fleet: this node (" + coordinator + ") is the coordinator: it polls"
                    : "on a fleet: the coordinator polls (node " + coordinator + ")";
            String status = "";
            for (int i = 0; i < 150 && !status.contains(expected); i++) {
                Thread.sleep(200);
                status = e.getValue().run("feed:status");
            }
            assertTrue(e.getKey() + ": " + expected + "\n" + status, status.contains(expected));
        }
        // the index gains a micro version of the running bundle
        Path fix = fixes.resolve("swap.example.fcm-0.1.2.jar");
        withVersion(example, fix, "0.1.2");
        index(index, current, fix);
        String cause = "feed: fix swap.example.fcm 0.1.2 from " + index.toUri();
        Pattern listed = Pattern.compile("(?m)^(r-\\d+)\\s+.*" + Pattern.quote(cause));
        String list = "";
        for (int i = 0; i < 150 && !listed.matcher(list).find(); i++) {
            Thread.sleep(200);
            list = consoles.get(coordinator).run("fleet:status");
        }
        Matcher lm = listed.matcher(list);
        assertTrue("the coordinator's feed started a rollout of the fix:\n" + list, lm.find());
        String id = lm.group(1);
        String s = awaitEnd(consoles.get(coordinator), id);
        System.out.println("the fix feed on a fleet (coordinator " + coordinator + "):\n" + s);
        assertTrue(s, s.contains(": COMPLETED "));
        assertTrue(s, s.contains("created on " + coordinator + " "));
        assertTrue(s, s.contains("initiator: feed; cause: " + cause));
        assertTrue(s, s.contains("reason: " + NODES + " of " + NODES + " node(s) OK"));
        assertTrue(s, s.contains("canary:") && s.contains("wave 1:") && s.contains("wave 2:"));
        assertEquals(s, NODES, count(s, "(?m)^\\s+node\\d  OK: upgraded swap\\.example\\.fcm 0\\.1\\.1 -> 0\\.1\\.2, 1 entry moved; gate: \\d+ calls, 0 thrown"));
        Thread.sleep(4_000); // two more polls of every feed: nothing takes the fix again, the coordinator included
        list = consoles.get("node1").run("fleet:status");
        assertEquals("one rollout of the fix:\n" + list, 1, count(list, Pattern.quote(cause)));
        for (Map.Entry<String, Console> e : consoles.entrySet()) {
            String node = e.getKey();
            Console c = e.getValue();
            String lb = c.run("lb -s swap.example.fcm");
            assertTrue(node + ": only the fix\n" + lb, lb.contains("(0.1.2)") && !lb.contains("(0.1.1)"));
            assertEquals(node, "fcm.example", implementationOf(node));
            String journal = c.run("swap:journal 40");
            assertTrue(node + ": journaled with the rollout, the feed and the repository\n" + journal, journal.contains("fleet rollout " + id + ": " + cause));
            String status = c.run("feed:status");
            assertTrue(node + ": the feed remembers the fix as taken by the rollout\n" + status,
                    status.contains("taken swap.example.fcm@0.1.2: fleet rollout " + id + " COMPLETED"));
            String console = c.transcript();
            if (node.equals(coordinator)) {
                assertTrue(node + ": " + console, console.contains("swap: feed: rolling out swap.example.fcm 0.1.1"));
            } else {
                assertTrue(node + ": " + console, console.contains("swap: feed: on a fleet: the coordinator polls (node " + coordinator + ")"));
                assertFalse(node + " took nothing by itself: " + console, console.contains("swap: feed: rolling out") || console.contains("swap: feed: took "));
            }
            assertLoadClean(node);
        }
        System.out.println("fix feed step: " + (System.nanoTime() - t0) / 1_000_000 + " ms");
    }

    /** Writes an OSGi Repository index of {@code jars} with bnd's own indexer (what {@code bnd index} and the bnd indexer Maven plugin run), whole. */
    private static void index(Path index, Path... jars) throws Exception {
        Path tmp = index.resolveSibling(index.getFileName() + ".tmp");
        new aQute.bnd.osgi.repository.SimpleIndexer().files(java.util.Arrays.stream(jars).map(Path::toFile).toList()).base(index.getParent().toUri())
                .name("fixes").index(tmp.toFile());
        Files.move(tmp, index, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** Copies a bundle with another Bundle-Version (a new version of the same code, as a plug-in author would release it). */
    static void withVersion(Path from, Path to, String version) throws Exception {
        try (java.util.jar.JarInputStream in = new java.util.jar.JarInputStream(Files.newInputStream(from))) {
            java.util.jar.Manifest m = new java.util.jar.Manifest(in.getManifest());
            m.getMainAttributes().putValue("Bundle-Version", version);
            try (java.util.jar.JarOutputStream out = new java.util.jar.JarOutputStream(Files.newOutputStream(to), m)) {
                for (java.util.jar.JarEntry e; (e = in.getNextJarEntry()) != null;) {
                    out.putNextEntry(new java.util.jar.JarEntry(e.getName()));
                    in.transferTo(out);
                    out.closeEntry();
                }
            }
        }
    }

    @Test
    public void t6_theFilesAreIntactOnDisk() throws Exception {
        for (Map.Entry<String, Console> e : consoles.entrySet()) {
            String node = e.getKey();
            Console c = e.getValue();
            String id = entries.get(node);
            assertLoadClean(node);
            assertEquals("marker-" + node, c.run("fcm:read " + id + " " + MARKER_AT + " " + ("marker-" + node).length()));
            c.run("fcm:close " + id);
            byte[] file = Files.readAllBytes(c.work.resolve("data.bin"));
            assertEquals(node, "marker-" + node, new String(file, (int) MARKER_AT, ("marker-" + node).length(), StandardCharsets.UTF_8));
            // fcm:load writes whole 64-byte records of one letter: a torn or mixed record would be a lost write
            for (int r = 0; r < (1 << 20) / 64; r++) {
                byte first = file[r * 64];
                for (int k = 1; k < 64; k++) {
                    if (file[r * 64 + k] != first) {
                        fail(node + ": record " + r + " is torn at byte " + k);
                    }
                }
                assertTrue(node + ": record " + r, first == 0 || first >= 'a' && first <= 'z');
            }
        }
    }
}
