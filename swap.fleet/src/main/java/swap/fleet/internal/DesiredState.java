package swap.fleet.internal;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;

/**
 * One revision of the fleet's desired state: the rules every node converges to. Kept in ZooKeeper
 * as {@code /desired/rev-NNNNNNNNNN} (persistent, never overwritten: every revision stays, for
 * {@code fleet:history} and {@code fleet:undo}); the highest number is the current one.
 *
 * <p>A rule says where the entries of a selector should run ({@link Rule#select} -> {@link Rule#target},
 * both an implementation name or an LDAP filter, as {@code swap:swap}), or which version of a bundle
 * should be installed (an {@code upgrade} rule), on the nodes with the rule's labels. When two rules
 * name an entry's implementation (as selector or as target), the later one decides: so
 * {@code A -> B} followed by {@code B -> A} leaves entries on A, and a chain {@code A -> B}, {@code B -> C}
 * ends on C. Every move follows a rule to a later rule's target, so a node never moves an entry in
 * a circle.
 *
 * <p>Not thread-safe: each reader gets its own copy from ZooKeeper.
 */
final class DesiredState {

    /** What entries (or a bundle) should run on the nodes with {@link #labels}. */
    static final class Rule {
        String action = Rollout.SWAP;
        String select = "";
        String target = "";
        /** Bundle URL that provides the target: installed by a node that has no implementation matching it. */
        String install = "";
        /** upgrade: the bundle's symbolic name, the URL of the wanted version and that version. */
        String bundle = "";
        String url = "";
        String version = "";
        Set<String> labels = new LinkedHashSet<>();
        /** The rollout that wrote it. */
        String rollout = "";
        /** Whether local triggers and policies may move its entries elsewhere ("policy decides"). */
        boolean policyDecides;

        static Rule of(Rollout r) {
            Rule u = new Rule();
            u.action = r.action;
            u.select = r.select;
            u.target = r.target;
            u.install = r.install;
            u.bundle = r.bundle;
            u.url = r.url;
            u.version = r.bundleVersion;
            u.labels = new LinkedHashSet<>(r.labels);
            u.rollout = r.id;
            u.policyDecides = r.policyDecides;
            return u;
        }

        /** The rule that puts back what this one moved (for {@code fleet:undo}). */
        Rule reverse(String by) {
            Rule u = new Rule();
            u.action = action;
            u.select = target;
            u.target = select;
            u.labels = new LinkedHashSet<>(labels);
            u.rollout = by;
            u.policyDecides = policyDecides;
            return u;
        }

        boolean matches(Set<String> nodeLabels) {
            return nodeLabels.containsAll(labels);
        }

        String what() {
            String where = labels.isEmpty() ? "" : " [labels " + String.join(",", labels) + "]";
            if (Rollout.UPGRADE.equals(action)) {
                return "bundle " + bundle + " at " + (version.isEmpty() ? url : version + " (" + url + ")") + where;
            }
            return select + " -> " + target + (install.isEmpty() ? "" : " (from " + install + ")") + (policyDecides ? ", policy decides" : "") + where;
        }

        void store(Properties p, String k) {
            p.setProperty(k + "action", action);
            p.setProperty(k + "select", select);
            p.setProperty(k + "target", target);
            p.setProperty(k + "install", install);
            p.setProperty(k + "bundle", bundle);
            p.setProperty(k + "url", url);
            p.setProperty(k + "version", version);
            p.setProperty(k + "labels", String.join(",", labels));
            p.setProperty(k + "rollout", rollout);
            p.setProperty(k + "policyDecides", String.valueOf(policyDecides));
        }

        static Rule load(Properties p, String k) {
            Rule u = new Rule();
            u.action = p.getProperty(k + "action", Rollout.SWAP);
            u.select = p.getProperty(k + "select", "");
            u.target = p.getProperty(k + "target", "");
            u.install = p.getProperty(k + "install", "");
            u.bundle = p.getProperty(k + "bundle", "");
            u.url = p.getProperty(k + "url", "");
            u.version = p.getProperty(k + "version", "");
            u.labels = Rollout.split(p.getProperty(k + "labels", ""));
            u.rollout = p.getProperty(k + "rollout", "");
            u.policyDecides = Boolean.parseBoolean(p.getProperty(k + "policyDecides", "false"));
            return u;
        }

