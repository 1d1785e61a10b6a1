package swap.core.upgrade;

import swap.core.journal.JournalService;
import swap.core.osgi.Platform;
import swap.kernel.Engine;
import swap.kernel.EntryImpl;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import swap.api.Batch;
import swap.api.SwapOptions;
import swap.api.BatchResult;
import swap.api.JournalRecordDTO;
import swap.api.SwapConstants;
import swap.api.SwapManager;
import swap.api.SwapOutcome;
import swap.api.SwapResult;
import swap.api.UpgradeManager;
import swap.api.UpgradeResult;

/**
 * Side-by-side upgrades ({@link UpgradeManager#upgrade}): the new version of an implementation
 * bundle is installed beside the old one, every entry of the old one moves to it as one atomic
 * group ({@link Batch#atomic()}), and the old bundle is uninstalled; or, on any failure, the new
 * one is. The group's target is the new bundle ({@code service.bundleid}), which must provide,
 * for each interface, the one implementation name the old bundle provides for it.
 *
 * <p>Journaled as intent and outcome ({@link JournalService#upgrade}, kind {@code upgrade}, the
 * records of one upgrade sharing the key {@code upgrade:N}): {@code STARTED} right before the new
 * bundle is installed, {@code INSTALLED} once it is, {@code MOVED} once every entry is on it, then
 * the outcome {@code COMPLETED}, {@code ROLLED_BACK} or {@code REFUSED} with the reason (a request
 * refused before anything is installed is one {@code REFUSED} record). A crash
 * between intent and outcome is finished or undone at the next start by {@link UpgradeRecovery},
 * which this component waits for. The new location must not be installed yet (else the upgrade is
 * refused), so the bundle at that location is known to be the upgrade's own.
 *
 * <p>Fault points for the crash tests ({@link Faults}): {@code upgrade.installing},
 * {@code upgrade.installed}, {@code upgrade.moved}, {@code upgrade.before-uninstall-old}.
 *
 * <p>Thread-safe: upgrades may run concurrently on different bundles; each blocks its caller.
 */
@Component(service = UpgradeManager.class)
public class SideBySide implements UpgradeManager {

    /** How long to wait for the new bundle's implementations unless the request says otherwise. */
    static final long DEFAULT_WAIT_MILLIS = 10_000;

    private final BundleContext context;
    private final Engine engine;
    private final Platform platform;
    private final JournalService journal;
    private final Faults faults;
    /** Held from the check that a location is not installed to its install, so two upgrades cannot share one. */
    private final Object installing = new Object();

    /** @param recovered the recovery of upgrades a crash interrupted, done before any new upgrade starts */
    @Activate
    public SideBySide(BundleContext context, @Reference Platform platform, @Reference JournalService journal, @Reference UpgradeRecovery recovered) {
        this.context = context;
        this.platform = platform;
        this.engine = platform.engine();
        this.journal = journal;
        this.faults = Faults.of(context);
    }

    /** One upgrade's journal records: its key and what is known so far of its bundles. */
    private final class Steps {
        final String key = journal.newUpgradeKey();
        final long oldId;
        final String location;
        final String prefix;
        /** Why, as the requester said ({@code ""}: not said), after every record's reason. */
        final String suffix;
        String oldBundle;
        long newId = -1;
        String newBundle;

        Steps(long oldId, String location, boolean dryRun, String why) {
            this.oldId = oldId;
            this.location = location;
            this.prefix = dryRun ? "dry run: " : "";
            this.suffix = why == null || why.isBlank() ? "" : "; " + why;
        }

        void old(Bundle b) {
            oldBundle = b.getSymbolicName() + " " + b.getVersion();
        }

        void installed(Bundle b) {
            newId = b.getBundleId();
            newBundle = b.getSymbolicName() + " " + b.getVersion();
        }

