package swap.monitor.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import swap.api.Entry;
import swap.api.Policy;
import swap.api.PolicyDTO;
import swap.api.SwapException;
import swap.api.SwapManager;

/**
 * The policy runner's logic, without OSGi: puts each configured policy behind a swap-manager entry
 * (once its implementation is available) and evaluates the enabled ones. Decisions are handed to
 * a sink (the OSGi log in the platform). Thread-safe; {@link #evaluateAll()} is called by one
 * thread at a time.
 */
public final class Policies {

    /** Where decisions go. */
    public interface Sink {
        void decided(String policy, String decision);
    }

    private final SwapManager manager;
    private final Sink sink;
    private final Map<String, PolicyDTO> policies = new LinkedHashMap<>();
    private final Map<String, Entry<Policy>> entries = new LinkedHashMap<>();

    /** Runs {@code names}, every one turned on. */
    public Policies(SwapManager manager, List<String> names, Sink sink) {
        this(manager, names, names, sink);
    }

    /** Runs {@code names}; those in {@code on} start turned on, the others off. */
    public Policies(SwapManager manager, List<String> names, java.util.Collection<String> on, Sink sink) {
        this.manager = manager;
        this.sink = sink;
        for (String n : names) {
            PolicyDTO d = new PolicyDTO();
            d.name = n;
            d.enabled = on.contains(n);
            policies.put(n, d);
        }
    }

    /** Evaluates every enabled policy once. */
    public synchronized void evaluateAll() {
        for (PolicyDTO d : policies.values()) {
            if (!d.enabled) {
                continue;
            }
            Entry<Policy> e = entries.get(d.name);
            if (e == null) {
                try {
                    e = manager.create(Policy.class, d.name);
                } catch (SwapException notYet) {
                    continue; // the policy's bundle is not there (yet)
                }
                entries.put(d.name, e);
                d.entryId = e.id();
            }
            String decision;
            try {
                decision = e.handle().evaluate(manager);
            } catch (IllegalStateException released) {
                entries.remove(d.name);
                d.entryId = -1;
                continue;
            }
            d.evaluations++;
            if (decision != null) {
                d.lastDecision = decision;
                d.lastDecisionAtMillis = System.currentTimeMillis();
                sink.decided(d.name, decision);
            }
        }
    }

    public synchronized List<PolicyDTO> policies() {
        List<PolicyDTO> l = new ArrayList<>();
        for (PolicyDTO d : policies.values()) {
            PolicyDTO c = new PolicyDTO();
            c.name = d.name;
            c.entryId = d.entryId;
            c.enabled = d.enabled;
            c.evaluations = d.evaluations;
            c.lastDecision = d.lastDecision;
            c.lastDecisionAtMillis = d.lastDecisionAtMillis;
            l.add(c);
        }
        return l;
    }

    public synchronized void enable(String name, boolean enabled) {
        PolicyDTO d = policies.get(name);
        if (d == null) {
            throw new SwapException("no policy named '" + name + "'; configured: " + policies.keySet()
                    + " (configuration PID swap.policy, property policies)");
        }
        d.enabled = enabled;
    }

    /** Releases the policies' entries. */
    public synchronized void close() {
        for (Entry<Policy> e : entries.values()) {
            manager.release(e.id());
        }
        entries.clear();
    }
}
