package swap.fleet.internal;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

/**
 * A rollout: what to do on each node ({@link #action}), where ({@link #labels}), how (canary,
 * waves, health gate, failures allowed) and how far it got (its {@link State}, the phases planned,
 * each node's status). Stored as the data of znode {@code /rollouts/<id>} (a {@link Properties}
 * text), so that any node can report it and a new coordinator continues it.
 *
 * <p>Not thread-safe: each reader gets its own copy from ZooKeeper.
 */
final class Rollout {

    /**
     * The state machine. PENDING: created, no node asked yet. CANARY, WAVE (with {@link #phase}):
     * the nodes of that phase apply the step; the phase passes when every one of them reported OK
     * (the step, then its health gate) or was lost. COMPLETED: every phase passed. ROLLING_BACK:
     * too many failures, or an abort: every node that was asked to apply is asked to roll back.
     * ROLLED_BACK: every one of them did (or was lost). ABORTED: aborted before any node was asked,
     * no live node matched, or a node's roll-back failed (its status says which: that node needs
     * an operator). NO_OP: every phase passed but no node had anything to do (the selector matched
     * nothing anywhere): the desired state is not changed.
     */
    enum State {
        PENDING, CANARY, WAVE, COMPLETED, ROLLING_BACK, ROLLED_BACK, ABORTED, NO_OP;

        boolean terminal() {
            return this == COMPLETED || this == ROLLED_BACK || this == ABORTED || this == NO_OP;
        }
    }

    static final String SWAP = "swap";
    static final String UPGRADE = "upgrade";

    String id = "";
    /** {@link #SWAP}: batch swap of the entries {@link #select} matches to {@link #target}, after installing {@link #install} if set. */
    String action = SWAP;
    String select = "";
    String target = "";
    /** Optional bundle URL a swap installs first (and uninstalls again on roll-back). */
    String install = "";
    /** {@link #UPGRADE}: side-by-side upgrade of the bundle with symbolic name {@link #bundle} to the bundle at {@link #url}. */
    String bundle = "";
    String url = "";
    /** Nodes with every one of these labels; empty: every node. */
    Set<String> labels = new LinkedHashSet<>();
    int canary = 1;
    /** Wave size: a count ("2") or a percentage of the nodes after the canary ("50%"). */
    String waves = "50%";
    /** How many nodes may fail before the whole fleet rolls back. */
    int maxFailures = 0;
    /** The health gate: how long each node watches the entries it moved for thrown exceptions. */
    long watchMillis = 5_000;
    /** How long one node may take for one step (apply and its watch) before it counts as failed. */
    long stepTimeoutMillis = 120_000;
    String createdBy = "";
    long created;
    /** upgrade: the version of the bundle at {@link #url} (read on the issuing node). */
    String bundleVersion = "";
    /** Whether local triggers and policies may move the entries elsewhere once it completed ("policy decides"). */
    boolean policyDecides;
    /** For {@code fleet:undo}: the desired-state revision this rollout undoes (0: a normal rollout). */
    int undoOf;
    /** The desired-state revision its completion wrote (0: none yet, or none: NO_OP, rolled back). */
    int revision;
    /** Who asked for it when it was not an operator at a console (e.g. {@code feed}); empty: {@code fleet:rollout}. */
    String initiator = "";
    /** Why, in one line, as the initiator gave it (e.g. which repository a fix came from); added to each node's journal reason. */
    String cause = "";

    State state = State.PENDING;
    /** Index into {@link #phases} of the running phase (0 = canary if there is one); -1 before. */
    int phase = -1;
    List<List<String>> phases = new ArrayList<>();
    /** Per node: RUNNING, OK: detail, FAILED: reason, LOST: reason. */
    Map<String, String> status = new TreeMap<>();
    /** Per node, once rolling back: RUNNING, OK: detail, FAILED: reason, LOST: reason. */
    Map<String, String> rollback = new TreeMap<>();
    /** Per node: when its current step was asked for (coordinator's clock, for the step timeout). */
    Map<String, Long> asked = new TreeMap<>();
    /** Per node: the incarnation (one run of the node's framework) its current step was asked of. */
    Map<String, String> incarnation = new TreeMap<>();
    /** Late joiners brought to a COMPLETED rollout's target: node -> OK/FAILED/RUNNING. */
    Map<String, String> catchUp = new TreeMap<>();
    String reason = "";
    /** When it reached its terminal state (0 before). */
    long ended;
    /** One line per transition, oldest first. */
    List<String> log = new ArrayList<>();