        void append(String step, String reason) {
            JournalRecordDTO r = new JournalRecordDTO();
            r.entryId = -1;
            r.key = key;
            r.bundleId = oldId;
            r.bundle = oldBundle;
            r.newBundleId = newId;
            r.location = location;
            r.from = oldBundle == null ? "bundle " + oldId : oldBundle + " (" + oldId + ")";
            r.to = newBundle == null ? location : newBundle + " (" + newId + ")";
            r.outcome = step;
            r.reason = prefix + reason + suffix;
            journal.upgrade(r);
        }

        /** Journals {@code u}'s outcome; @return {@code u} */
        UpgradeResult outcome(UpgradeResult u, String what) {
            append(String.valueOf(u.outcome), what + (u.reason != null ? ": " + u.reason : ""));
            return u;
        }
    }

    @Override
    public String policy(String name) {
        return Upgrades.policy(context, name);
    }

    @Override
    public UpgradeResult upgrade(long bundleId, String location, boolean dryRun, long timeoutMillis) {
        return upgrade(bundleId, location, dryRun, timeoutMillis, SwapOptions.plain(), null);
    }

    @Override
    public UpgradeResult upgrade(long bundleId, String location, boolean dryRun, long timeoutMillis, SwapOptions options, String why) {
        SwapOptions gates = options == null ? SwapOptions.plain() : options;
        UpgradeResult u = new UpgradeResult();
        u.oldBundleId = bundleId;
        u.dryRun = dryRun;
        Steps steps = new Steps(bundleId, location, dryRun, why);
        Bundle old = context.getBundle(bundleId);
        if (old != null) {
            steps.old(old);
        }
        // A refusal before anything is installed is one record (REFUSED): intent and outcome at once.
        if (old == null || old.getState() == Bundle.UNINSTALLED) {
            return steps.outcome(refuse(u, "no bundle " + bundleId + "; lb lists the bundles"), "refused, nothing changed");
        }
        u.oldBundle = old.getSymbolicName() + " " + old.getVersion();
        Map<String, String> names = names(old); // interface -> implementation name
        if (names == null) {
            return steps.outcome(refuse(u, "bundle " + bundleId + " provides no running implementation (swap:impls lists them)"), "refused, nothing changed");
        }
        if (names.containsValue(null)) {
            return steps.outcome(refuse(u, "bundle " + bundleId + " provides several implementations of one interface (" + names.keySet()
                    + "); swap:upgrade moves a bundle's entries to the one implementation of their interface in the new bundle: move them with swap:swap"),
                    "refused, nothing changed");
        }
        String noFile = missingFile(location);
        if (noFile != null) {
            return steps.outcome(refuse(u, noFile), "refused, nothing changed");
        }
        Bundle nb;
        synchronized (installing) {
            Bundle there = context.getBundle(location);
            if (there != null) {
                return steps.outcome(refuse(u, there.getBundleId() == bundleId
                        ? location + " is the location of bundle " + bundleId + " itself: to replace a bundle in place use update " + bundleId + " [URL]"
                        : location + " is installed already, as bundle " + there.getBundleId() + " (" + there.getSymbolicName() + " " + there.getVersion()
                                + "): swap:upgrade installs the new version from a location not installed yet; to move the entries to an installed bundle use swap:swap"),
                        "refused, nothing changed");
            }
            // the intent, once the location is known to be free: a bundle found there after a crash is this upgrade's
            steps.append("STARTED", "side-by-side upgrade of bundle " + steps.oldBundle + " (" + bundleId + ") to " + location);
            try {
                nb = context.installBundle(location);
            } catch (BundleException | RuntimeException e) {
                return steps.outcome(refuse(u, "cannot install " + location + ": " + e.getMessage()), "refused, nothing changed");
            }
        }
        faults.reach(Faults.UPGRADE_INSTALLING);
        u.newBundleId = nb.getBundleId();
        u.newBundle = nb.getSymbolicName() + " " + nb.getVersion();
        steps.installed(nb);
        steps.append("INSTALLED", "installed bundle " + u.newBundle + " (" + nb.getBundleId() + ") from " + location + ", on trial until the entries have moved");
        faults.reach(Faults.UPGRADE_INSTALLED);
        long wait = timeoutMillis > 0 ? timeoutMillis : DEFAULT_WAIT_MILLIS;
        // On trial until its entries have moved: its services trigger nothing (no front move, adoption or auto upgrade)
        // and no other swap picks it, so an upgrade that is refused or a dry run leaves nothing behind.
        platform.staging().add(nb.getBundleId());
        if (!java.util.Objects.equals(nb.getSymbolicName(), old.getSymbolicName())) {
            // refused at once: waiting for implementations it may well register would only delay the answer
            return undo(steps, u, nb, SwapOutcome.REFUSED, "bundle " + u.newBundle + " (" + nb.getBundleId() + ") is not a version of " + old.getSymbolicName()
                    + ": swap:upgrade replaces a bundle by another version of the same bundle; to move the entries to another bundle's implementation,"
                    + " install and start that bundle and use swap:swap");
        }
        try {
            nb.start();
            String missing = await(nb, names, wait);
            if (missing != null) {
                return undo(steps, u, nb, SwapOutcome.REFUSED, "bundle " + u.newBundle + " (" + nb.getBundleId() + ") did not register " + missing + " within " + wait
                        + " ms (swap:impls shows what it registered; see the log for activation errors)");
            }
        } catch (BundleException | RuntimeException e) {
            return undo(steps, u, nb, SwapOutcome.REFUSED, "cannot start " + u.newBundle + ": " + e.getMessage());
        }
        List<EntryImpl<?>> entries = entriesOf(old);
        String target = "(" + Constants.SERVICE_BUNDLEID + "=" + nb.getBundleId() + ")";
        String reason = "side-by-side upgrade: bundle " + old.getSymbolicName() + " " + old.getVersion() + " (" + bundleId + ") -> " + nb.getVersion() + " ("
                + nb.getBundleId() + ")" + steps.suffix;
        List<Long> ids = new ArrayList<>();
        for (EntryImpl<?> e : entries) {
            ids.add(e.id());
        }
        if (dryRun) {
            BatchResult r = engine.dryRun(ids, target, "dry run: " + reason);
            u.moves = r.results;
            boolean all = r.outcome == SwapOutcome.COMPLETED;
            return undo(steps, u, nb, all ? SwapOutcome.COMPLETED : SwapOutcome.REFUSED, all ? null : "some entries could not move (see their reasons)");
        }
        if (!entries.isEmpty() && gates.isCanary()) {
            UpgradeResult failed = canaries(steps, u, old, nb, ids, target, reason, timeoutMillis, gates);
            if (failed != null) {
                return failed;
            }
        } else if (!entries.isEmpty()) {
            Batch batch = Batch.of(ids).to(target).atomic().timeout(timeoutMillis).reason(gates.isWatch() ? reason + " (watched)" : reason);
            if (gates.isWatch()) {
                batch.options(gates.timeout(timeoutMillis));
            }
            BatchResult r = engine.swap(batch).toCompletableFuture().join();
            u.moves = r.results;
            if (r.outcome == SwapOutcome.REVERTED) {
                return back(steps, u, old, nb, SwapOutcome.REVERTED, "the watch found the new version worse: " + r.reason);
            }
            if (r.outcome != SwapOutcome.COMPLETED) {
                return undo(steps, u, nb, r.outcome == SwapOutcome.REFUSED ? SwapOutcome.REFUSED : SwapOutcome.ROLLED_BACK,
                        "every entry stays on bundle " + bundleId + ": " + r.reason);
            }
        }
        steps.append("MOVED", (ids.isEmpty() ? "no entry to move" : "entries " + ids + " moved to bundle " + nb.getBundleId() + " as one atomic batch")
                + "; the old bundle " + bundleId + " is uninstalled next");
        faults.reach(Faults.UPGRADE_MOVED);
        platform.unstage(nb.getBundleId()); // the entries moved: swappable services' fronts follow, orphans are adopted
        faults.reach(Faults.UPGRADE_BEFORE_UNINSTALL_OLD);
        try {
            old.uninstall();
            u.oldUninstalled = true;
            u.outcome = SwapOutcome.COMPLETED;
        } catch (BundleException | RuntimeException e) {
            u.outcome = SwapOutcome.COMPLETED;
            u.reason = "the entries moved, but the old bundle could not be uninstalled: " + e.getMessage();
        }
        return steps.outcome(u, u.oldUninstalled ? "uninstalled the old bundle " + u.oldBundle + " (" + bundleId + ")" : "completed");
    }