        /** Whether a later rule {@code next} takes this one's place (same selector, or the same bundle). */
        boolean replacedBy(Rule next) {
            if (!next.labels.equals(labels) || !next.action.equals(action)) {
                return false;
            }
            return Rollout.UPGRADE.equals(action) ? next.bundle.equals(bundle) : next.select.equals(select) || next.select.equals(target) && next.target.equals(select);
        }
    }

    /** 0 for the empty state before any rollout completed. */
    int revision;
    long created;
    String createdBy = "";
    /** Why this revision was written: "rollout r-N completed", "undo of revision N (rollout r-M)". */
    String cause = "";
    /** The rollout whose completion wrote it (also an undo's own rollout): makes the write idempotent. */
    String rollout = "";
    /** Oldest first; later rules decide. */
    List<Rule> rules = new ArrayList<>();
    /** Where each target's bundle was installed from (target -> URL), kept across revisions. */
    final java.util.Map<String, String> sources = new java.util.TreeMap<>();
    /** The move that led here from the revision before (its reverse leads back: {@code fleet:undo}); {@code null} for revision 0. */
    Rule change;

    static DesiredState empty() {
        return new DesiredState();
    }

    /** The next revision: these rules plus {@code rule}, minus the rules it replaces. */
    DesiredState with(Rule rule, String cause, String rolloutId, String by, long now) {
        java.util.Map<String, String> src = new java.util.TreeMap<>(sources);
        if (Rollout.SWAP.equals(rule.action)) {
            if (rule.install.isEmpty()) {
                // a rollout to a target its nodes already had: a node that joins later, without it, installs it
                // from where an earlier rollout did
                rule.install = src.getOrDefault(rule.target, "");
            } else {
                src.put(rule.target, rule.install);
            }
        }
        List<Rule> l = new ArrayList<>();
        for (Rule u : rules) {
            if (!u.replacedBy(rule)) {
                l.add(u);
            }
        }
        l.add(rule);
        DesiredState d = next(l, rule, cause, rolloutId, by, now);
        d.sources.putAll(src);
        return d;
    }

    /** The next revision, with {@code rules} (an undo: the rules of an earlier revision) reached by {@code change}. */
    DesiredState next(List<Rule> rules, Rule change, String cause, String rolloutId, String by, long now) {
        DesiredState d = new DesiredState();
        d.revision = revision + 1;
        d.created = now;
        d.createdBy = by;
        d.cause = cause;
        d.rollout = rolloutId;
        d.rules.addAll(rules);
        d.change = change;
        d.sources.putAll(sources);
        return d;
    }

    /** The rules that apply to a node with {@code labels}, oldest first. */
    List<Rule> rulesFor(Set<String> labels) {
        List<Rule> l = new ArrayList<>();
        for (Rule u : rules) {
            if (u.matches(labels)) {
                l.add(u);
            }
        }
        return l;
    }

    byte[] toBytes() {
        Properties p = new Properties();
        p.setProperty("revision", String.valueOf(revision));
        p.setProperty("created", String.valueOf(created));
        p.setProperty("createdBy", createdBy);
        p.setProperty("cause", cause);
        p.setProperty("rollout", rollout);
        p.setProperty("rules", String.valueOf(rules.size()));
        for (int i = 0; i < rules.size(); i++) {
            rules.get(i).store(p, "rule." + i + ".");
        }
        if (change != null) {
            change.store(p, "change.");
        }
        int i = 0;
        for (java.util.Map.Entry<String, String> e : sources.entrySet()) {
            p.setProperty("source." + i + ".target", e.getKey());
            p.setProperty("source." + i + ".url", e.getValue());
            i++;
        }
        return FleetStore.bytes(p);
    }

    static DesiredState fromBytes(byte[] data) {
        Properties p = FleetStore.props(data);
        DesiredState d = new DesiredState();
        d.revision = Integer.parseInt(p.getProperty("revision", "0"));
        d.created = Long.parseLong(p.getProperty("created", "0"));
        d.createdBy = p.getProperty("createdBy", "");
        d.cause = p.getProperty("cause", "");
        d.rollout = p.getProperty("rollout", "");
        int n = Integer.parseInt(p.getProperty("rules", "0"));
        for (int i = 0; i < n; i++) {
            d.rules.add(Rule.load(p, "rule." + i + "."));
        }
        if (p.getProperty("change.action") != null) {
            d.change = Rule.load(p, "change.");
        }
        for (int i = 0; p.getProperty("source." + i + ".target") != null; i++) {
            d.sources.put(p.getProperty("source." + i + ".target"), p.getProperty("source." + i + ".url", ""));
        }
        return d;
    }
}
