package swap.fleet.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryNTimes;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.CreateMode;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

import swap.api.Entry;
import swap.api.EntryDTO;
import swap.fleet.internal.FleetStepTrustTest.Tally;
import swap.fleet.internal.FleetStepTrustTest.ValueTally;
import swap.fleet.internal.Rollout.State;
import swap.kernel.Engine;
import swap.kernel.StandaloneSource;

/**
 * The desired state and each node's continuous reconcile, with real parts: a ZooKeeper server
 * whose data directory is on disk (kept, so a restart finds it), and per node a real standalone
 * {@link Engine} with stateful entries, the real step runner ({@link FrameworkSteps}) and the real
 * {@link Reconciler}. The test drives the coordinator's and agents' ticks itself.
 */
public class DesiredStateTest {
    private File dataDir;
    private int port;
    private TestingServer server;
    private CuratorFramework admin;
    private FleetStore store;
    private Coordinator coordinator;
    private final Map<String, Node> nodes = new LinkedHashMap<>();

    /** One framework: its engine, entries and agent. */
    final class Node {
        final String name;
        final StandaloneSource source = new StandaloneSource();
        final Engine engine;
        final CuratorFramework zk;
        final Agent agent;
        final List<Entry<Tally>> entries = new ArrayList<>();
        final FleetPin pin;

        Node(String name) throws Exception {
            this.name = name;
            source.add(Tally.class, "tally.a", "1.0.0", ValueTally::new);
            source.add(Tally.class, "tally.b", "2.0.0", ValueTally::new);
            engine = new Engine(source);
            zk = client();
            String inc = name + "-" + System.nanoTime();
            zk.create().creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL)
                    .forPath(FleetStore.NODES + "/" + name, FleetStore.memberData(Set.of(), inc, "localhost", 1, System.currentTimeMillis()));
            // the pin as Fleet registers it: the test's thread plays the agent's (its swaps are the fleet's own)
            pin = new FleetPin(name, Thread.currentThread());
            engine.pins().add(pin);
            agent = new Agent(new FleetStore(zk), name, inc, Set.of(), new FrameworkSteps(null, engine, null, 1_000), m -> { })
                    .reconciler(new Reconciler(engine, null, null)).pin(pin);
        }

        /** A new entry on tally.a that has counted to {@code n}. */
        Entry<Tally> create(int n) {
            Entry<Tally> e = engine.create(Tally.class, "tally.a");
            for (int i = 0; i < n; i++) {
                e.handle().add();
            }
            entries.add(e);
            return e;
        }

        void assertAllOn(String impl, String when) {
            for (int i = 0; i < entries.size(); i++) {
                EntryDTO d = entries.get(i).describe();
                assertEquals(name + " " + when + ": entry " + d.id, impl, d.implementation);
            }
        }

