package swap.fleet.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.List;

import org.junit.Test;

import swap.kernel.Engine;
import swap.kernel.StandaloneSource;

/**
 * Bad input to the {@code fleet:*} commands gets an error that says what to do, before anything
 * reaches ZooKeeper; and the wave planning.
 */
public class FleetCommandsTest {
    private final FleetCommands commands = new FleetCommands(); // no fleet bound: not configured

    private static String error(ThrowingRunnable r) {
        try {
            r.run();
        } catch (Exception e) {
            return e.getMessage();
        }
        fail("no error");
        return null;
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    public void anUnconfiguredNodeSaysHowToConfigureIt() {
        String m = error(commands::nodes);
        assertTrue(m, m.contains("deploy/swap.fleet.cfg with connect="));
        m = error(() -> commands.rollout("", 1, "50%", 0, 5, 120, false, false, "swap", "fcm.shared", "fcm.example"));
        assertTrue(m, m.contains("PID swap.fleet"));
    }

    @Test
    public void badArgumentsAreRefusedWithTheUsage() {
        String m = error(() -> commands.rollout("", 1, "50%", 0, 5, 120, false, false, "swop", "a", "b"));
        assertTrue(m, m.startsWith("unknown action 'swop': use swap or upgrade; usage: fleet:rollout"));
        m = error(() -> commands.rollout("", 1, "half", 0, 5, 120, false, false, "swap", "a", "b"));
        assertTrue(m, m.contains("waves 'half': give a node count (e.g. 2) or a percentage"));
        m = error(() -> commands.rollout("", 1, "0", 0, 5, 120, false, false, "swap", "a", "b"));
        assertTrue(m, m.contains("waves '0'"));
        m = error(() -> commands.rollout("", 1, "150%", 0, 5, 120, false, false, "swap", "a", "b"));
        assertTrue(m, m.contains("waves '150%'"));
        m = error(() -> commands.rollout("", -1, "50%", 0, 5, 120, false, false, "swap", "a", "b"));
        assertTrue(m, m.startsWith("canary, max failures and gate are 0 or more"));
        m = error(() -> commands.rollout("", 1, "50%", 0, 5, 120, false, false, "swap", "(swap.impl.name=fcm.shared", "b"));
        assertTrue(m, m.startsWith("selector (swap.impl.name=fcm.shared is not a valid LDAP filter"));
        m = error(() -> commands.rollout("", 1, "50%", 0, 5, 120, false, false, "upgrade", "swap.example.fcm", "fcm-1.1.jar"));
        assertTrue(m, m.startsWith("'fcm-1.1.jar' is not a URL"));
        m = error(() -> commands.rollout("", 1, "50%", 0, 5, 120, false, false, "upgrade", "a", "file:/x.jar", "extra"));
        assertTrue(m, m.startsWith("upgrade takes a symbolic name and a URL, nothing more"));
    }

    @Test
    public void aSwapTargetNoImplementationHereProvidesIsRefusedUnlessABundleIsGiven() {
        StandaloneSource source = new StandaloneSource();
        source.add(Runnable.class, "task.a", "1.0.0", () -> () -> { }, "concurrency", "shared");
        Engine engine = new Engine(source);
        try {
            commands.swaps = engine;
            String m = error(() -> commands.rollout("", 1, "50%", 0, 5, 120, false, false, "swap", "task.a", "task.b"));
            assertTrue(m, m.startsWith("no implementation here matches target task.b (swap:impls lists them); if a bundle provides it, give its URL"));
            m = error(() -> commands.rollout("", 1, "50%", 0, 5, 120, false, false, "swap", "task.a", "(concurrency=distributed)"));
            assertTrue(m, m.startsWith("no implementation here matches target (concurrency=distributed)"));
            // a known target, or one a bundle will bring: only the missing fleet stops it
            m = error(() -> commands.rollout("", 1, "50%", 0, 5, 120, false, false, "swap", "task.b", "(concurrency=shared)"));
            assertTrue(m, m.startsWith("this node is not in a fleet"));
            m = error(() -> commands.rollout("", 1, "50%", 0, 5, 120, false, false, "swap", "task.a", "task.b", "file:/opt/task-b.jar"));
            assertTrue(m, m.startsWith("this node is not in a fleet"));
        } finally {
            engine.shutdown();
        }
    }

    @Test
    public void phasesAreTheCanaryThenWavesOfTheRest() {
        Rollout r = new Rollout();
        r.canary = 1;
        r.waves = "50%";
        r.plan(List.of("a", "b", "c", "d", "e", "f", "g", "h"));
        assertEquals(List.of(List.of("a"), List.of("b", "c", "d", "e"), List.of("f", "g", "h")), r.phases);
        r.canary = 0;
        r.waves = "3";
        r.plan(List.of("a", "b", "c", "d"));
        assertEquals(List.of(List.of("a", "b", "c"), List.of("d")), r.phases);
        r.canary = 2;
        r.waves = "100%";
        r.plan(List.of("a"));
        assertEquals(List.of(List.of("a")), r.phases);
    }

    @Test
    public void theDocumentSurvivesItsRoundTrip() {
        Rollout r = new Rollout();
        r.id = "r-0000000007";
        r.labels = Rollout.split("web, eu");
        r.plan(List.of("n1", "n2", "n3"));
        r.phase = 1;
        r.state = Rollout.State.WAVE;
        r.status.put("n1", "OK: moved 1 entry = fine: yes");
        r.rollback.put("n1", "RUNNING");
        r.incarnation.put("n1", "ab12cd34");
        r.asked.put("n1", 42L);
        r.catchUp.put("n4", "FAILED: x");
        r.transition(Rollout.State.COMPLETED, "done\nwith a new line", 99);
        Rollout back = Rollout.fromBytes(r.id, r.toBytes());
        assertEquals(r.toString(), back.toString());
        assertEquals(r.labels, back.labels);
        assertEquals(r.incarnation, back.incarnation);
        assertEquals(r.asked, back.asked);
        assertEquals(r.catchUp, back.catchUp);
        assertEquals(r.log, back.log);
        assertEquals(99, back.ended);
        assertEquals("done\nwith a new line", back.reason);
    }

    /** Issue 27 item 4: the docs' swap.fleet.cfg with trailing comments works; a bad value is one line naming key and value. */
    @Test
    public void configurationCommentsAreStrippedAndABadValueIsOneLine() {
        FleetConfig c = new FleetConfig(java.util.Map.of("connect", "127.0.0.1:2181", "node", "web-07                   # unique in the fleet",
                "labels", "web,eu  # a rollout may be limited", "session.timeout.millis", "15000  # a node silent this long leaves the fleet",
                "reconcile.millis", "2000"));
        assertEquals("web-07", c.node);
        assertEquals("web,eu", c.labels);
        assertEquals(15_000, c.sessionTimeoutMillis);
        assertEquals(2_000, c.reconcileMillis);
        assertEquals(250, c.pollMillis);
        String m = error(() -> new FleetConfig(java.util.Map.of("connect", "zk:2181", "session.timeout.millis", "15s")));
        assertEquals("session.timeout.millis=15s is not a whole number of milliseconds; write e.g. session.timeout.millis=15000", m);
        m = error(() -> new FleetConfig(java.util.Map.of("node", "n1")));
        assertTrue(m, m.startsWith("connect is empty"));
    }

    /** Errors reach the console as "fleet: ..." (the exception's toString()), never "java.lang.IllegalStateException: ...". */
    @Test
    public void errorsPrintAsOneFleetLine() {
        try {
            commands.status();
            fail("no error");
        } catch (FleetException e) {
            assertTrue(e.toString(), e.toString().startsWith("fleet: this node is not in a fleet: configure PID swap.fleet"));
        }
        try {
            commands.abort("r-0000000001", "the", "gate", "looked", "wrong");
            fail("no error");
        } catch (FleetException e) {
            assertTrue(e.toString(), e.toString().startsWith("fleet: this node is not in a fleet"));
        }
    }

    /** A bundle URL is read from the issuing node before a rollout exists. */
    @Test
    public void anUnreadableBundleUrlIsRefusedBeforeARolloutIsCreated() throws Exception {
        String m = error(() -> FleetCommands.readBundle("file:/nonexistent/fcm-9.jar"));
        assertEquals("cannot read file:/nonexistent/fcm-9.jar from this node (no such file); every node must reach the bundle's URL", m);
        m = error(() -> FleetCommands.readBundle("fcm-9.jar"));
        assertTrue(m, m.startsWith("'fcm-9.jar' is not a URL"));
        java.io.File f = java.io.File.createTempFile("notabundle", ".jar");
        try {
            java.nio.file.Files.write(f.toPath(), new byte[] {1, 2, 3});
            m = error(() -> FleetCommands.readBundle(f.toURI().toString()));
            assertTrue(m, m.endsWith("is not a bundle (a jar without a manifest)"));
        } finally {
            f.delete();
        }
    }
}
