package swap.fleet.internal;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

import swap.api.SwapManager;
import swap.fleet.internal.FleetStore.Member;

/**
 * The {@code fleet:*} Gogo commands: {@code nodes}, {@code rollout}, {@code status}, {@code abort}.
 * Registered whether or not the fleet is configured, so that an operator who types one on an
 * unconfigured node is told how to configure it. Errors are exceptions whose message says what to do.
 */
@Component(service = FleetCommands.class, property = {"osgi.command.scope=fleet", "osgi.command.function=nodes",
        "osgi.command.function=rollout", "osgi.command.function=status", "osgi.command.function=abort", "osgi.command.function=history",
        "osgi.command.function=undo"})
public final class FleetCommands {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneId.systemDefault());
    private static final String OPTIONS = "fleet:rollout [-l LABELS] [-c CANARY] [-w WAVE] [-f MAX-FAILURES] [-g GATE-SECONDS] [-t STEP-TIMEOUT-SECONDS] [--wait] [-p] "
            + "swap SELECTOR TARGET [BUNDLE-URL] | upgrade SYMBOLIC-NAME BUNDLE-URL";

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile Fleet fleet;

    /** To check a swap's target on this node before the whole fleet is asked. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile SwapManager swaps;

    interface Command<T> {
        T run() throws Exception;
    }

    /** Runs a command; whatever it throws reaches the console as one {@code fleet: ...} line. */
    static <T> T guard(Command<T> c) {
        try {
            return c.run();
        } catch (FleetException e) {
            throw e;
        } catch (IllegalArgumentException | IllegalStateException | UnsupportedOperationException e) {
            throw new FleetException(e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FleetException("interrupted", e);
        } catch (Exception e) {
            throw new FleetException(e.getClass().getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    private Fleet fleet() {
        Fleet f = fleet;
        if (f == null && FleetConfig.error != null) {
            throw new IllegalStateException(FleetConfig.error.startsWith("fleet: ") ? FleetConfig.error.substring(7) : FleetConfig.error);
        }
        if (f == null) {
            throw new IllegalStateException("this node is not in a fleet: configure PID " + Fleet.PID
                    + ", e.g. a file deploy/swap.fleet.cfg with connect=zkhost:2181 (and node=NAME, labels=a,b)");
        }
        if (!f.connected()) {
            throw new IllegalStateException("not connected to ZooKeeper (node " + f.node + "); the client keeps retrying: check the ensemble and try again");
        }
        return f;
    }

    @Descriptor("list the live nodes of the fleet (* = this node, C = the coordinator) and whether each is in line with the desired state")
    public String nodes() {
        return guard(() -> {
            Fleet f = fleet();
            String leader = f.leader().orElse("");
            DesiredState d = f.store.desired();
            StringBuilder b = new StringBuilder(String.format("%-2s %-12s %-12s %-16s %-8s %-12s %-11s %s%n", "", "NODE", "LABELS", "HOST", "PID", "JOINED", "STATE", "WHY"));
            Map<String, Integer> count = new TreeMap<>();
            List<Member> members = new java.util.ArrayList<>(f.members());
            members.sort(java.util.Comparator.comparing(Member::name));
            for (Member m : members) {
                String mark = (m.name().equals(f.node) ? "*" : "") + (m.name().equals(leader) ? "C" : "");
                java.util.Properties st = f.store.status(m.name());
                String state = st == null ? "unknown" : st.getProperty("state", "unknown");
                String why = st == null ? "no reconcile reported yet" : st.getProperty("why", "");
                if (st != null && !String.valueOf(d.revision).equals(st.getProperty("revision"))) {
                    state = Reconciler.CONVERGING;
                    why = "last reconciled revision " + st.getProperty("revision") + ", desired is " + d.revision + " (" + why + ")";
                }
                count.merge(state, 1, Integer::sum);
                b.append(String.format("%-2s %-12s %-12s %-16s %-8d %-12s %-11s %s%n", mark, m.name(), m.labels().isEmpty() ? "-" : String.join(",", m.labels()),
                        m.host(), m.pid(), TIME.format(Instant.ofEpochMilli(m.joined())), state, why));
            }
            b.append("desired state revision ").append(d.revision).append(d.revision == 0 ? " (empty: no rollout completed yet)" : ": " + d.rules.size() + " rule(s)");
            StringBuilder c = new StringBuilder();
            count.forEach((k, v) -> c.append(c.length() == 0 ? "" : ", ").append(v).append(' ').append(k));
            b.append("; nodes: ").append(c);
            return b.toString();
        });
    }

    @Descriptor("list the revisions of the fleet's desired state, oldest first, and the rules of the current one")
    public String history() {
        return guard(() -> {
            Fleet f = fleet();
            List<Integer> revs = f.store.revisions();
            if (revs.isEmpty()) {
                return "desired state revision 0 (empty): no rollout completed yet";
            }
            StringBuilder b = new StringBuilder(String.format("%-5s %-12s %-10s %s%n", "REV", "CREATED", "BY", "CAUSE"));
            DesiredState last = null;
            for (int rev : revs) {
                Optional<DesiredState> d = f.store.revision(rev);
                if (d.isEmpty()) {
                    continue;
                }
                last = d.get();
                b.append(String.format("%-5d %-12s %-10s %s%n", rev, TIME.format(Instant.ofEpochMilli(last.created)), last.createdBy, last.cause));
            }
            b.append("current: revision ").append(last.revision).append(last.rules.isEmpty() ? ", no rule" : ", rules (later ones decide):");
            for (DesiredState.Rule u : last.rules) {
                b.append("\n  ").append(u.what());
            }
            if (last.change != null && Rollout.SWAP.equals(last.change.action)) {
                b.append("\nfleet:undo rolls out ").append(last.change.target).append(" -> ").append(last.change.select).append(" and returns to revision ")
                        .append(last.revision - 1).append("'s rules");
            }
            return b.toString();
        });
    }

    @Descriptor("undo the current desired-state revision: a rollout (canary, waves, gate) that moves the entries it moved back, "
            + "state carried; when it completes the desired state is the previous revision's rules again")
    public String undo(
            @Descriptor("health gate seconds (default 5)")
            @Parameter(names = {"-g", "--gate"}, absentValue = "5") double gateSeconds,
            @Descriptor("seconds one node may take for its step and gate (default 120)")
            @Parameter(names = {"-t", "--timeout"}, absentValue = "120") double timeoutSeconds,
            @Descriptor("wait until it has ended and print its status")
            @Parameter(names = {"--wait"}, presentValue = "true", absentValue = "false") boolean wait) {
        return guard(() -> {
            Fleet f = fleet();
            DesiredState d = f.store.desired();
            if (d.revision == 0 || d.change == null) {
                throw new IllegalStateException("nothing to undo: the desired state is at revision 0 (fleet:history)");
            }
            if (!Rollout.SWAP.equals(d.change.action)) {
                throw new IllegalStateException("revision " + d.revision + " came from an upgrade (" + d.change.what() + "); undo it with an upgrade rollout to the "
                        + "previous version's URL: fleet:rollout upgrade " + d.change.bundle + " OLD-BUNDLE-URL");
            }
            if (gateSeconds < 0 || timeoutSeconds <= 0) {
                throw new IllegalArgumentException("the gate is 0 or more seconds, the step timeout more than 0; usage: fleet:undo [-g GATE-SECONDS] [-t TIMEOUT-SECONDS] [--wait]");
            }
            Rollout r = new Rollout();
            r.action = Rollout.SWAP;
            r.select = d.change.target;
            r.target = d.change.select;
            r.labels = new java.util.LinkedHashSet<>(d.change.labels);
            r.policyDecides = d.change.policyDecides;
            r.undoOf = d.revision;
            r.watchMillis = (long) (gateSeconds * 1000);
            r.stepTimeoutMillis = (long) (timeoutSeconds * 1000);
            String id = f.start(r);
            if (!wait) {
                return "rollout " + id + " started: " + r.what() + "\nfleet:status " + id + " follows it";
            }
            return awaitEnd(f, id);
        });
    }

    @Descriptor("start a rollout across the fleet: a canary node first, then waves; each node's step is followed by a health gate; "
            + "too many failures roll every node back. " + OPTIONS)
    public String rollout(
            @Descriptor("only nodes with all these labels (comma-separated); default: every node")
            @Parameter(names = {"-l", "--labels"}, absentValue = "") String labels,
            @Descriptor("how many canary nodes go first (default 1)")
            @Parameter(names = {"-c", "--canary"}, absentValue = "1") int canary,
            @Descriptor("wave size: a node count, or a percentage of the nodes after the canary, quoted for Gogo: '25%' (default 50%)")
            @Parameter(names = {"-w", "--waves"}, absentValue = "50%") String waves,
            @Descriptor("how many nodes may fail before the fleet rolls back (default 0)")
            @Parameter(names = {"-f", "--max-failures"}, absentValue = "0") int maxFailures,
            @Descriptor("health gate: seconds each node watches the entries it moved; a call that throws fails the node (default 5; 0: none)")
            @Parameter(names = {"-g", "--gate"}, absentValue = "5") double gateSeconds,
            @Descriptor("seconds one node may take for its step and gate before it counts as failed (default 120)")
            @Parameter(names = {"-t", "--timeout"}, absentValue = "120") double timeoutSeconds,
            @Descriptor("wait until the rollout has ended and print its status")
            @Parameter(names = {"--wait"}, presentValue = "true", absentValue = "false") boolean wait,
            @Descriptor("policy decides: once completed, local triggers and policies may move the entries (the fleet neither pins nor reconciles them)")
            @Parameter(names = {"-p", "--policy-decides"}, presentValue = "true", absentValue = "false") boolean policyDecides,
            @Descriptor("swap (entries SELECTOR selects to TARGET) or upgrade (bundle SYMBOLIC-NAME to BUNDLE-URL)") String action,
            @Descriptor("swap: implementation name or LDAP filter of the entries to move; upgrade: the bundle's symbolic name") String first,
            @Descriptor("swap: target implementation name or LDAP filter; upgrade: URL of the new version (every node must reach it)") String second) throws Exception {
        return rollout(labels, canary, waves, maxFailures, gateSeconds, timeoutSeconds, wait, policyDecides, action, first, second, null);
    }

    @Descriptor("start a swap rollout that first installs the target's bundle from BUNDLE-URL on every node (uninstalled again on roll-back)")
    public String rollout(
            @Parameter(names = {"-l", "--labels"}, absentValue = "") String labels,
            @Parameter(names = {"-c", "--canary"}, absentValue = "1") int canary,
            @Parameter(names = {"-w", "--waves"}, absentValue = "50%") String waves,
            @Parameter(names = {"-f", "--max-failures"}, absentValue = "0") int maxFailures,
            @Parameter(names = {"-g", "--gate"}, absentValue = "5") double gateSeconds,
            @Parameter(names = {"-t", "--timeout"}, absentValue = "120") double timeoutSeconds,
            @Parameter(names = {"--wait"}, presentValue = "true", absentValue = "false") boolean wait,
            @Parameter(names = {"-p", "--policy-decides"}, presentValue = "true", absentValue = "false") boolean policyDecides,
            @Descriptor("swap") String action,
            @Descriptor("implementation name or LDAP filter of the entries to move") String first,
            @Descriptor("target implementation name or LDAP filter") String second,
            @Descriptor("URL of the bundle that provides the target (every node must reach it)") String install) {
        return guard(() -> doRollout(labels, canary, waves, maxFailures, gateSeconds, timeoutSeconds, wait, policyDecides, action, first, second, install));
    }

    private String doRollout(String labels, int canary, String waves, int maxFailures, double gateSeconds, double timeoutSeconds, boolean wait,
            boolean policyDecides, String action, String first, String second, String install) throws Exception {
        Rollout r = new Rollout();
        r.policyDecides = policyDecides;
        r.labels = Rollout.split(labels);
        if (canary < 0 || maxFailures < 0 || gateSeconds < 0 || timeoutSeconds <= 0) {
            throw new IllegalArgumentException("canary, max failures and gate are 0 or more, the step timeout more than 0; usage: " + OPTIONS);
        }
        Rollout.waveSize(waves, 1); // checks the syntax
        r.canary = canary;
        r.waves = waves;
        r.maxFailures = maxFailures;
        r.watchMillis = (long) (gateSeconds * 1000);
        r.stepTimeoutMillis = (long) (timeoutSeconds * 1000);
        if (Rollout.SWAP.equals(action)) {
            r.action = Rollout.SWAP;
            r.select = first;
            r.target = second;
            r.install = install == null ? "" : install;
            checkTarget("selector", first);
            checkTarget("target", second);
            SwapManager s = swaps;
            if (install == null && s != null && !FrameworkSteps.provides(s, second)) {
                throw new IllegalArgumentException("no implementation here matches target " + second + " (swap:impls lists them); if a bundle provides it, "
                        + "give its URL as the last argument: fleet:rollout ... swap " + first + " " + second + " BUNDLE-URL");
            }
        } else if (Rollout.UPGRADE.equals(action)) {
            if (install != null) {
                throw new IllegalArgumentException("upgrade takes a symbolic name and a URL, nothing more; usage: " + OPTIONS);
            }
            r.action = Rollout.UPGRADE;
            r.bundle = first;
            r.url = second;
            if (!second.contains(":")) {
                throw new IllegalArgumentException("'" + second + "' is not a URL; give the new version's location, e.g. file:/opt/bundles/fcm-1.1.0.jar or http://...");
            }
        } else {
            throw new IllegalArgumentException("unknown action '" + action + "': use swap or upgrade; usage: " + OPTIONS);
        }
        Fleet f = fleet();
        // checked here, before a rollout exists: labels some live node has, a bundle this node can read
        if (!r.labels.isEmpty()) {
            List<Member> live = f.members();
            if (live.stream().noneMatch(m -> m.labels().containsAll(r.labels))) {
                java.util.Set<String> known = new java.util.TreeSet<>();
                live.forEach(m -> known.addAll(m.labels()));
                throw new IllegalArgumentException("no live node has the labels " + String.join(",", r.labels) + " (labels in the fleet: "
                        + (known.isEmpty() ? "none" : String.join(",", known)) + "; fleet:nodes lists each node's)");
            }
        }
        if (!r.install.isEmpty()) {
            readBundle(r.install);
        }
        if (Rollout.UPGRADE.equals(r.action)) {
            java.util.jar.Manifest m = readBundle(r.url);
            String bsn = m.getMainAttributes().getValue(org.osgi.framework.Constants.BUNDLE_SYMBOLICNAME);
            if (bsn == null || !bsn.split(";")[0].trim().equals(r.bundle)) {
                throw new IllegalArgumentException("the bundle at " + r.url + " is " + (bsn == null ? "no bundle (no Bundle-SymbolicName)" : bsn.split(";")[0].trim())
                        + ", not " + r.bundle);
            }
            r.bundleVersion = org.osgi.framework.Version.parseVersion(m.getMainAttributes().getValue(org.osgi.framework.Constants.BUNDLE_VERSION)).toString();
        }
        String id = f.start(r);
        if (!wait) {
            return "rollout " + id + " started: " + r.what() + "\nfleet:status " + id + " follows it, fleet:abort " + id + " rolls it back";
        }
        return awaitEnd(f, id);
    }

    /** @return the manifest of the bundle at {@code url}, read from this node */
    static java.util.jar.Manifest readBundle(String url) {
        try (java.io.InputStream in = new java.net.URL(url).openStream(); java.util.jar.JarInputStream jar = new java.util.jar.JarInputStream(in)) {
            java.util.jar.Manifest m = jar.getManifest();
            if (m == null) {
                throw new IllegalArgumentException(url + " is not a bundle (a jar without a manifest)");
            }
            return m;
        } catch (java.net.MalformedURLException e) {
            throw new IllegalArgumentException("'" + url + "' is not a URL; give the bundle's location, e.g. file:/opt/bundles/fcm-1.1.0.jar");
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("cannot read " + url + " from this node (" + (e instanceof java.io.FileNotFoundException ? "no such file" : e.getMessage())
                    + "); every node must reach the bundle's URL");
        }
    }

    private static void checkTarget(String what, String t) {
        if (t.startsWith("(")) {
            try {
                org.osgi.framework.FrameworkUtil.createFilter(t);
            } catch (org.osgi.framework.InvalidSyntaxException e) {
                throw new IllegalArgumentException(what + " " + t + " is not a valid LDAP filter: " + e.getMessage());
            }
        }
    }

    private String awaitEnd(Fleet f, String id) throws Exception {
        while (true) {
            Optional<Rollout> r = f.rollout(id);
            if (r.isEmpty()) {
                throw new IllegalStateException("rollout " + id + " vanished from ZooKeeper");
            }
            if (r.get().state.terminal()) {
                return render(r.get());
            }
            Thread.sleep(200);
        }
    }

    @Descriptor("list every rollout, newest last")
    public String status() {
        return guard(() -> {
            List<Rollout> all = fleet().allRollouts();
            if (all.isEmpty()) {
                return "no rollout yet (fleet:rollout starts one)";
            }
            StringBuilder b = new StringBuilder(String.format("%-14s %-13s %-9s %s%n", "ID", "STATE", "TOOK", "WHAT"));
            for (Rollout r : all) {
                b.append(String.format("%-14s %-13s %-9s %s%n", r.id, r.stateLine(), took(r), r.what()));
            }
            return b.toString().stripTrailing();
        });
    }

    @Descriptor("show one rollout: its state, each phase's nodes and results, roll-backs, late joiners and its history")
    public String status(@Descriptor("rollout id (fleet:status lists them)") String id) {
        return guard(() -> render(fleet().rollout(id).orElseThrow(() -> new IllegalArgumentException("no rollout " + id + " (fleet:status lists them)"))));
    }

    @Descriptor("abort a rollout, saying why (the rest of the line, no quotes needed): every node that applied its step rolls back")
    public String abort(@Descriptor("rollout id") String id, @Descriptor("why (recorded with the rollout; default: operator)") String... why) {
        return guard(() -> {
            String reason = why == null || why.length == 0 ? "operator" : String.join(" ", why);
            Fleet f = fleet();
            Rollout r = f.rollout(id).orElseThrow(() -> new IllegalArgumentException("no rollout " + id + " (fleet:status lists them)"));
            if (r.state.terminal()) {
                throw new IllegalStateException("rollout " + id + " has ended " + r.stateLine() + "; to go back, fleet:undo (fleet:history shows the revisions)");
            }
            f.abort(id, reason);
            return "abort of " + id + " requested (" + r.stateLine() + "): the coordinator rolls back every node that applied it; fleet:status " + id + " follows it";
        });
    }
    static String took(Rollout r) {
        long end = r.state.terminal() ? r.ended : System.currentTimeMillis();
        return String.format("%.1f s", (end - r.created) / 1000.0);
    }

    static String render(Rollout r) {
        StringBuilder b = new StringBuilder();
        b.append("rollout ").append(r.id).append(": ").append(r.stateLine()).append("   ").append(r.what()).append('\n');
        b.append("  created on ").append(r.createdBy).append(" at ").append(TIME.format(Instant.ofEpochMilli(r.created)))
                .append(r.state.terminal() ? ", took " : ", running for ").append(took(r)).append('\n');
        b.append("  nodes: ").append(r.labels.isEmpty() ? "all" : "labels " + String.join(",", r.labels)).append("; canary ").append(r.canary)
                .append(", waves of ").append(r.waves).append(", max failures ").append(r.maxFailures).append(", gate ").append(r.watchMillis / 1000.0)
                .append(" s, step timeout ").append(r.stepTimeoutMillis / 1000).append(" s\n");
        if (!r.initiator.isEmpty()) {
            b.append("  initiator: ").append(r.initiator).append(r.cause.isEmpty() ? "" : "; cause: " + r.cause).append('\n');
        }
        if (!r.reason.isEmpty()) {
            b.append("  reason: ").append(r.reason).append('\n');
        }
        for (int i = 0; i < r.phases.size(); i++) {
            String name = r.canary > 0 && i == 0 ? "canary" : "wave " + (r.canary > 0 ? i : i + 1);
            b.append("  ").append(name).append(i > r.phase ? " (not started)" : "").append(":\n");
            for (String n : r.phases.get(i)) {
                b.append("    ").append(n).append("  ").append(r.status.getOrDefault(n, "-")).append('\n');
            }
        }
        if (!r.rollback.isEmpty()) {
            b.append("  roll-back:\n");
            r.rollback.forEach((n, s) -> b.append("    ").append(n).append("  ").append(s).append('\n'));
        }
        if (!r.catchUp.isEmpty()) {
            b.append("  late joiners:\n");
            r.catchUp.forEach((n, s) -> b.append("    ").append(n).append("  ").append(s).append('\n'));
        }
        b.append("  history:\n");
        for (String line : r.log) {
            int sp = line.indexOf(' ');
            long t = Long.parseLong(line.substring(0, sp));
            b.append("    ").append(TIME.format(Instant.ofEpochMilli(t))).append(line.substring(sp)).append('\n');
        }
        return b.toString().stripTrailing();
    }
}
