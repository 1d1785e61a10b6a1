package swap.fleet.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

import swap.fleet.internal.FleetStore.Member;
import swap.fleet.internal.FleetStore.Versioned;
import swap.fleet.internal.Rollout.State;

/**
 * Drives every rollout's state machine ({@link Rollout.State}); run by the one node that holds the
 * fleet's leader latch, one {@link #tick()} at a time. Everything it knows is read from ZooKeeper
 * at each tick (documents, steps, results, live nodes), so a new coordinator continues where the
 * last one stopped; what it decides is written back with the document's version check, and steps
 * are asked for with create-if-absent, so two coordinators overlapping for a moment (a leader
 * change) can neither ask a node twice nor undo each other's transitions.
 *
 * <p>The only memory kept between ticks is when a node was first seen missing (for the grace period
 * before it counts as lost; a new coordinator starts that clock again, which only delays) and which
 * rollouts ended ROLLED_BACK or ABORTED (never read again; a new coordinator reads each once).
 *
 * <p>Not thread-safe: one thread calls {@link #tick()}.
 */
final class Coordinator {
    private final FleetStore store;
    private final long lostGraceMillis;
    private final Consumer<String> log;
    private final Map<String, Long> absentSince = new HashMap<>();
    /**
     * Nodes with a catch-up still running in an earlier COMPLETED rollout (rebuilt at every tick,
     * rollouts oldest first): a node is caught up one rollout at a time, in order, or a later
     * rollout's step could run before the earlier one it depends on.
     */
    private final java.util.Set<String> catchingUp = new java.util.HashSet<>();
    /** Rollouts that ended ROLLED_BACK or ABORTED: nothing more can happen to them (a COMPLETED one still catches nodes up). */
    private final java.util.Set<String> ended = new java.util.HashSet<>();

    Coordinator(FleetStore store, long lostGraceMillis, Consumer<String> log) {
        this.store = store;
        this.lostGraceMillis = lostGraceMillis;
        this.log = log;
    }

    void tick() throws Exception {
        catchingUp.clear();
        Map<String, Member> live = new HashMap<>();
        for (Member m : store.members()) {
            live.put(m.name(), m);
            absentSince.remove(m.name());
        }
        for (String id : store.rolloutIds()) {
            if (ended.contains(id)) {
                continue;
            }
            Optional<Versioned> v = store.read(id);
            if (v.isEmpty()) {
                continue;
            }
            Rollout r = v.get().rollout();
            long now = System.currentTimeMillis();
            State before = r.state;
            int phaseBefore = r.phase;
            if (r.state == State.ROLLED_BACK || r.state == State.ABORTED || r.state == State.NO_OP) {
                ended.add(id); // never changes again: not read at the next ticks
                continue;
            }
            if (advance(r, live, now)) {
                if (store.write(r, v.get().version()) && (before != r.state || phaseBefore != r.phase)) {
                    log.accept("rollout " + id + ": " + r.stateLine() + (r.reason.isEmpty() ? "" : " (" + r.reason + ")"));
                }
                // a lost version race: the next tick reads the newer document and decides again
            }
        }
    }

    /** @return whether the document changed */
    boolean advance(Rollout r, Map<String, Member> live, long now) throws Exception {
        switch (r.state) {
            case PENDING:
                return start(r, live, now);
            case CANARY:
            case WAVE:
                return runPhase(r, live, now);
            case ROLLING_BACK:
                return rollBack(r, live, now);
            case COMPLETED:
                return catchUp(r, live, now);
            default:
                return false;
        }
    }

    private boolean start(Rollout r, Map<String, Member> live, long now) throws Exception {
        String abort = store.abortRequest(r.id);
        if (abort != null) {
            r.transition(State.ABORTED, "aborted before any node was asked: " + abort, now);
            return true;
        }
        List<String> nodes = new ArrayList<>();
        for (Member m : live.values()) {
            if (r.matches(m.labels())) {
                nodes.add(m.name());
            }
        }
        if (nodes.isEmpty()) {
            r.transition(State.ABORTED, r.labels.isEmpty() ? "no live node in the fleet" : "no live node has the labels " + String.join(",", r.labels), now);
            return true;
        }
        nodes.sort(null);
        r.plan(nodes);
        if (catchingUpIn(r.phases.get(0))) {
            return false; // planned again at the next tick
        }
        r.phase = 0;
        startPhase(r, live, now);
        return true;
    }

    /**
     * Whether a node of {@code phase} is still catching up with an earlier rollout: its step in this
     * one waits, or it would run before the earlier steps it builds on.
     */
    private boolean catchingUpIn(List<String> phase) {
        for (String node : phase) {
            if (catchingUp.contains(node)) {
                return true;
            }
        }
        return false;
    }

