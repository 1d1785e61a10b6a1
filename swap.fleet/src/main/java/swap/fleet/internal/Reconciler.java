package swap.fleet.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Filter;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.Version;

import swap.api.Batch;
import swap.api.BatchResult;
import swap.api.EntryDTO;
import swap.api.ImplementationDTO;
import swap.api.SwapConstants;
import swap.api.SwapManager;
import swap.api.SwapOutcome;
import swap.api.SwapResult;
import swap.api.UpgradeManager;
import swap.api.UpgradeResult;
import swap.fleet.internal.DesiredState.Rule;

/**
 * Brings this node's entries to the desired state: for each entry the last rule that names its
 * implementation (as selector or target) decides; an entry on a selector's implementation moves to
 * the rule's target with the engine's own swap (one batch per rule, each entry on its own, state
 * carried, journaled with the reason {@code fleet reconcile}); an {@code upgrade} rule whose bundle
 * runs an older version here is an {@link UpgradeManager} upgrade. A pass that finds every entry in
 * line sends no swap.
 *
 * <p>Cost of a pass: one {@link SwapManager#list()} and one {@link SwapManager#implementations}
 * snapshot, then one hash look-up per entry (the decision is made once per implementation, not per
 * entry); filters are parsed once and kept.
 *
 * <p>Called by the agent's one thread (not thread-safe).
 */
final class Reconciler {

    /** What a pass found: {@link #IN_LINE}, {@link #CONVERGING} or {@link #DRIFTED}, and why. */
    record Report(String state, String why, int revision, int entries, int governed, int moved, long micros) {
        Properties toProperties(long at) {
            Properties p = new Properties();
            p.setProperty("state", state);
            p.setProperty("why", why);
            p.setProperty("revision", String.valueOf(revision));
            p.setProperty("entries", String.valueOf(entries));
            p.setProperty("governed", String.valueOf(governed));
            p.setProperty("moved", String.valueOf(moved));
            p.setProperty("at", String.valueOf(at));
            return p;
        }

        /** Same verdict (the figures and the time aside): not worth a write to ZooKeeper. */
        boolean sameAs(Report o) {
            return o != null && state.equals(o.state) && why.equals(o.why) && revision == o.revision && governed == o.governed;
        }
    }

    static final String IN_LINE = "in line";
    static final String CONVERGING = "converging";
    static final String DRIFTED = "drifted";

    private final SwapManager swaps;
    private final BundleContext context;
    private final UpgradeManager upgrades;
    private final Map<String, Filter> filters = new HashMap<>();
    /** Entries moved by the last pass: the next pass that finds them on the target again is what "converged" means. */
    private int lastMoved;

    Reconciler(SwapManager swaps, BundleContext context, UpgradeManager upgrades) {
        this.swaps = swaps;
        this.context = context;
        this.upgrades = upgrades;
    }

    /** One pass over {@code rules} (oldest first; later ones decide) of desired revision {@code revision}. */
    Report reconcile(int revision, List<Rule> rules) {
        long t0 = System.nanoTime();
        List<String> problems = new ArrayList<>();
        int moved = 0;
        int busy = 0;
        List<Rule> swapRules = new ArrayList<>();
        for (Rule u : rules) {
            if (Rollout.UPGRADE.equals(u.action)) {
                String s = upgrade(u);
                if (s != null && s.startsWith("!")) {
                    problems.add(s.substring(1));
                } else if (s != null) {
                    moved++;
                }
            } else {
                swapRules.add(u);
            }
        }
        // entry properties: those of its implementation's registration (as the engine's selector sees them)
        Map<String, Map<String, Object>> props = new HashMap<>();
        for (ImplementationDTO i : swaps.implementations(null)) {
            props.put(key(i.iface, i.name, i.version, i.bundleId), withClass(i.properties, i.iface));
        }
        // per implementation (not per entry): which rule decides, and whether the entry is on its target
        Map<String, int[]> decision = new HashMap<>();
        Map<Integer, List<Long>> toMove = new LinkedHashMap<>();
        Map<Integer, List<String>> fromWhat = new HashMap<>();
        int governed = 0;
        List<EntryDTO> entries = swaps.list();
        for (EntryDTO e : entries) {
            if ("RELEASED".equals(e.state)) {
                continue;
            }
            String k = key(e.iface, e.implementation, e.version, e.bundleId);
            int[] d = decision.get(k);
            if (d == null) {
                Map<String, Object> p = props.get(k);
                if (p == null) {
                    p = new HashMap<>();
                    p.put(SwapConstants.IMPL_NAME, e.implementation);
                    p.put(SwapConstants.IMPL_VERSION, e.version == null ? "0.0.0" : e.version);
                    p.put("objectClass", new String[] {e.iface});
                }
                d = decide(swapRules, p);
                decision.put(k, d);
            }
            if (d[0] < 0) {
                continue; // no rule names its implementation
            }
            governed++;
            if (d[1] == 1) {
                continue; // in line
            }
            if (!"ACTIVE".equals(e.state) && !"ORPHANED".equals(e.state)) {
                busy++; // mid-swap or parked: the next pass looks again
                continue;
            }
            toMove.computeIfAbsent(d[0], i -> new ArrayList<>()).add(e.id);
            List<String> f = fromWhat.computeIfAbsent(d[0], i -> new ArrayList<>());
            String from = e.implementation + " " + e.version;
            if (!f.contains(from)) {
                f.add(from);
            }
        }
        for (Map.Entry<Integer, List<Long>> m : toMove.entrySet()) {
            Rule u = swapRules.get(m.getKey());
            String missing = ensureTarget(u);
            if (missing != null) {
                problems.add(m.getValue().size() + " entr" + (m.getValue().size() == 1 ? "y" : "ies") + " of " + u.select + " cannot move: " + missing);
                continue;
            }
            BatchResult br = swaps.swap(Batch.of(m.getValue()).to(u.target)
                    .reason("fleet reconcile: desired revision " + revision + ": " + u.select + " -> " + u.target + " (they ran " + String.join(", ", fromWhat.get(m.getKey())) + ")"))
                    .toCompletableFuture().join();
            for (SwapResult r : br.results) {
                if (r.outcome == SwapOutcome.COMPLETED) {
                    moved++;
                } else {
                    problems.add("entry " + r.entryId + " could not move to " + u.target + ": " + r.outcome + (r.reason == null ? "" : ": " + r.reason));
                }
            }
            if (br.results.isEmpty() && br.outcome != SwapOutcome.COMPLETED) {
                problems.add("entries " + m.getValue() + " could not move to " + u.target + ": " + br.outcome + (br.reason == null ? "" : ": " + br.reason));
            }
        }
        long micros = (System.nanoTime() - t0) / 1_000;
        String state;
        String why;
        if (!problems.isEmpty()) {
            state = DRIFTED;
            why = String.join("; ", problems.subList(0, Math.min(3, problems.size()))) + (problems.size() > 3 ? "; and " + (problems.size() - 3) + " more" : "");
        } else if (moved > 0 || busy > 0) {
            state = CONVERGING;
            why = (moved > 0 ? "moved " + moved + " entr" + (moved == 1 ? "y" : "ies") + " to the desired implementation" : "")
                    + (moved > 0 && busy > 0 ? "; " : "") + (busy > 0 ? busy + " entr" + (busy == 1 ? "y is" : "ies are") + " mid-swap or parked" : "");
        } else {
            state = IN_LINE;
            why = governed + " of " + entries.size() + " entr" + (entries.size() == 1 ? "y" : "ies") + " under the desired state, all on their target"
                    + (lastMoved > 0 ? " (after moving " + lastMoved + ")" : "");
        }
        lastMoved = moved;
        return new Report(state, why, revision, entries.size(), governed, moved, micros);
    }