    /**
     * Gated by canaries: each entry swaps to the new bundle after a canary of its own (and a watch if
     * asked), all at once. @return {@code null} if every entry moved and passed, else the upgrade's
     * result once every entry is back on the old bundle
     */
    private UpgradeResult canaries(Steps steps, UpgradeResult u, Bundle old, Bundle nb, List<Long> ids, String target, String reason, long timeoutMillis,
            SwapOptions gates) {
        List<java.util.concurrent.CompletableFuture<SwapResult>> running = new ArrayList<>();
        for (long id : ids) {
            running.add(engine.swap(id, target, reason + " (canary" + (gates.isWatch() ? " and watch" : "") + ")", gates.timeout(timeoutMillis))
                    .toCompletableFuture());
        }
        List<SwapResult> moves = new ArrayList<>();
        SwapResult bad = null;
        for (java.util.concurrent.CompletableFuture<SwapResult> f : running) {
            SwapResult r = f.join();
            moves.add(r);
            if (bad == null && r.outcome != SwapOutcome.COMPLETED) {
                bad = r;
            }
        }
        u.moves = List.copyOf(moves);
        if (bad == null) {
            return null;
        }
        SwapOutcome outcome = bad.outcome == SwapOutcome.REVERTED ? SwapOutcome.REVERTED : SwapOutcome.ROLLED_BACK;
        return back(steps, u, old, nb, outcome, "entry " + bad.entryId + " " + bad.outcome + ": " + bad.reason);
    }

