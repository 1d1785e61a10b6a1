package swap.fleet.internal;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Optional;

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
        "osgi.command.function=rollout", "osgi.command.function=status", "osgi.command.function=abort"})
public final class FleetCommands {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneId.systemDefault());
    private static final String OPTIONS = "fleet:rollout [-l LABELS] [-c CANARY] [-w WAVE] [-f MAX-FAILURES] [-g GATE-SECONDS] [-t STEP-TIMEOUT-SECONDS] [--wait] "
            + "swap SELECTOR TARGET [BUNDLE-URL] | upgrade SYMBOLIC-NAME BUNDLE-URL";

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile Fleet fleet;

    /** To check a swap's target on this node before the whole fleet is asked. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile SwapManager swaps;

    private Fleet fleet() {
        Fleet f = fleet;
        if (f == null) {
            throw new IllegalStateException("this node is not in a fleet: configure PID " + Fleet.PID
                    + ", e.g. a file deploy/swap.fleet.cfg with connect=zkhost:2181 (and node=NAME, labels=a,b)");
        }
        if (!f.connected()) {
            throw new IllegalStateException("not connected to ZooKeeper (node " + f.node + "); the client keeps retrying: check the ensemble and try again");
        }
        return f;
    }

    @Descriptor("list the live nodes of the fleet (* = this node, C = the coordinator)")
    public String nodes() throws Exception {
        Fleet f = fleet();
        String leader = f.leader().orElse("");
        StringBuilder b = new StringBuilder(String.format("%-2s %-16s %-20s %-24s %-8s %s%n", "", "NODE", "LABELS", "HOST", "PID", "JOINED"));
        for (Member m : f.members()) {
            String mark = (m.name().equals(f.node) ? "*" : "") + (m.name().equals(leader) ? "C" : "");
            b.append(String.format("%-2s %-16s %-20s %-24s %-8d %s%n", mark, m.name(), m.labels().isEmpty() ? "-" : String.join(",", m.labels()), m.host(),
                    m.pid(), TIME.format(Instant.ofEpochMilli(m.joined()))));
        }
        return b.toString().stripTrailing();
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
            @Descriptor("swap (entries SELECTOR selects to TARGET) or upgrade (bundle SYMBOLIC-NAME to BUNDLE-URL)") String action,
            @Descriptor("swap: implementation name or LDAP filter of the entries to move; upgrade: the bundle's symbolic name") String first,
            @Descriptor("swap: target implementation name or LDAP filter; upgrade: URL of the new version (every node must reach it)") String second) throws Exception {
        return rollout(labels, canary, waves, maxFailures, gateSeconds, timeoutSeconds, wait, action, first, second, null);
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
            @Descriptor("swap") String action,
            @Descriptor("implementation name or LDAP filter of the entries to move") String first,
            @Descriptor("target implementation name or LDAP filter") String second,
            @Descriptor("URL of the bundle that provides the target (every node must reach it)") String install) throws Exception {
        Rollout r = new Rollout();
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
        String id = f.start(r);
        if (!wait) {
            return "rollout " + id + " started: " + r.what() + "\nfleet:status " + id + " follows it, fleet:abort " + id + " rolls it back";
        }
        return awaitEnd(f, id);
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
    public String status() throws Exception {
        List<Rollout> all = fleet().rollouts();
        if (all.isEmpty()) {
            return "no rollout yet (fleet:rollout starts one)";
        }
        StringBuilder b = new StringBuilder(String.format("%-14s %-13s %-9s %s%n", "ID", "STATE", "TOOK", "WHAT"));
        for (Rollout r : all) {
            b.append(String.format("%-14s %-13s %-9s %s%n", r.id, r.stateLine(), took(r), r.what()));
        }
        return b.toString().stripTrailing();
    }

    @Descriptor("show one rollout: its state, each phase's nodes and results, roll-backs, late joiners and its history")
    public String status(@Descriptor("rollout id (fleet:status lists them)") String id) throws Exception {
        return render(fleet().rollout(id).orElseThrow(() -> new IllegalArgumentException("no rollout " + id + " (fleet:status lists them)")));
    }

    @Descriptor("abort a rollout: every node that applied its step rolls back")
    public String abort(@Descriptor("rollout id") String id) throws Exception {
        return abort(id, "operator");
    }

    @Descriptor("abort a rollout, saying why")
    public String abort(@Descriptor("rollout id") String id, @Descriptor("why (recorded with the rollout)") String why) throws Exception {
        Fleet f = fleet();
        Rollout r = f.rollout(id).orElseThrow(() -> new IllegalArgumentException("no rollout " + id + " (fleet:status lists them)"));
        if (r.state.terminal()) {
            throw new IllegalStateException("rollout " + id + " has ended " + r.stateLine() + "; to go back, roll out the reverse (e.g. fleet:rollout swap "
                    + (Rollout.SWAP.equals(r.action) ? r.target + " " + r.select : "...") + ")");
        }
        f.abort(id, why);
        return "abort of " + id + " requested (" + r.stateLine() + "): the coordinator rolls back every node that applied it; fleet:status " + id + " follows it";
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