    /** @return {index of the deciding rule or -1, 1 if the implementation is that rule's target} */
    private int[] decide(List<Rule> rules, Map<String, Object> p) {
        for (int i = rules.size() - 1; i >= 0; i--) {
            Rule u = rules.get(i);
            if (matches(u.target, p)) {
                return new int[] {i, 1};
            }
            if (matches(u.select, p)) {
                return new int[] {i, u.policyDecides ? 1 : 0}; // "policy decides": either side is in line
            }
        }
        return new int[] {-1, 0};
    }

    private boolean matches(String selector, Map<String, Object> p) {
        if (!selector.startsWith("(")) {
            return selector.equals(p.get(SwapConstants.IMPL_NAME));
        }
        Filter f = filters.computeIfAbsent(selector, s -> {
            try {
                return FrameworkUtil.createFilter(s);
            } catch (InvalidSyntaxException e) {
                return null;
            }
        });
        return f != null && f.matches(p);
    }

    /** @return {@code null} when an implementation matches the rule's target here (installing its bundle if the rule names one), else why not */
    private String ensureTarget(Rule u) {
        if (FrameworkSteps.provides(swaps, u.target)) {
            return null;
        }
        if (u.install.isEmpty() || context == null) {
            return "no implementation matches " + u.target + " here (swap:impls lists them)";
        }
        try {
            Bundle b = context.getBundle(u.install);
            if (b == null) {
                b = context.installBundle(u.install);
            }
            b.start();
        } catch (Exception e) {
            return "cannot install " + u.install + ": " + e.getMessage();
        }
        for (int i = 0; i < 100 && !FrameworkSteps.provides(swaps, u.target); i++) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return FrameworkSteps.provides(swaps, u.target) ? null : "installed " + u.install + " but no implementation matches " + u.target + " after 10 s";
    }

    /** @return {@code null} if in line, a line if it upgraded, "!why" if it could not */
    private String upgrade(Rule u) {
        if (context == null || u.version.isEmpty()) {
            return null;
        }
        Bundle old = null;
        for (Bundle b : context.getBundles()) {
            if (u.bundle.equals(b.getSymbolicName()) && (old == null || b.getVersion().compareTo(old.getVersion()) > 0)) {
                old = b;
            }
        }
        Version want = Version.parseVersion(u.version);
        if (old == null || old.getVersion().compareTo(want) >= 0) {
            return null;
        }
        if (upgrades == null) {
            return "!bundle " + u.bundle + " is at " + old.getVersion() + ", the desired state wants " + want + ": no upgrade manager here";
        }
        UpgradeResult r = upgrades.upgrade(old.getBundleId(), u.url, false, 0);
        if (r.outcome != SwapOutcome.COMPLETED) {
            return "!bundle " + u.bundle + " " + old.getVersion() + " could not be upgraded to " + want + ": " + r.outcome + ": " + r.reason;
        }
        return "upgraded " + u.bundle + " to " + want;
    }

    private static String key(String iface, String name, String version, long bundleId) {
        return iface + '|' + name + '|' + version + '|' + bundleId;
    }

    private static Map<String, Object> withClass(Map<String, Object> p, String iface) {
        Map<String, Object> m = new HashMap<>(p == null ? Map.of() : p);
        m.putIfAbsent("objectClass", new String[] {iface});
        m.putIfAbsent(SwapConstants.IMPL_NAME, "");
        return m;
    }
}
