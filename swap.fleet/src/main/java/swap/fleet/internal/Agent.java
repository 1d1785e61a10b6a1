package swap.fleet.internal;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

import swap.fleet.internal.FleetStore.Versioned;

/**
 * This node's side of every rollout: runs the steps the coordinator asked of this node's
 * incarnation, one at a time in rollout order (applies before a roll-back), and reports each
 * result once.
 *
 * <p>Exactly once per incarnation: a step's result is kept here before it is reported, so a step
 * whose report was lost (the session dropped between the step and the write) is reported again
 * from memory, never run twice. Steps asked of another incarnation of this node (a previous run of
 * its framework) are not this run's: the coordinator asks the new incarnation itself.
 *
 * <p>Not thread-safe: one thread calls {@link #tick()}.
 */
final class Agent {
    private final FleetStore store;
    private final String node;
    private final String incarnation;
    private final Set<String> labels;
    private final StepRunner runner;
    private final Consumer<String> log;
    /** rollout id + "/" + step -> the result this incarnation got (reported or not). */
    private final Map<String, StepResult> done = new HashMap<>();
    /** Rollouts that ended with every step of this node reported: not read again. */
    private final Set<String> finished = new HashSet<>();
    /**
     * Running rollouts this incarnation applied (and was not asked to roll back): their rules count
     * on top of the desired state while they run, so the reconcile never undoes a step.
     */
    private final Map<String, DesiredState.Rule> inFlight = new java.util.LinkedHashMap<>();
    /** Brings this node to the desired state; {@code null}: this agent only runs steps (protocol tests). */
    private Reconciler reconciler;
    private Reconciler.Report lastReport;
    /** The fleet's pin on this node: given the rules at every reconcile; {@code null}: none. */
    private FleetPin pin;
    /** The rules may have changed (a step ran, a rollout ended): reconcile soon. */
    private boolean rulesChanged;
    private int lastRevision = -1;

    Agent(FleetStore store, String node, String incarnation, Set<String> labels, StepRunner runner, Consumer<String> log) {
        this.store = store;
        this.node = node;
        this.incarnation = incarnation;
        this.labels = labels;
        this.runner = runner;
        this.log = log;
    }

    void tick() throws Exception {
        for (String id : store.rolloutIds()) {
            if (finished.contains(id)) {
                continue;
            }
            // The document first, the steps after: if it has ended, every step it asked is listed below.
            Optional<Versioned> v = store.read(id);
            if (v.isEmpty()) {
                continue;
            }
            Rollout r = v.get().rollout();
            if (r.state.terminal() || r.state == Rollout.State.ROLLING_BACK) {
                if (inFlight.remove(id) != null || r.state == Rollout.State.COMPLETED) {
                    rulesChanged = true; // a new desired revision, or an applied rule that no longer counts
                }
            }
            boolean mine = false;
            boolean pending = false;
            for (String[] s : store.steps(id, node)) {
                String step = s[0];
                if (!s[1].equals(incarnation)) {
                    continue;
                }
                mine = true;
                if (store.result(id, node, step).isPresent()) {
                    continue;
                }
                pending = true;
                StepResult res = done.get(id + "/" + step);
                if (res == null) {
                    log.accept("rollout " + id + ": " + step + " (" + r.what() + ")");
                    long t0 = System.nanoTime();
                    StepResult raw;
                    try {
                        raw = step.equals(FleetStore.ROLLBACK) ? runner.rollback(r) : runner.apply(r);
                    } catch (RuntimeException e) {
                        raw = StepResult.failed("the step threw " + e);
                    }
                    res = raw.by(incarnation, (System.nanoTime() - t0) / 1_000_000);
                    done.put(id + "/" + step, res);
                    log.accept("rollout " + id + ": " + step + " " + res.line());
                }
                store.report(id, node, step, res);
                if (step.equals(FleetStore.APPLY) && res.ok() && !res.noop() && !r.state.terminal() && r.state != Rollout.State.ROLLING_BACK) {
                    inFlight.put(id, DesiredState.Rule.of(r));
                    rulesChanged = true;
                } else if (step.equals(FleetStore.ROLLBACK)) {
                    inFlight.remove(id);
                    rulesChanged = true;
                }
            }
            // Nothing more can be asked of this incarnation in an ended rollout once every step asked of
            // it is reported, unless it is a COMPLETED rollout with this node's labels that never asked
            // it (the coordinator is about to ask it to catch up).
            if (!pending && r.state.terminal() && (mine || r.state != Rollout.State.COMPLETED || !r.matches(labels))) {
                finished.add(id);
            }
        }
    }

    Agent reconciler(Reconciler r) {
        this.reconciler = r;
        return this;
    }

    Agent pin(FleetPin p) {
        this.pin = p;
        return this;
    }

    /** @return whether the rules may have changed since the last call (then reconcile now) */
    boolean takeRulesChanged() {
        boolean c = rulesChanged;
        rulesChanged = false;
        return c;
    }

    /**
     * One reconcile pass against the current desired state (plus the rules of the running rollouts
     * this node applied); publishes the verdict ({@code /status/NODE}) when it changed.
     *
     * @return the verdict, {@code null} without a reconciler
     */
    Reconciler.Report reconcile() throws Exception {
        if (reconciler == null) {
            return null;
        }
        DesiredState d = store.desired();
        java.util.List<DesiredState.Rule> rules = d.rulesFor(labels);
        for (DesiredState.Rule u : inFlight.values()) {
            if (!d.rollout.equals(u.rollout)) {
                rules.add(u);
            }
        }
        if (pin != null) {
            pin.rules(d.revision, rules);
        }
        if (d.revision != lastRevision) {
            log.accept("desired state revision " + d.revision + ": " + (rules.isEmpty() ? "no rule for this node" : rules.size() + " rule(s) for this node"));
            lastRevision = d.revision;
        }
        Reconciler.Report rep = reconciler.reconcile(d.revision, rules);
        // republished when the verdict changed, or when its ephemeral znode went with a lost session
        if (rep.moved() > 0 || !rep.sameAs(lastReport) || store.status(node) == null) {
            if (!rep.state().equals(Reconciler.IN_LINE) || lastReport == null || !lastReport.state().equals(Reconciler.IN_LINE)) {
                log.accept("reconcile (revision " + d.revision + "): " + rep.state() + ": " + rep.why());
            }
            store.status(node, rep.toProperties(System.currentTimeMillis()));
            lastReport = rep;
        }
        return rep;
    }
}
