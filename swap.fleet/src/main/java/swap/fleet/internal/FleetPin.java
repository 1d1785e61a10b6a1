package swap.fleet.internal;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.framework.Filter;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;

import swap.api.EntryPin;
import swap.api.SwapConstants;
import swap.fleet.internal.DesiredState.Rule;

/**
 * The fleet's pin ({@link EntryPin}): while the desired state (or a running rollout this node
 * applied) names a target for an entry, a swap that would move it elsewhere is refused, whoever asks
 * (an object trigger, the auto-upgrade policy, a swap.monitor policy, the shell), unless the rule
 * was rolled out with "policy decides". Moves onto the rule's target are allowed, and so is every
 * move the fleet's own agent thread makes (rollout steps, roll-backs, reconciles).
 *
 * <p>Thread-safe: the rules are an immutable snapshot the agent publishes after each reconcile;
 * called on any thread that runs a swap.
 */
final class FleetPin implements EntryPin {
    private record Snapshot(int revision, List<Rule> rules) {
    }

    private final String owner;
    private volatile Thread agent;
    private volatile Snapshot snapshot = new Snapshot(0, List.of());
    private final Map<String, Filter> filters = new ConcurrentHashMap<>();

    /** @param agent the thread whose swaps are the fleet's own ({@code null}: none) */
    FleetPin(String node, Thread agent) {
        this.owner = "fleet (node " + node + ")";
        this.agent = agent;
    }

    /** The thread whose swaps are the fleet's own. */
    void agent(Thread t) {
        this.agent = t;
    }

    /** Publishes the rules the node reconciles to (oldest first). */
    void rules(int revision, List<Rule> rules) {
        snapshot = new Snapshot(revision, List.copyOf(rules));
    }

    @Override
    public String owner() {
        return owner;
    }

    @Override
    public String pinned(long entryId, String iface, Map<String, Object> from, Map<String, Object> to, String initiator, String reason) {
        if (Thread.currentThread() == agent) {
            return null; // the fleet's own move
        }
        Snapshot s = snapshot;
        for (int i = s.rules.size() - 1; i >= 0; i--) {
            Rule u = s.rules.get(i);
            boolean onTarget = matches(u.target, from);
            if (!onTarget && !matches(u.select, from)) {
                continue;
            }
            // the last rule that names the entry's implementation decides (as in the reconcile)
            if (u.policyDecides || matches(u.target, to)) {
                return null;
            }
            return "desired state revision " + s.revision + " says " + u.select + " -> " + u.target + " (rollout " + u.rollout
                    + "); the fleet moves it (fleet:undo, or a new fleet:rollout; rolled out with -p, local policies decide)";
        }
        return null;
    }

    private boolean matches(String selector, Map<String, Object> p) {
        if (!selector.startsWith("(")) {
            return selector.equals(p.get(SwapConstants.IMPL_NAME));
        }
        Filter f = filters.computeIfAbsent(selector, x -> {
            try {
                return FrameworkUtil.createFilter(x);
            } catch (InvalidSyntaxException e) {
                return null;
            }
        });
        return f != null && f.matches(p);
    }
}