    /**
     * A gate failed: every entry still on the new bundle goes back to the old one (one atomic batch, the
     * engine's protocol, state carried), then the new bundle is uninstalled.
     */
    private UpgradeResult back(Steps steps, UpgradeResult u, Bundle old, Bundle nb, SwapOutcome outcome, String why) {
        List<Long> moved = new ArrayList<>();
        for (EntryImpl<?> e : entriesOf(nb)) {
            moved.add(e.id());
        }
        if (!moved.isEmpty()) {
            BatchResult r = engine.swap(Batch.of(moved).to("(" + Constants.SERVICE_BUNDLEID + "=" + old.getBundleId() + ")").atomic()
                    .reason("upgrade gate failed, back to bundle " + u.oldBundle + " (" + old.getBundleId() + "): " + why)).toCompletableFuture().join();
            if (r.outcome != SwapOutcome.COMPLETED) {
                // the new bundle keeps running those entries: it is not uninstalled, and it is taken off trial so it behaves as installed
                platform.unstage(nb.getBundleId());
                u.outcome = SwapOutcome.COMPLETED;
                u.reason = why + "; but entries " + moved + " could not go back to bundle " + old.getBundleId() + " (" + r.outcome + ": " + r.reason
                        + "): they stay on the new bundle, and both bundles stay installed";
                return steps.outcome(u, "gate failed, partly undone");
            }
        }
        return undo(steps, u, nb, outcome, why + "; every entry is back on bundle " + u.oldBundle + " (" + old.getBundleId() + ")");
    }

