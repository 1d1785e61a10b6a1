package swap.fleet.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryNTimes;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.CreateMode;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

import swap.fleet.internal.Rollout.State;

/**
 * The rollout protocol (coordinator and agents) against a real ZooKeeper server in this JVM
 * (Curator's {@link TestingServer}): waves in order, fleet-wide roll-back, abort, a node that dies,
 * a coordinator that changes, a late joiner, a lost report, a restarted server. The nodes' local
 * step is a {@link Recorder} (no framework here: {@code FleetIT} runs the real distribution); the
 * test ticks the coordinator and every agent itself, so the interleavings are the test's.
 */
public class RolloutProtocolTest {
    private TestingServer server;
    private final Map<String, Node> nodes = new LinkedHashMap<>();
    private final List<String> events = Collections.synchronizedList(new ArrayList<>());
    private CuratorFramework admin;
    private FleetStore store;
    private Coordinator coordinator;

    /** The local step of one node: records every apply and roll-back, fails when told to. */
    final class Recorder implements StepRunner {
        final String node;
        final AtomicInteger applies = new AtomicInteger();
        final AtomicInteger rollbacks = new AtomicInteger();
        /** The rollouts this node applied, in the order it applied them. */
        final List<String> applied = Collections.synchronizedList(new ArrayList<>());
        volatile boolean fail;

        Recorder(String node) {
            this.node = node;
        }

        @Override
        public StepResult apply(Rollout r) {
            applies.incrementAndGet();
            applied.add(r.id);
            events.add("apply " + node);
            return fail ? StepResult.failed("injected failure on " + node) : StepResult.ok("applied on " + node);
        }

        @Override
        public StepResult rollback(Rollout r) {
            rollbacks.incrementAndGet();
            events.add("rollback " + node);
            return StepResult.ok("rolled back on " + node);
        }
    }

    final class Node {
        final String name;
        final CuratorFramework zk;
        final Recorder recorder;
        final Agent agent;
        final String incarnation;