    private void startPhase(Rollout r, Map<String, Member> live, long now) throws Exception {
        for (String node : r.phases.get(r.phase)) {
            Member m = live.get(node);
            if (m == null) {
                r.status.put(node, "LOST: left the fleet before its step was asked");
                continue;
            }
            store.ask(r.id, node, FleetStore.APPLY, m.incarnation());
            r.status.put(node, "RUNNING");
            r.asked.put(node, now);
            r.incarnation.put(node, m.incarnation());
        }
        State s = r.phase == 0 && r.canary > 0 ? State.CANARY : State.WAVE;
        r.transition(s, "asked " + String.join(", ", r.phases.get(r.phase)), now);
    }

    private boolean runPhase(Rollout r, Map<String, Member> live, long now) throws Exception {
        String abort = store.abortRequest(r.id);
        if (abort != null) {
            startRollback(r, "aborted: " + abort, now);
            return true;
        }
        Polled p = pollRunning(r, r.phases.get(r.phase), r.status, FleetStore.APPLY, live, now);
        if (r.failures() > r.maxFailures) {
            startRollback(r, r.failures() + " node(s) failed, " + r.maxFailures + " allowed: " + failed(r.status), now);
            return true;
        }
        if (p.running() == 0) {
            if (r.phase + 1 < r.phases.size()) {
                if (catchingUpIn(r.phases.get(r.phase + 1))) {
                    return p.changed();
                }
                r.phase++;
                startPhase(r, live, now);
            } else {
                long ok = r.status.values().stream().filter(s -> s.startsWith("OK")).count();
                long noop = r.status.values().stream().filter(s -> s.startsWith("NO-OP")).count();
                if (ok == 0 && r.undoOf == 0) {
                    long lost = r.status.values().stream().filter(s -> s.startsWith("LOST")).count();
                    r.transition(State.NO_OP, (lost == 0 ? "nothing matched on any node (" : "no node moved anything (") + noop + " NO-OP"
                            + (lost > 0 ? ", " + lost + " lost" : "") + "): the desired state is unchanged; check the selector (swap:list on a node shows its entries)", now);
                } else {
                    r.revision = desire(r, now);
                    r.transition(State.COMPLETED, ok + " of " + r.status.size() + " node(s) OK" + notOk(r) + "; desired state revision " + r.revision, now);
                }
            }
            return true;
        }
        return p.changed();
    }

    /**
     * Writes the desired state this completed rollout leads to (idempotent: a revision written for
     * this rollout already, e.g. by a coordinator that stopped before it wrote the document, is
     * taken as it is): the current rules plus the rollout's, or for an undo the rules of the revision
     * before the undone one.
     *
     * @return the revision
     */
    private int desire(Rollout r, long now) throws Exception {
        for (int attempt = 0; attempt < 10; attempt++) {
            DesiredState current = store.desired();
            if (r.id.equals(current.rollout)) {
                return current.revision;
            }
            DesiredState.Rule rule = DesiredState.Rule.of(r);
            DesiredState next;
            if (r.undoOf > 0) {
                DesiredState before = store.revision(r.undoOf - 1).orElseGet(DesiredState::empty);
                next = current.next(before.rules, rule, "undo of revision " + r.undoOf + " (rollout " + r.id + "): the rules of revision " + (r.undoOf - 1),
                        r.id, r.createdBy, now);
            } else {
                next = current.with(rule, "rollout " + r.id + " completed: " + rule.what() + (r.cause.isEmpty() ? "" : " (" + r.cause + ")"), r.id,
                        r.createdBy, now);
            }
            if (store.writeRevision(next)) {
                log.accept("desired state revision " + next.revision + ": " + next.cause);
                return next.revision;
            }
        }
        throw new IllegalStateException("could not write the desired state of rollout " + r.id + " (revisions kept changing)");
    }

    /** What {@link #pollRunning} found: how many nodes still run their step, and whether a status changed. */
    private record Polled(int running, boolean changed) {
    }

    /** Polls the nodes of {@code nodes} whose status in {@code statuses} is RUNNING, and records each decided one. */
    private Polled pollRunning(Rollout r, java.util.Collection<String> nodes, Map<String, String> statuses, String step, Map<String, Member> live, long now)
            throws Exception {
        int running = 0;
        boolean changed = false;
        for (String node : new ArrayList<>(nodes)) {
            if (!"RUNNING".equals(statuses.get(node))) {
                continue;
            }
            String s = poll(r, node, step, live, now);
            if (s == null) {
                running++;
            } else {
                statuses.put(node, s);
                changed = true;
            }
        }
        return new Polled(running, changed);
    }

    /** "n3: why; n5: why" over the FAILED statuses. */
    private static String failed(Map<String, String> statuses) {
        StringBuilder why = new StringBuilder();
        statuses.forEach((n, s) -> {
            if (s.startsWith("FAILED")) {
                why.append(why.length() == 0 ? "" : "; ").append(n).append(": ").append(s.substring("FAILED: ".length()));
            }
        });
        return why.toString();
    }

