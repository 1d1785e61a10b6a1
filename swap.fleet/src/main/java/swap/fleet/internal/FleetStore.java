package swap.fleet.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/**
 * Where the fleet keeps everything, in ZooKeeper (below the Curator namespace of its configuration):
 *
 * <pre>
 * /nodes/NODE                          ephemeral: one per live node (labels, host, pid, incarnation)
 * /leader                              Curator LeaderLatch: the coordinator
 * /rollouts/r-NNNNNNNNNN               persistent, sequential: the rollout document ({@link Rollout})
 * /rollouts/ID/abort                   an operator asked to abort (who, why)
 * /rollouts/ID/steps/NODE/STEP         the coordinator asks NODE to run STEP (apply, rollback, apply.INCARNATION)
 * /rollouts/ID/results/NODE/STEP       NODE's result of STEP ({@link StepResult})
 * /desired/rev-NNNNNNNNNN              persistent: revision N of the desired state ({@link DesiredState}), never overwritten
 * /status/NODE                         ephemeral: NODE's last reconcile (in line / converging / drifted, and why)
 * </pre>
 *
 * Steps and results are created, never overwritten: a step is asked for once and its result is
 * reported once, whoever coordinates and however often a session is lost. Only the rollout
 * document is updated, by the coordinator, with ZooKeeper's version check.
 *
 * <p>Thread-safe (Curator is).
 */
final class FleetStore {
    static final String NODES = "/nodes";
    static final String ROLLOUTS = "/rollouts";
    static final String LEADER = "/leader";
    static final String DESIRED = "/desired";
    static final String STATUS = "/status";
    static final String APPLY = "apply";
    static final String ROLLBACK = "rollback";

    /** A live node as its ephemeral znode describes it. */
    record Member(String name, Set<String> labels, String incarnation, String host, long pid, long joined) {
    }

    /** A document and the version it was read at. */
    record Versioned(Rollout rollout, int version) {
    }

    final CuratorFramework zk;

    FleetStore(CuratorFramework zk) {
        this.zk = zk;
    }

    static byte[] memberData(Set<String> labels, String incarnation, String host, long pid, long joined) {
        Properties p = new Properties();
        p.setProperty("labels", String.join(",", labels));
        p.setProperty("incarnation", incarnation);
        p.setProperty("host", host);
        p.setProperty("pid", String.valueOf(pid));
        p.setProperty("joined", String.valueOf(joined));
        return bytes(p);
    }

    List<Member> members() throws Exception {
        List<Member> out = new ArrayList<>();
        for (String name : children(NODES)) {
            byte[] data = data(NODES + "/" + name);
            if (data == null) {
                continue; // left between the listing and the read
            }
            Properties p = props(data);
            out.add(new Member(name, Rollout.split(p.getProperty("labels", "")), p.getProperty("incarnation", ""),
                    p.getProperty("host", ""), Long.parseLong(p.getProperty("pid", "0")), Long.parseLong(p.getProperty("joined", "0"))));
        }
        return out;
    }

