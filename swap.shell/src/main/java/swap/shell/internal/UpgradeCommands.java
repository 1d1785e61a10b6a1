package swap.shell.internal;

import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.framework.Version;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

import swap.api.SwapOptions;
import swap.api.SwapOutcome;
import swap.api.SwapResult;
import swap.api.UpgradeManager;
import swap.api.UpgradeResult;

/**
 * {@code swap:upgrade}: a new version of an implementation bundle installed beside the running one,
 * every entry moved to it as one atomic group, the old bundle uninstalled (or, on failure, the new
 * one). A component of its own, apart from {@link SwapCommands}.
 */
@Component(service = UpgradeCommands.class, property = {"osgi.command.scope=swap", "osgi.command.function=upgrade"})
public final class UpgradeCommands {

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile UpgradeManager upgrades;

    @Descriptor("side by side: install a new version of an implementation bundle beside the running one, move every entry of the old one to it as one atomic group, uninstall the old one (on failure: every entry stays, the new bundle is uninstalled)")
    public String upgrade(
            @Descriptor("list what would move and with which format; move nothing (the new bundle is installed only to ask it, then uninstalled)")
            @Parameter(names = {"-n", "--dry-run"}, presentValue = "true", absentValue = "false") String dryRun,
            @Descriptor("milliseconds to wait for the new bundle's implementations, and the group's quiescence timeout (default: 10 s and the swap manager's)")
            @Parameter(names = {"-t", "--timeout"}, absentValue = "0") String timeout,
            @Descriptor("watch the entries after they moved for this long, e.g. 10s: if any gets worse than just before, every entry goes back to the old bundle (outcome REVERTED)")
            @Parameter(names = {"-w", "--watch"}, absentValue = "") String watch,
            @Descriptor("move each entry only after a canary of its own agreed (swap:canary; configuration swap.core.safe); if one does not, every entry goes back (outcome ROLLED_BACK)")
            @Parameter(names = {"-c", "--canary"}, presentValue = "true", absentValue = "false") String canary,
            @Descriptor("id of the bundle that provides the running implementations (lb, swap:impls)") String bundle,
            @Descriptor("URL of the new version, e.g. file:/tmp/counter-1.1.0.jar") String location) {
        UpgradeManager u = upgrades;
        if (u == null) {
            throw new ShellException("swap", "no upgrade manager: bundle swap.core is not active; lb shows it, start it with start ID");
        }
        // Every parameter is a String, parsed here: each one Gogo must coerce makes it rank this method lower, at
        // last below the catch-all (Karaf's shell does so with even one), which then prints the usage line.
        long timeoutMillis = Shell.number("swap", "--timeout", timeout, 0, Long.MAX_VALUE / 1_000_000, "give the milliseconds to wait, e.g. --timeout 10000");
        long bundleId = Shell.number("swap", "bundle id", bundle, 0, Long.MAX_VALUE, "give the id lb shows for the bundle that provides the running implementations");
        SwapOptions gates = gates(watch, Boolean.parseBoolean(canary));
        // file:dir/x.jar reads against the working directory, as install and start read it
        UpgradeResult r = u.upgrade(bundleId, Builtins.relativeFile(java.nio.file.Paths.get(""), location),
                Boolean.parseBoolean(dryRun), timeoutMillis, gates);
        if (r.outcome == SwapOutcome.REFUSED && r.moves.isEmpty()) {
            throw new ShellException("swap", "upgrade refused: " + r.reason);
        }
        return render(r);
    }

    /** The safety gates of {@code --watch WINDOW} and {@code --canary}, as {@code swap:watch} and {@code swap:canary} take them. */
    static SwapOptions gates(String watch, boolean canary) {
        SwapOptions o = canary ? SwapOptions.canary(0, 0) : watch.isEmpty() ? SwapOptions.plain() : SwapOptions.watch(SafeSwapCommands.window(watch, "watch"));
        if (canary && !watch.isEmpty()) {
            o.andWatch(SafeSwapCommands.window(watch, "watch"));
        }
        return o;
    }

    public Object getUpgrade(Object... wrong) {
        throw Usage.wrong("swap", "upgrade");
    }

    static String render(UpgradeResult r) {
        StringBuilder b = new StringBuilder();
        b.append(r.dryRun ? "dry run: " : "").append("upgrade of bundle ").append(r.oldBundleId).append(" (").append(r.oldBundle).append(") to bundle ")
                .append(r.newBundleId).append(" (").append(r.newBundle).append("): ").append(r.outcome).append(direction(r.oldBundle, r.newBundle)).append('\n');
        for (SwapResult m : r.moves) {
            b.append("  entry ").append(m.entryId).append(": ").append(orNone(m.from)).append(" -> ").append(orNone(m.to)).append("  ")
                    .append(r.dryRun && m.outcome == SwapOutcome.COMPLETED ? "would move" : String.valueOf(m.outcome))
                    .append(", format ").append(m.format == null ? "-" : m.format);
            if (m.skippedFormats != null && !m.skippedFormats.isEmpty()) {
                b.append(", skipped ").append(String.join("; ", m.skippedFormats));
            }
            if (m.outcome != SwapOutcome.COMPLETED && m.reason != null) {
                b.append(": ").append(m.reason);
            }
            b.append('\n');
        }
        if (r.moves.isEmpty()) {
            b.append("  no entry runs on bundle ").append(r.oldBundleId).append('\n');
        }
        if (r.reason != null) {
            b.append(r.reason).append('\n');
        }
        if (r.oldUninstalled) {
            b.append("bundle ").append(r.oldBundleId).append(" uninstalled\n");
        }
        if (r.newUninstalled) {
            b.append("bundle ").append(r.newBundleId).append(" (the new version) uninstalled again\n");
        }
        return b.toString().stripTrailing();
    }

    private static String orNone(String implementation) {
        return implementation == null ? "(no implementation chosen)" : implementation;
    }

    /**
     * {@code " (downgrade 1.1.0 -> 1.0.0)"} when the new bundle's version is lower than the old one's,
     * {@code " (same version 1.0.0)"} when equal, else empty; from {@code "name version"} as
     * {@link UpgradeResult} gives them.
     */
    static String direction(String oldBundle, String newBundle) {
        Version from = version(oldBundle);
        Version to = version(newBundle);
        if (from == null || to == null) {
            return "";
        }
        int c = to.compareTo(from);
        return c < 0 ? " (downgrade " + from + " -> " + to + ")" : c == 0 ? " (same version " + to + ")" : "";
    }

    private static Version version(String nameAndVersion) {
        if (nameAndVersion == null || nameAndVersion.indexOf(' ') < 0) {
            return null;
        }
        try {
            return Version.parseVersion(nameAndVersion.substring(nameAndVersion.lastIndexOf(' ') + 1));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