    private static String notOk(Rollout r) {
        StringBuilder b = new StringBuilder();
        r.status.forEach((n, s) -> {
            if (!s.startsWith("OK")) {
                b.append("; ").append(n).append(' ').append(s);
            }
        });
        return b.toString();
    }

    private void startRollback(Rollout r, String why, long now) throws Exception {
        for (String node : r.status.keySet()) {
            String inc = r.incarnation.get(node);
            if (inc == null) {
                r.rollback.put(node, "OK: never asked to apply");
                continue;
            }
            store.ask(r.id, node, FleetStore.ROLLBACK, inc);
            r.rollback.put(node, "RUNNING");
            r.asked.put(node, now);
        }
        r.transition(State.ROLLING_BACK, why, now);
    }

    private boolean rollBack(Rollout r, Map<String, Member> live, long now) throws Exception {
        Polled p = pollRunning(r, r.rollback.keySet(), r.rollback, FleetStore.ROLLBACK, live, now);
        boolean changed = p.changed();
        // results of applies that arrive while rolling back (the node was mid-step): keep them for the record
        for (Map.Entry<String, String> e : r.status.entrySet()) {
            if ("RUNNING".equals(e.getValue())) {
                Optional<StepResult> res = store.result(r.id, e.getKey(), FleetStore.APPLY);
                if (res.isPresent()) {
                    e.setValue(res.get().line());
                    changed = true;
                }
            }
        }
        if (p.running() != 0) {
            return changed;
        }
        String failed = failed(r.rollback);
        if (!failed.isEmpty()) {
            r.transition(State.ABORTED, "roll-back failed on " + failed + " (after: " + r.reason + "); those nodes need an operator (swap:list there)", now);
        } else {
            r.transition(State.ROLLED_BACK, r.reason, now);
        }
        return true;
    }

    /**
     * A late joiner (a node that was not in the rollout, or came back as a new incarnation) is asked
     * to apply the step of a COMPLETED rollout; results that arrive late (a node back from a lost
     * session) are recorded.
     */
    private boolean catchUp(Rollout r, Map<String, Member> live, long now) throws Exception {
        boolean changed = false;
        for (Member m : live.values()) {
            String node = m.name();
            if (!r.matches(m.labels())) {
                continue;
            }
            String inc = r.incarnation.get(node);
            if (m.incarnation().equals(inc)) {
                String cu = r.catchUp.get(node);
                if ("RUNNING".equals(cu)) {
                    String s = poll(r, node, FleetStore.APPLY + "." + inc, live, now);
                    if (s != null) {
                        r.catchUp.put(node, s);
                        changed = true;
                    } else {
                        catchingUp.add(node);
                    }
                } else if (cu == null && r.status.getOrDefault(node, "").startsWith("LOST")) {
                    Optional<StepResult> late = store.result(r.id, node, FleetStore.APPLY);
                    if (late.isPresent()) {
                        r.status.put(node, late.get().line() + " (reported after the phase ended)");
                        changed = true;
                    }
                }
                continue;
            }
            if (!catchingUp.add(node)) {
                continue; // after its catch-up of an earlier rollout has reported
            }
            store.ask(r.id, node, FleetStore.APPLY + "." + m.incarnation(), m.incarnation());
            r.incarnation.put(node, m.incarnation());
            r.catchUp.put(node, "RUNNING");
            r.asked.put(node, now);
            r.log.add(now + " CATCH-UP: asked " + node + " (" + (inc == null ? "joined after the rollout" : "restarted") + ")");
            changed = true;
        }
        return changed;
    }

    /**
     * @return the node's status line for {@code step} once decided (its result, LOST, or FAILED on
     *         timeout), {@code null} while it is still running
     */
    private String poll(Rollout r, String node, String step, Map<String, Member> live, long now) throws Exception {
        Optional<StepResult> res = store.result(r.id, node, step);
        if (res.isPresent()) {
            return res.get().line();
        }
        String inc = r.incarnation.get(node);
        Member m = live.get(node);
        if (m != null && !m.incarnation().equals(inc)) {
            return "LOST: restarted during its step (its new run did not apply it)";
        }
        if (m == null) {
            long since = absentSince.computeIfAbsent(node, n -> now);
            if (now - since >= lostGraceMillis) {
                return "LOST: left the fleet during its step (its ZooKeeper session ended; missing for " + (now - since) / 1000 + " s)";
            }
            return null;
        }
        long asked = r.asked.getOrDefault(node, now);
        if (now - asked > r.stepTimeoutMillis) {
            return "FAILED: no result within " + r.stepTimeoutMillis / 1000 + " s";
        }
        return null;
    }
}