    /** Creates a rollout document; returns its id ({@code r-0000000001}...). */
    String create(Rollout r) throws Exception {
        String path = zk.create().creatingParentsIfNeeded().withMode(CreateMode.PERSISTENT_SEQUENTIAL).forPath(ROLLOUTS + "/r-", r.toBytes());
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /** Every rollout id, oldest first. */
    List<String> rolloutIds() throws Exception {
        List<String> ids = children(ROLLOUTS);
        Collections.sort(ids);
        return ids;
    }

    Optional<Versioned> read(String id) throws Exception {
        Stat stat = new Stat();
        try {
            byte[] data = zk.getData().storingStatIn(stat).forPath(ROLLOUTS + "/" + id);
            return Optional.of(new Versioned(Rollout.fromBytes(id, data), stat.getVersion()));
        } catch (KeeperException.NoNodeException e) {
            return Optional.empty();
        }
    }

    /** Writes the document if nobody wrote it since {@code version} was read; returns whether it did. */
    boolean write(Rollout r, int version) throws Exception {
        try {
            zk.setData().withVersion(version).forPath(ROLLOUTS + "/" + r.id, r.toBytes());
            return true;
        } catch (KeeperException.BadVersionException e) {
            return false;
        }
    }

    /** Asks {@code node} to run {@code step} of rollout {@code id} for its incarnation; does nothing if it was asked already. */
    void ask(String id, String node, String step, String incarnation) throws Exception {
        try {
            zk.create().creatingParentsIfNeeded().forPath(stepPath(id, node, step), incarnation.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (KeeperException.NodeExistsException e) {
            // asked already (e.g. by the previous coordinator)
        }
    }

    boolean asked(String id, String node, String step) throws Exception {
        return zk.checkExists().forPath(stepPath(id, node, step)) != null;
    }

    /** The steps {@code node} was asked to run in rollout {@code id}: step name -> incarnation. */
    List<String[]> steps(String id, String node) throws Exception {
        List<String[]> out = new ArrayList<>();
        for (String step : children(ROLLOUTS + "/" + id + "/steps/" + node)) {
            byte[] data = data(stepPath(id, node, step));
            if (data != null) {
                out.add(new String[] {step, new String(data, java.nio.charset.StandardCharsets.UTF_8)});
            }
        }
        // applies (apply, apply.INCARNATION) before the roll-back
        out.sort((a, b) -> Boolean.compare(a[0].equals(ROLLBACK), b[0].equals(ROLLBACK)));
        return out;
    }

    Optional<StepResult> result(String id, String node, String step) throws Exception {
        byte[] data = data(ROLLOUTS + "/" + id + "/results/" + node + "/" + step);
        return data == null ? Optional.empty() : Optional.of(StepResult.fromBytes(data));
    }

    /** Reports a result once; a second report of the same step is ignored (the first one stands). */
    void report(String id, String node, String step, StepResult result) throws Exception {
        try {
            zk.create().creatingParentsIfNeeded().forPath(ROLLOUTS + "/" + id + "/results/" + node + "/" + step, result.toBytes());
        } catch (KeeperException.NodeExistsException e) {
            // reported already
        }
    }

    void requestAbort(String id, String by, String why) throws Exception {
        Properties p = new Properties();
        p.setProperty("by", by);
        p.setProperty("why", why);
        try {
            zk.create().forPath(ROLLOUTS + "/" + id + "/abort", bytes(p));
        } catch (KeeperException.NodeExistsException e) {
            // asked already
        }
    }

    /** @return who asked to abort and why, or {@code null} */
    String abortRequest(String id) throws Exception {
        byte[] data = data(ROLLOUTS + "/" + id + "/abort");
        if (data == null) {
            return null;
        }
        Properties p = props(data);
        return p.getProperty("why", "aborted") + " (fleet:abort on " + p.getProperty("by", "?") + ")";
    }

    private static String stepPath(String id, String node, String step) {
        return ROLLOUTS + "/" + id + "/steps/" + node + "/" + step;
    }

    private List<String> children(String path) throws Exception {
        try {
            return new ArrayList<>(zk.getChildren().forPath(path));
        } catch (KeeperException.NoNodeException e) {
            return new ArrayList<>();
        }
    }

    private byte[] data(String path) throws Exception {
        try {
            return zk.getData().forPath(path);
        } catch (KeeperException.NoNodeException e) {
            return null;
        }
    }

    // ------------------------------------------------------------------ desired state

    private static String revisionPath(int revision) {
        return DESIRED + "/rev-" + String.format("%010d", revision);
    }

    /** Every revision number, oldest first. */
    List<Integer> revisions() throws Exception {
        List<Integer> out = new ArrayList<>();
        for (String c : children(DESIRED)) {
            if (c.startsWith("rev-")) {
                out.add(Integer.parseInt(c.substring(4)));
            }
        }
        Collections.sort(out);
        return out;
    }

    Optional<DesiredState> revision(int revision) throws Exception {
        if (revision == 0) {
            return Optional.of(DesiredState.empty());
        }
        byte[] data = data(revisionPath(revision));
        return data == null ? Optional.empty() : Optional.of(DesiredState.fromBytes(data));
    }

    /** The current desired state: the highest revision, or the empty state (revision 0). */
    DesiredState desired() throws Exception {
        List<Integer> revs = revisions();
        if (revs.isEmpty()) {
            return DesiredState.empty();
        }
        return revision(revs.get(revs.size() - 1)).orElseGet(DesiredState::empty);
    }

    /**
     * Writes revision {@code d.revision}; returns whether it did ({@code false}: that revision exists,
     * someone wrote it first: read the current one and decide again).
     */
    boolean writeRevision(DesiredState d) throws Exception {
        try {
            zk.create().creatingParentsIfNeeded().forPath(revisionPath(d.revision), d.toBytes());
            return true;
        } catch (KeeperException.NodeExistsException e) {
            return false;
        }
    }

    /** Publishes this node's last reconcile (ephemeral: it goes with the node). */
    void status(String node, Properties report) throws Exception {
        zk.create().orSetData().creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL).forPath(STATUS + "/" + node, bytes(report));
    }

    /** @return the node's last reconcile report, or {@code null} */
    Properties status(String node) throws Exception {
        byte[] data = data(STATUS + "/" + node);
        return data == null ? null : props(data);
    }

    static byte[] bytes(Properties p) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            p.store(out, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static Properties props(byte[] data) {
        Properties p = new Properties();
        try {
            p.load(new ByteArrayInputStream(data));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }
}