    /** "WAVE 2", "CANARY", ... */
    String stateLine() {
        if (state == State.WAVE) {
            return "WAVE " + waveNumber();
        }
        return state.name();
    }

    int waveNumber() {
        return canary > 0 ? phase : phase + 1;
    }

    String what() {
        if (undoOf > 0) {
            return "undo of desired revision " + undoOf + ": swap " + select + " -> " + target;
        }
        if (UPGRADE.equals(action)) {
            return "upgrade " + bundle + " to " + url + (cause.isEmpty() ? "" : " (" + cause + ")");
        }
        return "swap " + select + " -> " + target + (install.isEmpty() ? "" : " (install " + install + ")") + (policyDecides ? ", policy decides" : "");
    }

    boolean matches(Set<String> nodeLabels) {
        return nodeLabels.containsAll(labels);
    }

    void transition(State to, String why, long now) {
        state = to;
        reason = why == null ? "" : why;
        if (to.terminal()) {
            ended = now;
        }
        log.add(now + " " + (to == State.WAVE ? "WAVE " + waveNumber() : to.name()) + (why == null || why.isEmpty() ? "" : ": " + why));
    }

    long failures() {
        return status.values().stream().filter(s -> s.startsWith("FAILED")).count();
    }

    // ------------------------------------------------------------------ (de)serialization

    byte[] toBytes() {
        Properties p = new Properties();
        p.setProperty("action", action);
        p.setProperty("select", select);
        p.setProperty("target", target);
        p.setProperty("install", install);
        p.setProperty("bundle", bundle);
        p.setProperty("url", url);
        p.setProperty("labels", String.join(",", labels));
        p.setProperty("canary", String.valueOf(canary));
        p.setProperty("waves", waves);
        p.setProperty("maxFailures", String.valueOf(maxFailures));
        p.setProperty("watchMillis", String.valueOf(watchMillis));
        p.setProperty("stepTimeoutMillis", String.valueOf(stepTimeoutMillis));
        p.setProperty("createdBy", createdBy);
        p.setProperty("created", String.valueOf(created));
        p.setProperty("bundleVersion", bundleVersion);
        p.setProperty("policyDecides", String.valueOf(policyDecides));
        p.setProperty("undoOf", String.valueOf(undoOf));
        p.setProperty("revision", String.valueOf(revision));
        p.setProperty("initiator", initiator);
        p.setProperty("cause", cause);
        p.setProperty("state", state.name());
        p.setProperty("phase", String.valueOf(phase));
        p.setProperty("phases", String.valueOf(phases.size()));
        for (int i = 0; i < phases.size(); i++) {
            p.setProperty("phase." + i, String.join(",", phases.get(i)));
        }
        status.forEach((k, v) -> p.setProperty("status." + k, v));
        rollback.forEach((k, v) -> p.setProperty("rollback." + k, v));
        asked.forEach((k, v) -> p.setProperty("asked." + k, String.valueOf(v)));
        catchUp.forEach((k, v) -> p.setProperty("catchup." + k, v));
        incarnation.forEach((k, v) -> p.setProperty("incarnation." + k, v));
        p.setProperty("reason", reason);
        p.setProperty("ended", String.valueOf(ended));
        p.setProperty("log", String.valueOf(log.size()));
        for (int i = 0; i < log.size(); i++) {
            p.setProperty("log." + i, log.get(i));
        }
        return FleetStore.bytes(p);
    }