        void close() {
            zk.close();
            engine.shutdown();
        }
    }

    private CuratorFramework client() {
        CuratorFramework c = CuratorFrameworkFactory.builder().connectString("127.0.0.1:" + port).sessionTimeoutMs(10_000)
                .connectionTimeoutMs(4000).retryPolicy(new RetryNTimes(50, 200)).namespace("test-desired").build();
        c.start();
        return c;
    }

    private TestingServer startServer() throws Exception {
        // data on disk, kept on close: a restart from the same directory finds everything
        return new TestingServer(new InstanceSpec(dataDir, port, -1, -1, false, 1, -1, -1, null, "127.0.0.1"), true);
    }

    @Before
    public void start() throws Exception {
        dataDir = Files.createTempDirectory("zk-desired").toFile();
        port = InstanceSpec.getRandomPort();
        server = startServer();
        admin = client();
        store = new FleetStore(admin);
        coordinator = new Coordinator(store, 300, m -> { });
        for (int i = 1; i <= 3; i++) {
            nodes.put("n" + i, new Node("n" + i));
        }
    }

    @After
    public void stop() throws Exception {
        for (Node n : nodes.values()) {
            n.close();
        }
        admin.close();
        server.close();
        try (var files = Files.walk(dataDir.toPath())) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }

    private Rollout swap(String from, String to) {
        Rollout r = new Rollout();
        r.action = Rollout.SWAP;
        r.select = from;
        r.target = to;
        r.watchMillis = 0;
        r.waves = "1";
        return r;
    }

    /** Ticks coordinator and agents (steps only) until the rollout has ended. */
    private Rollout run(Rollout r) throws Exception {
        r.created = System.currentTimeMillis();
        String id = store.create(r);
        for (int i = 0; i < 500; i++) {
            coordinator.tick();
            for (Node n : nodes.values()) {
                n.agent.tick();
            }
            Rollout now = store.read(id).orElseThrow().rollout();
            if (now.state.terminal()) {
                return now;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("rollout " + id + " did not end: " + store.read(id).orElseThrow().rollout());
    }

    private long swapsIn(Node n) {
        return n.engine.history(100_000).size();
    }

    @Test
    public void aCompletedRolloutWritesARevisionAndAnEntryCreatedLaterLandsOnItsTarget() throws Exception {
        for (Node n : nodes.values()) {
            n.create(10);
        }
        Rollout r = run(swap("tally.a", "tally.b"));
        assertEquals(r.reason, State.COMPLETED, r.state);
        assertEquals(1, r.revision);
        DesiredState d = store.desired();
        assertEquals(1, d.revision);
        assertEquals("tally.a -> tally.b", d.rules.get(0).what());
        for (Node n : nodes.values()) {
            n.assertAllOn("tally.b", "after the rollout");
        }
        // an entry created after the rollout, on every node: one reconcile brings it to the target, state carried
        for (Node n : nodes.values()) {
            Entry<Tally> late = n.create(7);
            Reconciler.Report rep = n.agent.reconcile();
            assertEquals(rep.toString(), Reconciler.CONVERGING, rep.state());
            assertEquals(1, rep.moved());
            assertEquals("tally.b", late.describe().implementation);
            assertEquals("state carried", 7, late.handle().get());
            long before = swapsIn(n);
            rep = n.agent.reconcile();
            assertEquals(rep.toString(), Reconciler.IN_LINE, rep.state());
            assertEquals("a reconcile with nothing to do sends no swap", before, swapsIn(n));
            assertEquals(Reconciler.IN_LINE, store.status(n.name).getProperty("state"));
        }
    }

    @Test
    public void aNodeThatJoinsAndCreatesItsEntriesAfterwardsEndsOnTheDesiredImplementation() throws Exception {
        nodes.get("n1").create(3);
        assertEquals(State.COMPLETED, run(swap("tally.a", "tally.b")).state);
        Node late = new Node("n4"); // restarted / new: joins with no entry
        nodes.put("n4", late);
        Reconciler.Report rep = late.agent.reconcile(); // at join: nothing yet
        assertEquals(rep.toString(), Reconciler.IN_LINE, rep.state());
        Entry<Tally> e = late.create(5); // created after joining (issue 27, item 1)
        rep = late.agent.reconcile(); // the next reconcile (event or period)
        assertEquals(1, rep.moved());
        assertEquals("tally.b", e.describe().implementation);
        assertEquals(5, e.handle().get());
    }

    @Test
    public void anEntryMovedAwayLocallyIsMovedBackAndReportedUntilInLine() throws Exception {
        Node n1 = nodes.get("n1");
        Entry<Tally> e = n1.create(4);
        assertEquals(State.COMPLETED, run(swap("tally.a", "tally.b")).state);
        n1.engine.swap(e.id(), "tally.a", "a local trigger").toCompletableFuture().join(); // a local policy moves it back
        Reconciler.Report rep = n1.agent.reconcile();
        assertEquals(Reconciler.CONVERGING, rep.state());
        assertEquals("tally.b", e.describe().implementation);
        assertEquals(4, e.handle().get());
        assertEquals(Reconciler.IN_LINE, n1.agent.reconcile().state());
    }

    /** A swap requested on another thread than the fleet's (an object trigger, a policy, the shell). */
    private static swap.api.SwapResult localSwap(Node n, long id, String target) throws Exception {
        java.util.concurrent.CompletableFuture<swap.api.SwapResult> f = new java.util.concurrent.CompletableFuture<>();
        Thread t = new Thread(() -> f.complete(n.engine.swap(id, target, "one thread alone for 250 ms").toCompletableFuture().join()), "local-trigger");
        t.start();
        return f.get();
    }

    /** Issue 27 item 2: a local trigger does not undo a completed rollout; the refusal names the pin's owner and why. */
    @Test
    public void aLocalTriggerCannotUndoACompletedRollout() throws Exception {
        Node n1 = nodes.get("n1");
        Entry<Tally> e = n1.create(6);
        assertEquals(State.COMPLETED, run(swap("tally.a", "tally.b")).state);
        n1.agent.reconcile(); // the pin learns the revision (Fleet reconciles at once when a rollout ends)
        long before = swapsIn(n1);
        swap.api.SwapResult r = localSwap(n1, e.id(), "tally.a");
        assertEquals(r.reason, swap.api.SwapOutcome.REFUSED, r.outcome);
        assertTrue(r.reason, r.reason.startsWith("entry " + e.id() + " is pinned by fleet (node n1): desired state revision 1 says tally.a -> tally.b"));
        assertTrue(r.reason, r.reason.endsWith("; the entry stays on tally.b 2.0.0"));
        assertEquals("tally.b", e.describe().implementation);
        assertEquals(6, e.handle().get());
        assertEquals("a refusal is no swap", before, swapsIn(n1));
        // onto the desired target (e.g. rejuvenation, an in-place upgrade) stays allowed
        assertEquals(swap.api.SwapOutcome.COMPLETED, localSwap(n1, e.id(), "tally.b").outcome);
        assertEquals(6, e.handle().get());
    }

    /** "Policy decides": the rollout's entries may be moved by local policies, and the reconcile leaves them where the policy put them. */
    @Test
    public void withPolicyDecidesALocalPolicyMovesTheEntryAndTheReconcileLeavesIt() throws Exception {
        Node n1 = nodes.get("n1");
        Entry<Tally> e = n1.create(8);
        Rollout p = swap("tally.a", "tally.b");
        p.policyDecides = true;
        Rollout done = run(p);
        assertEquals(State.COMPLETED, done.state);
        assertTrue(store.desired().rules.get(0).what(), store.desired().rules.get(0).what().endsWith("policy decides"));
        n1.agent.reconcile();
        swap.api.SwapResult r = localSwap(n1, e.id(), "tally.a");
        assertEquals(r.reason, swap.api.SwapOutcome.COMPLETED, r.outcome);
        long before = swapsIn(n1);
        Reconciler.Report rep = n1.agent.reconcile();
        assertEquals(rep.toString(), Reconciler.IN_LINE, rep.state());
        assertEquals(before, swapsIn(n1));
        assertEquals("tally.a", e.describe().implementation);
        assertEquals(8, e.handle().get());
    }

    @Test
    public void aSelectorThatMatchesNothingAnywhereIsNoOpAndDoesNotJoinTheDesiredState() throws Exception {
        for (Node n : nodes.values()) {
            n.create(1);
        }
        Rollout r = run(swap("tally.flakky", "tally.b"));
        assertEquals(r.reason, State.NO_OP, r.state);
        assertTrue(r.reason, r.reason.startsWith("nothing matched on any node (3 NO-OP)"));
        for (String s : r.status.values()) {
            assertTrue(s, s.startsWith("NO-OP: no entry matches tally.flakky here"));
        }
        assertEquals("no revision written", 0, store.desired().revision);
        assertEquals(List.of(), store.revisions());
    }

    @Test
    public void undoReturnsEveryNodeToThePreviousDesiredStateWithItsEntriesState() throws Exception {
        for (Node n : nodes.values()) {
            n.create(20);
        }
        assertEquals(State.COMPLETED, run(swap("tally.a", "tally.b")).state);
        DesiredState current = store.desired();
        Rollout u = swap(current.change.target, current.change.select);
        u.undoOf = current.revision;
        Rollout done = run(u);
        assertEquals(done.reason, State.COMPLETED, done.state);
        DesiredState after = store.desired();
        assertEquals(2, after.revision);
        assertEquals("the rules of revision 0: none", 0, after.rules.size());
        assertTrue(after.cause, after.cause.startsWith("undo of revision 1"));
        for (Node n : nodes.values()) {
            n.assertAllOn("tally.a", "after the undo");
            assertEquals(20, n.entries.get(0).handle().get());
            long before = swapsIn(n);
            assertEquals(Reconciler.IN_LINE, n.agent.reconcile().state());
            assertEquals(before, swapsIn(n));
        }
        assertEquals(List.of(1, 2), store.revisions());
    }

    /** A rollout back to a target an earlier rollout installed keeps that bundle URL (a node that joins later installs it from there). */
    @Test
    public void aRuleReplacingAnotherKeepsTheBundleUrlItsTargetCameFrom() {
        DesiredState.Rule first = new DesiredState.Rule();
        first.select = "fcm.shared";
        first.target = "fcm.example";
        first.install = "file:/opt/fcm-example.jar";
        DesiredState d = DesiredState.empty().with(first, "r0", "r-0", "n1", 1);
        DesiredState.Rule back = new DesiredState.Rule();
        back.select = "fcm.example";
        back.target = "fcm.shared";
        d = d.with(back, "r1", "r-1", "n1", 2);
        assertEquals("the exact reverse replaces it", 1, d.rules.size());
        DesiredState.Rule again = new DesiredState.Rule();
        again.select = "fcm.shared";
        again.target = "fcm.example";
        d = d.with(again, "r2", "r-2", "n1", 3);
        assertEquals(1, d.rules.size());
        assertEquals("fcm.shared -> fcm.example (from file:/opt/fcm-example.jar)", d.rules.get(0).what());
        assertEquals(3, d.revision);
        DesiredState copy = DesiredState.fromBytes(d.toBytes());
        assertEquals(d.rules.get(0).what(), copy.rules.get(0).what());
        assertEquals("r-2", copy.rollout);
        assertEquals(java.util.Map.of("fcm.example", "file:/opt/fcm-example.jar"), copy.sources);
    }

    @Test
    public void laterRulesDecideSoOppositeRolloutsNeverMoveAnEntryInACircle() throws Exception {
        Node n1 = nodes.get("n1");
        n1.create(2);
        assertEquals(State.COMPLETED, run(swap("tally.a", "tally.b")).state);
        assertEquals(State.COMPLETED, run(swap("tally.b", "tally.a")).state);
        assertEquals("B -> A replaced A -> B", 1, store.desired().rules.size());
        n1.assertAllOn("tally.a", "after two opposite rollouts");
        long before = swapsIn(n1);
        assertEquals(Reconciler.IN_LINE, n1.agent.reconcile().state());
        assertEquals(before, swapsIn(n1));
    }

    @Test
    public void zooKeeperRestartedFromItsDataDirectoryMidRolloutKeepsTheRolloutAndTheDesiredState() throws Exception {
        for (Node n : nodes.values()) {
            n.create(9);
        }
        assertEquals(State.COMPLETED, run(swap("tally.a", "tally.b")).state);
        Rollout r = swap("tally.b", "tally.a");
        r.created = System.currentTimeMillis();
        String id = store.create(r);
        coordinator.tick(); // canary asked
        nodes.get("n1").agent.tick(); // canary applied
        server.close(); // data kept on disk
        server = startServer(); // same directory, same port
        Rollout mid = store.read(id).orElseThrow().rollout();
        assertEquals(State.CANARY, mid.state);
        assertEquals(1, store.desired().revision);
        for (int i = 0; i < 500 && !store.read(id).orElseThrow().rollout().state.terminal(); i++) {
            coordinator.tick();
            for (Node n : nodes.values()) {
                n.agent.tick();
            }
            Thread.sleep(10);
        }
        Rollout end = store.read(id).orElseThrow().rollout();
        assertEquals(end.reason, State.COMPLETED, end.state);
        assertEquals(2, store.desired().revision);
        for (Node n : nodes.values()) {
            n.assertAllOn("tally.a", "after the rollout across the restart");
            assertEquals(9, n.entries.get(0).handle().get());
        }
    }

    /**
     * Reconcile cost: 10,000 entries in line. Prints the time of one pass (no threshold: a figure,
     * measured on whatever machine runs the test) and checks that it sends no swap.
     */
    @Test
    public void tenThousandEntriesInLineReconcileWithoutASwap() throws Exception {
        Node n1 = nodes.get("n1");
        n1.create(1);
        assertEquals(State.COMPLETED, run(swap("tally.a", "tally.b")).state);
        for (int i = 0; i < 10_000; i++) {
            n1.engine.create(Tally.class, "tally.b");
        }
        long before = swapsIn(n1);
        long best = Long.MAX_VALUE;
        long bestReconciler = Long.MAX_VALUE;
        Reconciler.Report rep = null;
        for (int i = 0; i < 5; i++) {
            long t0 = System.nanoTime();
            rep = n1.agent.reconcile();
            best = Math.min(best, System.nanoTime() - t0);
            bestReconciler = Math.min(bestReconciler, rep.micros());
            assertEquals(rep.toString(), Reconciler.IN_LINE, rep.state());
        }
        assertEquals(10_001, rep.governed());
        assertEquals("no swap sent", before, swapsIn(n1));
        System.out.printf("reconcile of %d entries in line, best of 5 passes: %.1f ms for the agent's pass (two ZooKeeper reads included), %.1f ms for the reconciler alone%n",
                rep.entries(), best / 1e6, bestReconciler / 1e3);
    }
}