    /** Why {@code location} cannot be installed because it names a file that is not there, or {@code null}. */
    static String missingFile(String location) {
        if (location == null || !location.startsWith("file:")) {
            return null;
        }
        java.nio.file.Path p;
        try {
            p = java.nio.file.Paths.get(new java.net.URI(location));
        } catch (java.net.URISyntaxException | IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
            return "not a file URL: " + location + "; give the URL of the new version's jar, e.g. file:/tmp/counter-1.1.0.jar";
        }
        if (java.nio.file.Files.isRegularFile(p)) {
            return null;
        }
        java.nio.file.Path dir = p.getParent();
        return "no file " + p + (dir != null && !java.nio.file.Files.isDirectory(dir) ? " (no directory " + dir + ")" : "")
                + "; give the URL of the new version's jar, e.g. file:/tmp/counter-1.1.0.jar";
    }

    private static UpgradeResult refuse(UpgradeResult u, String why) {
        u.outcome = SwapOutcome.REFUSED;
        u.reason = why;
        return u;
    }

    private UpgradeResult undo(Steps steps, UpgradeResult u, Bundle nb, SwapOutcome outcome, String why) {
        try {
            nb.uninstall();
            u.newUninstalled = true;
        } catch (BundleException | RuntimeException e) {
            why = (why == null ? "" : why + "; ") + "the new bundle could not be uninstalled: " + e.getMessage();
        } finally {
            platform.staging().remove(nb.getBundleId());
        }
        u.outcome = outcome;
        u.reason = why;
        String what = u.newUninstalled ? "uninstalled the new bundle " + u.newBundle + " (" + nb.getBundleId() + ") again" : "the new bundle stays installed";
        return steps.outcome(u, u.dryRun ? "nothing changed (" + (outcome == SwapOutcome.COMPLETED ? "every entry could move" : "not every entry could move")
                + "); " + what : what);
    }

    /** @return interface -> the implementation name {@code b} registers for it ({@code null} value: several), or {@code null} if none */
    private static Map<String, String> names(Bundle b) {
        ServiceReference<?>[] refs = b.getRegisteredServices();
        Map<String, Set<String>> m = new LinkedHashMap<>();
        if (refs != null) {
            for (ServiceReference<?> r : refs) {
                Object n = r.getProperty(SwapConstants.IMPL_NAME);
                if (n == null) {
                    continue;
                }
                for (String c : (String[]) r.getProperty(Constants.OBJECTCLASS)) {
                    m.computeIfAbsent(c, k -> new LinkedHashSet<>()).add(n.toString());
                }
            }
        }
        if (m.isEmpty()) {
            return null;
        }
        Map<String, String> one = new LinkedHashMap<>();
        m.forEach((c, s) -> one.put(c, s.size() == 1 ? s.iterator().next() : null));
        return one;
    }

    /** Waits until {@code nb} registers, for each interface, the name {@code names} gives. @return what is missing at the deadline, or {@code null} */
    private static String await(Bundle nb, Map<String, String> names, long waitMillis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
        while (true) {
            Map<String, String> got = names(nb);
            List<String> missing = new ArrayList<>();
            names.forEach((c, n) -> {
                if (got == null || !n.equals(got.get(c))) {
                    missing.add(n + " (" + c + ")");
                }
            });
            if (missing.isEmpty()) {
                return null;
            }
            if (System.nanoTime() > deadline) {
                return String.join(", ", missing);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return String.join(", ", missing) + " (interrupted)";
            }
        }
    }

    /** The live entries whose instance comes from a service of {@code b}, by id. */
    private List<EntryImpl<?>> entriesOf(Bundle b) {
        List<EntryImpl<?>> l = new ArrayList<>();
        for (EntryImpl<?> e : engine.table().entries()) {
            Object origin = e.implementation().origin();
            if (!EntryImpl.RELEASED.equals(e.state()) && origin instanceof ServiceReference && ((ServiceReference<?>) origin).getBundle() == b) {
                l.add(e);
            }
        }
        l.sort((x, y) -> Long.compare(x.id(), y.id()));
        return l;
    }
}