    static Rollout fromBytes(String id, byte[] data) {
        Properties p = FleetStore.props(data);
        Rollout r = new Rollout();
        r.id = id;
        r.action = p.getProperty("action", SWAP);
        r.select = p.getProperty("select", "");
        r.target = p.getProperty("target", "");
        r.install = p.getProperty("install", "");
        r.bundle = p.getProperty("bundle", "");
        r.url = p.getProperty("url", "");
        r.labels = split(p.getProperty("labels", ""));
        r.canary = Integer.parseInt(p.getProperty("canary", "1"));
        r.waves = p.getProperty("waves", "50%");
        r.maxFailures = Integer.parseInt(p.getProperty("maxFailures", "0"));
        r.watchMillis = Long.parseLong(p.getProperty("watchMillis", "5000"));
        r.stepTimeoutMillis = Long.parseLong(p.getProperty("stepTimeoutMillis", "120000"));
        r.createdBy = p.getProperty("createdBy", "");
        r.created = Long.parseLong(p.getProperty("created", "0"));
        r.bundleVersion = p.getProperty("bundleVersion", "");
        r.policyDecides = Boolean.parseBoolean(p.getProperty("policyDecides", "false"));
        r.undoOf = Integer.parseInt(p.getProperty("undoOf", "0"));
        r.revision = Integer.parseInt(p.getProperty("revision", "0"));
        r.initiator = p.getProperty("initiator", "");
        r.cause = p.getProperty("cause", "");
        r.state = State.valueOf(p.getProperty("state", "PENDING"));
        r.phase = Integer.parseInt(p.getProperty("phase", "-1"));
        int n = Integer.parseInt(p.getProperty("phases", "0"));
        for (int i = 0; i < n; i++) {
            r.phases.add(new ArrayList<>(split(p.getProperty("phase." + i, ""))));
        }
        for (String k : p.stringPropertyNames()) {
            if (k.startsWith("status.")) {
                r.status.put(k.substring(7), p.getProperty(k));
            } else if (k.startsWith("rollback.")) {
                r.rollback.put(k.substring(9), p.getProperty(k));
            } else if (k.startsWith("asked.")) {
                r.asked.put(k.substring(6), Long.parseLong(p.getProperty(k)));
            } else if (k.startsWith("catchup.")) {
                r.catchUp.put(k.substring(8), p.getProperty(k));
            } else if (k.startsWith("incarnation.")) {
                r.incarnation.put(k.substring(12), p.getProperty(k));
            }
        }
        r.reason = p.getProperty("reason", "");
        r.ended = Long.parseLong(p.getProperty("ended", "0"));
        int logs = Integer.parseInt(p.getProperty("log", "0"));
        for (int i = 0; i < logs; i++) {
            r.log.add(p.getProperty("log." + i, ""));
        }
        return r;
    }

    static Set<String> split(String list) {
        Set<String> s = new LinkedHashSet<>();
        for (String x : list.split(",")) {
            if (!x.isBlank()) {
                s.add(x.trim());
            }
        }
        return s;
    }

    /**
     * Plans the phases over {@code nodes} (sorted): the first {@link #canary} nodes, then waves of
     * {@link #waves} nodes each.
     *
     * @throws IllegalArgumentException for a wave size that is neither a positive count nor a percentage in 1-100
     */
    void plan(List<String> nodes) {
        phases.clear();
        int c = Math.min(canary, nodes.size());
        if (c > 0) {
            phases.add(new ArrayList<>(nodes.subList(0, c)));
        }
        List<String> rest = nodes.subList(c, nodes.size());
        int size = waveSize(waves, rest.size());
        for (int i = 0; i < rest.size(); i += size) {
            phases.add(new ArrayList<>(rest.subList(i, Math.min(rest.size(), i + size))));
        }
    }

    static int waveSize(String waves, int nodes) {
        String w = waves.trim();
        try {
            if (w.endsWith("%")) {
                int pct = Integer.parseInt(w.substring(0, w.length() - 1).trim());
                if (pct < 1 || pct > 100) {
                    throw new NumberFormatException();
                }
                return Math.max(1, (int) Math.ceil(nodes * pct / 100.0));
            }
            int n = Integer.parseInt(w);
            if (n < 1) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("waves '" + waves + "': give a node count (e.g. 2) or a percentage of the nodes after the canary, quoted in Gogo (e.g. '50%')");
        }
    }

    @Override
    public String toString() {
        return id + " " + stateLine() + " " + what() + " phases=" + phases + " status=" + status + " rollback=" + rollback;
    }
}