        Node(String name, String incarnation) throws Exception {
            this.name = name;
            this.incarnation = incarnation;
            this.zk = client();
            this.recorder = new Recorder(name);
            FleetStore s = new FleetStore(zk);
            zk.create().creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL)
                    .forPath(FleetStore.NODES + "/" + name, FleetStore.memberData(Set.of(), incarnation, "localhost", 1, System.currentTimeMillis()));
            this.agent = new Agent(s, name, incarnation, Set.of(), recorder, m -> { });
        }
    }

    private CuratorFramework client() {
        CuratorFramework c = CuratorFrameworkFactory.builder().connectString(server.getConnectString()).sessionTimeoutMs(4000)
                .connectionTimeoutMs(4000).retryPolicy(new RetryNTimes(20, 200)).namespace("test-fleet").build();
        c.start();
        return c;
    }

    @Before
    public void start() throws Exception {
        server = new TestingServer(true);
        admin = client();
        store = new FleetStore(admin);
        coordinator = new Coordinator(store, 300, m -> { });
        for (int i = 1; i <= 5; i++) {
            join("n" + i);
        }
    }

    private Node join(String name) throws Exception {
        Node n = new Node(name, name + "-" + System.nanoTime());
        nodes.put(name, n);
        return n;
    }

    @After
    public void stop() throws Exception {
        for (Node n : nodes.values()) {
            n.zk.close();
        }
        admin.close();
        server.close();
    }

    private Rollout spec() {
        Rollout r = new Rollout();
        r.select = "fcm.shared";
        r.target = "fcm.example";
        r.canary = 1;
        r.waves = "2";
        return r;
    }

    /** Ticks the coordinator and every agent until the rollout has ended. */
    private Rollout run(String id) throws Exception {
        for (int i = 0; i < 2000; i++) {
            coordinator.tick();
            for (Node n : nodes.values()) {
                if (n.zk.getZookeeperClient().isConnected()) {
                    n.agent.tick();
                }
            }
            Rollout r = store.read(id).orElseThrow().rollout();
            if (r.state.terminal()) {
                return r;
            }
            Thread.sleep(5);
        }
        throw new AssertionError("rollout did not end: " + store.read(id).orElseThrow().rollout());
    }

    /** Ticks the coordinator and the canary (n1) until the first wave has been asked. */
    private void untilTheFirstWave(String id) throws Exception {
        while (store.read(id).orElseThrow().rollout().state != State.WAVE) {
            coordinator.tick();
            nodes.get("n1").agent.tick();
        }
    }

    @Test
    public void canaryThenWavesInOrderEachNodeOnce() throws Exception {
        String id = store.create(spec());
        Rollout r = run(id);
        assertEquals(r.toString(), State.COMPLETED, r.state);
        assertEquals(List.of(List.of("n1"), List.of("n2", "n3"), List.of("n4", "n5")), r.phases);
        for (Node n : nodes.values()) {
            assertEquals(n.name, 1, n.recorder.applies.get());
            assertEquals(n.name, 0, n.recorder.rollbacks.get());
            assertTrue(r.status.get(n.name), r.status.get(n.name).startsWith("OK"));
        }
        // a wave starts only once the one before has passed
        assertEquals("apply n1", events.get(0));
        assertEquals(Set.of("apply n2", "apply n3"), Set.copyOf(events.subList(1, 3)));
        assertEquals(Set.of("apply n4", "apply n5"), Set.copyOf(events.subList(3, 5)));
    }

    @Test
    public void aFailureRollsBackEveryNodeThatApplied() throws Exception {
        nodes.get("n3").recorder.fail = true;
        String id = store.create(spec());
        Rollout r = run(id);
        assertEquals(r.toString(), State.ROLLED_BACK, r.state);
        assertTrue(r.reason, r.reason.contains("n3: injected failure on n3"));
        for (String n : List.of("n1", "n2", "n3")) {
            assertEquals(n, 1, nodes.get(n).recorder.applies.get());
            assertEquals(n, 1, nodes.get(n).recorder.rollbacks.get());
            assertTrue(r.rollback.get(n), r.rollback.get(n).startsWith("OK"));
        }
        for (String n : List.of("n4", "n5")) {
            assertEquals(n + " never asked", 0, nodes.get(n).recorder.applies.get() + nodes.get(n).recorder.rollbacks.get());
        }
    }

    @Test
    public void failuresWithinTheAllowanceDoNotRollBack() throws Exception {
        nodes.get("n3").recorder.fail = true;
        Rollout spec = spec();
        spec.maxFailures = 1;
        Rollout r = run(store.create(spec));
        assertEquals(r.toString(), State.COMPLETED, r.state);
        assertTrue(r.status.get("n3"), r.status.get("n3").startsWith("FAILED"));
        assertEquals(0, nodes.values().stream().mapToInt(n -> n.recorder.rollbacks.get()).sum());
    }

    @Test
    public void abortRollsBackWhatWasApplied() throws Exception {
        String id = store.create(spec());
        untilTheFirstWave(id);
        store.requestAbort(id, "n5", "operator");
        Rollout r = run(id);
        assertEquals(r.toString(), State.ROLLED_BACK, r.state);
        assertTrue(r.reason, r.reason.startsWith("aborted: operator"));
        assertEquals(1, nodes.get("n1").recorder.rollbacks.get());
        assertEquals(0, nodes.get("n4").recorder.applies.get());
    }

    @Test
    public void abortBeforeTheStartAsksNobody() throws Exception {
        String id = store.create(spec());
        store.requestAbort(id, "n1", "changed my mind");
        Rollout r = run(id);
        assertEquals(State.ABORTED, r.state);
        assertEquals(0, nodes.values().stream().mapToInt(n -> n.recorder.applies.get()).sum());
    }

    @Test
    public void aNodeThatDiesMidStepIsLostAndDoesNotBlock() throws Exception {
        String id = store.create(spec());
        // canary passes, wave 1 is asked; n2 dies before running its step
        untilTheFirstWave(id);
        Node dead = nodes.remove("n2");
        dead.zk.close(); // its ephemeral znode goes with its session
        Rollout r = run(id);
        assertEquals(r.toString(), State.COMPLETED, r.state);
        assertTrue(r.status.get("n2"), r.status.get("n2").startsWith("LOST"));
        assertEquals(0, dead.recorder.applies.get());
        for (String n : List.of("n1", "n3", "n4", "n5")) {
            assertEquals(n, 1, nodes.get(n).recorder.applies.get());
        }
    }

    @Test
    public void aNewCoordinatorContinuesWithoutAskingTwice() throws Exception {
        String id = store.create(spec());
        untilTheFirstWave(id);
        nodes.get("n2").agent.tick();
        // the old coordinator ticks once more, concurrently with its successor (a leader change)
        Coordinator successor = new Coordinator(store, 300, m -> { });
        successor.tick();
        coordinator.tick();
        coordinator = successor;
        Rollout r = run(id);
        assertEquals(r.toString(), State.COMPLETED, r.state);
        for (Node n : nodes.values()) {
            assertEquals(n.name, 1, n.recorder.applies.get());
        }
    }

    @Test
    public void aLateJoinerIsBroughtToTheTarget() throws Exception {
        String id = store.create(spec());
        assertEquals(State.COMPLETED, run(id).state);
        Node late = join("n6");
        for (int i = 0; i < 200 && !"OK".equals(store.read(id).orElseThrow().rollout().catchUp.getOrDefault("n6", "").split(":")[0]); i++) {
            coordinator.tick();
            late.agent.tick();
        }
        Rollout r = store.read(id).orElseThrow().rollout();
        assertTrue(r.catchUp.toString(), r.catchUp.get("n6").startsWith("OK"));
        assertEquals(1, late.recorder.applies.get());
        // the nodes of the rollout are not asked again
        coordinator.tick();
        for (Node n : nodes.values()) {
            n.agent.tick();
            assertEquals(n.name, 1, n.recorder.applies.get());
        }
    }

    @Test
    public void aLateJoinerCatchesUpOneRolloutAtATimeInOrder() throws Exception {
        String first = store.create(spec());
        assertEquals(State.COMPLETED, run(first).state);
        String second = store.create(spec());
        assertEquals(State.COMPLETED, run(second).state);
        Node late = join("n6");
        String step = FleetStore.APPLY + "." + late.incarnation;
        coordinator.tick();
        assertTrue(store.asked(first, "n6", step));
        // the second is not asked while the first runs: the agent could otherwise see it first
        assertFalse(store.asked(second, "n6", step));
        coordinator.tick();
        assertFalse(store.asked(second, "n6", step));
        for (int i = 0; i < 400 && late.recorder.applied.size() < 2; i++) {
            late.agent.tick();
            coordinator.tick();
        }
        assertEquals(List.of(first, second), late.recorder.applied);
        assertTrue(store.result(second, "n6", step).isPresent());
    }

    @Test
    public void aNewRolloutWaitsForALateJoinersCatchUp() throws Exception {
        String first = store.create(spec());
        assertEquals(State.COMPLETED, run(first).state);
        Node late = join("n6");
        String second = store.create(spec()); // n6 sorts last: it is in the last wave
        Rollout r = null;
        // everyone but n6 works; n6 does not run its catch-up yet
        for (int i = 0; i < 400; i++) {
            coordinator.tick();
            for (Node n : nodes.values()) {
                if (n != late) {
                    n.agent.tick();
                }
            }
            r = store.read(second).orElseThrow().rollout();
            if (r.phase == r.phases.size() - 2 && !"RUNNING".equals(r.status.get(r.phases.get(r.phase).get(0)))) {
                break;
            }
        }
        coordinator.tick();
        assertFalse("n6 is not asked the new step before its catch-up reported", store.asked(second, "n6", FleetStore.APPLY));
        Rollout done = run(second);
        assertEquals(State.COMPLETED, done.state);
        assertEquals(List.of(first, second), late.recorder.applied);
    }

    @Test
    public void aLostReportIsReportedAgainNotRunAgain() throws Exception {
        String id = store.create(spec());
        coordinator.tick(); // canary asked
        Node n1 = nodes.get("n1");
        n1.agent.tick();
        // the report is lost (as if the session dropped with the write): the result znode is gone
        admin.delete().forPath(FleetStore.ROLLOUTS + "/" + id + "/results/n1/" + FleetStore.APPLY);
        n1.agent.tick();
        assertTrue(store.result(id, "n1", FleetStore.APPLY).isPresent());
        assertEquals(1, n1.recorder.applies.get());
        assertEquals(State.COMPLETED, run(id).state);
        assertEquals(1, n1.recorder.applies.get());
    }

    @Test
    public void aRestartedServerLosesNothingAndRunsNothingTwice() throws Exception {
        String id = store.create(spec());
        untilTheFirstWave(id);
        server.restart(); // same data directory: sessions survive if they reconnect within their timeout
        Rollout r = null;
        for (int i = 0; i < 100 && r == null; i++) {
            try {
                r = run(id);
            } catch (Exception connectionLoss) {
                Thread.sleep(100); // the clients reconnect
            }
        }
        assertFalse(r == null);
        assertEquals(r.toString(), State.COMPLETED, r.state);
        for (Node n : nodes.values()) {
            assertEquals(n.name, 1, n.recorder.applies.get());
        }
    }
}
