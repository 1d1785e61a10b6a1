package swap.fleet.internal;

import java.io.InputStream;
import java.net.URL;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.Version;

import swap.api.Batch;
import swap.api.BatchResult;
import swap.api.ImplementationDTO;
import swap.api.SwapManager;
import swap.api.SwapOutcome;
import swap.api.SwapResult;
import swap.api.UpgradeManager;
import swap.api.UpgradeResult;

/**
 * A rollout's steps on this framework, through the platform's public API only:
 * <ul>
 * <li>{@code swap}: optionally installs and starts a bundle, then swaps every entry the selector
 * matches to the target as one atomic batch; roll-back swaps each entry back to the exact
 * implementation and version it came from (one atomic batch per implementation) and uninstalls
 * the bundle if this step installed it;</li>
 * <li>{@code upgrade}: a side-by-side upgrade ({@link UpgradeManager}) of the bundle with the
 * rollout's symbolic name to the bundle at its URL; roll-back is the reverse upgrade, to the old
 * bundle's location (the old version's file must still be there).</li>
 * </ul>
 * The health gate, after a step that moved entries: a counting interposer on each of them for the
 * rollout's watch window; one call that threw fails the step, which then undoes itself here and
 * reports FAILED.
 *
 * <p>Called by the agent's one thread; the undo records are kept per rollout, in memory (entries do
 * not outlive the framework, so neither need they).
 */
final class FrameworkSteps implements StepRunner {
    static final String GATE = "fleet.gate";

    private final BundleContext context;
    private final SwapManager swaps;
    private final UpgradeManager upgrades;
    private final long waitMillis;
    private final Map<String, Undo> undo = new ConcurrentHashMap<>();

    /** What one apply did here, to undo it. */
    private static final class Undo {
        long installedBundle = -1;
        /** entry id -> "name version" it came from */
        final Map<Long, String> moved = new LinkedHashMap<>();
        long newBundle = -1;
        String oldLocation;
    }

    FrameworkSteps(BundleContext context, SwapManager swaps, UpgradeManager upgrades, long waitMillis) {
        this.context = context;
        this.swaps = swaps;
        this.upgrades = upgrades;
        this.waitMillis = waitMillis;
    }

    @Override
    public StepResult apply(Rollout r) {
        return Rollout.UPGRADE.equals(r.action) ? upgrade(r) : swap(r);
    }

    @Override
    public StepResult rollback(Rollout r) {
        Undo u = undo.get(r.id);
        if (u == null) {
            return StepResult.ok("nothing to roll back: this node's apply changed nothing");
        }
        String back = Rollout.UPGRADE.equals(r.action) ? downgrade(u) : swapBack(u);
        if (back != null) {
            return StepResult.failed(back);
        }
        undo.remove(r.id);
        return StepResult.ok(Rollout.UPGRADE.equals(r.action) ? "downgraded to " + u.oldLocation
                : "returned " + u.moved.size() + " entr" + (u.moved.size() == 1 ? "y" : "ies") + (u.installedBundle >= 0 ? ", uninstalled bundle " + u.installedBundle : ""));
    }

    // ------------------------------------------------------------------ swap

    private StepResult swap(Rollout r) {
        Undo u = new Undo();
        try {
            if (!r.install.isEmpty()) {
                Bundle b = context.getBundle(r.install);
                if (b == null) {
                    b = context.installBundle(r.install);
                    u.installedBundle = b.getBundleId();
                }
                b.start();
            }
            if (!awaitTarget(r.target)) {
                uninstall(u);
                return StepResult.failed("no implementation matches target " + r.target + " after " + waitMillis / 1000 + " s (swap:impls lists them)");
            }
        } catch (Exception e) {
            uninstall(u);
            return StepResult.failed("cannot install " + r.install + ": " + e.getMessage());
        }
        BatchResult br = swaps.swap(Batch.select(r.select).to(r.target).atomic().reason("fleet rollout " + r.id))
                .toCompletableFuture().join();
        if (br.results.isEmpty()) {
            undo.put(r.id, u);
            return StepResult.noop("no entry matches " + r.select + " here: nothing to move" + (u.installedBundle >= 0 ? " (bundle " + u.installedBundle + " installed)" : ""));
        }
        if (br.outcome != SwapOutcome.COMPLETED) {
            uninstall(u);
            return StepResult.failed("the batch " + br.outcome + ": " + firstReason(br.results) + "; every entry stayed where it was");
        }
        for (SwapResult s : br.results) {
            u.moved.put(s.entryId, s.from);
        }
        String moved = "moved " + u.moved.size() + " entr" + (u.moved.size() == 1 ? "y" : "ies") + " to " + br.results.get(0).to;
        return gated(r, u, moved, this::swapBack, "swapped back");
    }

    /**
     * The health gate over what an apply moved; when it fails, the apply is undone here (and its undo
     * record kept if that fails too, for the fleet's roll-back to try again).
     */
    private StepResult gated(Rollout r, Undo u, String what, java.util.function.Function<Undo, String> undoer, String undone) {
        undo.put(r.id, u);
        String gate = gate(u.moved.keySet(), r.watchMillis);
        if (!gate.startsWith("!")) {
            return StepResult.ok(what + "; " + gate);
        }
        String back = undoer.apply(u);
        if (back == null) {
            undo.remove(r.id);
            return StepResult.failed(what + ", but the health gate failed: " + gate.substring(1) + "; " + undone);
        }
        return StepResult.failed(what + ", but the health gate failed: " + gate.substring(1) + "; undoing it failed too: " + back);
    }

    /** @return {@code null} when every moved entry is back on its old implementation, else why not */
    private String swapBack(Undo u) {
        Map<String, List<Long>> byFrom = new LinkedHashMap<>();
        for (Map.Entry<Long, String> e : u.moved.entrySet()) {
            if (swaps.entry(e.getKey()).isPresent()) {
                byFrom.computeIfAbsent(e.getValue(), f -> new ArrayList<>()).add(e.getKey());
            }
        }
        StringBuilder failed = new StringBuilder();
        for (Map.Entry<String, List<Long>> g : byFrom.entrySet()) {
            BatchResult br = swaps.swap(Batch.of(g.getValue()).to(exact(g.getKey())).atomic().reason("fleet roll-back")).toCompletableFuture().join();
            if (br.outcome != SwapOutcome.COMPLETED) {
                failed.append(failed.length() == 0 ? "" : "; ").append("entries ").append(g.getValue()).append(" could not return to ")
                        .append(g.getKey()).append(": ").append(firstReason(br.results));
            }
        }
        if (failed.length() > 0) {
            return failed.toString();
        }
        uninstall(u);
        return null;
    }

    /** "fcm.shared 1.0.0" -> a filter for exactly that implementation and version. */
    static String exact(String nameVersion) {
        String[] p = nameVersion.trim().split("\\s+");
        if (p.length < 2) {
            return p[0];
        }
        return "(&(" + swap.api.SwapConstants.IMPL_NAME + "=" + p[0] + ")(" + swap.api.SwapConstants.IMPL_VERSION + "=" + p[1] + "))";
    }

    private boolean awaitTarget(String target) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
        while (!provides(swaps, target)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(100);
        }
        return true;
    }

    /**
     * Whether an implementation registered with the swap manager matches {@code target}: an
     * implementation name, or an LDAP filter over its properties.
     *
     * @throws IllegalArgumentException for a malformed filter
     */
    static boolean provides(SwapManager swaps, String target) {
        org.osgi.framework.Filter filter = null;
        if (target.startsWith("(")) {
            try {
                filter = org.osgi.framework.FrameworkUtil.createFilter(target);
            } catch (org.osgi.framework.InvalidSyntaxException e) {
                throw new IllegalArgumentException("target " + target + " is not a valid LDAP filter: " + e.getMessage());
            }
        }
        for (ImplementationDTO i : swaps.implementations(null)) {
            if (i.refused == null && (filter == null ? target.equals(i.name) : filter.matches(i.properties))) {
                return true;
            }
        }
        return false;
    }

    private void uninstall(Undo u) {
        if (u.installedBundle >= 0) {
            Bundle b = context.getBundle(u.installedBundle);
            if (b != null) {
                try {
                    b.uninstall();
                } catch (Exception e) {
                    // reported by the caller's result: the entries are back, the bundle stays
                }
            }
        }
    }

    // ------------------------------------------------------------------ upgrade

    private StepResult upgrade(Rollout r) {
        if (upgrades == null) {
            return StepResult.failed("no upgrade manager here (bundle swap.core is not active)");
        }
        Manifest m;
        try (InputStream in = new URL(r.url).openStream(); JarInputStream jar = new JarInputStream(in)) {
            m = jar.getManifest();
        } catch (Exception e) {
            return StepResult.failed("cannot read the bundle at " + r.url + ": " + e);
        }
        String bsn = m == null ? null : m.getMainAttributes().getValue(Constants.BUNDLE_SYMBOLICNAME);
        if (bsn == null || !bsn.split(";")[0].trim().equals(r.bundle)) {
            return StepResult.failed("the bundle at " + r.url + " is " + bsn + ", not " + r.bundle);
        }
        Version newVersion = Version.parseVersion(m.getMainAttributes().getValue(Constants.BUNDLE_VERSION));
        Bundle old = null;
        for (Bundle b : context.getBundles()) {
            if (r.bundle.equals(b.getSymbolicName()) && (old == null || b.getVersion().compareTo(old.getVersion()) > 0)) {
                old = b;
            }
        }
        if (old == null) {
            return StepResult.noop("bundle " + r.bundle + " is not installed here: nothing to upgrade");
        }
        if (old.getVersion().equals(newVersion)) {
            return StepResult.ok(r.bundle + " is at " + newVersion + " already");
        }
        // the journal's reason names the rollout, and what asked for it (e.g. the fix feed and its repository)
        UpgradeResult ur = upgrades.upgrade(old.getBundleId(), r.url, false, 0, swap.api.SwapOptions.plain(),
                "fleet rollout " + r.id + (r.cause.isEmpty() ? "" : ": " + r.cause));
        if (ur.outcome != SwapOutcome.COMPLETED) {
            return StepResult.failed("upgrade " + ur.outcome + ": " + (ur.reason != null ? ur.reason : firstReason(ur.moves)));
        }
        Undo u = new Undo();
        u.newBundle = ur.newBundleId;
        u.oldLocation = old.getLocation();
        for (SwapResult s : ur.moves) {
            u.moved.put(s.entryId, s.from);
        }
        String what = "upgraded " + r.bundle + " " + old.getVersion() + " -> " + newVersion + ", " + u.moved.size() + " entr" + (u.moved.size() == 1 ? "y" : "ies") + " moved";
        return gated(r, u, what, this::downgrade, "downgraded");
    }

    private String downgrade(Undo u) {
        UpgradeResult back = upgrades.upgrade(u.newBundle, u.oldLocation, false, 0);
        return back.outcome == SwapOutcome.COMPLETED ? null : "downgrade to " + u.oldLocation + " " + back.outcome + ": " + back.reason;
    }

    // ------------------------------------------------------------------ health gate

    /**
     * Counts the calls of {@code ids} and the ones that threw, for {@code millis}.
     *
     * @return "gate: N calls, 0 thrown in S s" when it passed; "!..." when a call threw
     */
    private String gate(java.util.Collection<Long> ids, long millis) {
        if (millis <= 0 || ids.isEmpty()) {
            return "no health gate";
        }
        LongAdder calls = new LongAdder();
        LongAdder thrown = new LongAdder();
        java.util.concurrent.atomic.AtomicReference<String> first = new java.util.concurrent.atomic.AtomicReference<>();
        List<Long> watched = new ArrayList<>();
        for (long id : ids) {
            try {
                swaps.interpose(id, GATE, call -> {
                    calls.increment();
                    try {
                        return call.proceed();
                    } catch (Throwable t) {
                        thrown.increment();
                        first.compareAndSet(null, "entry " + id + ": " + t);
                        throw t;
                    }
                });
                watched.add(id);
            } catch (RuntimeException e) {
                // the entry went away or already has a gate: watch the others
            }
        }
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            for (long id : watched) {
                swaps.removeInterposer(id, GATE);
            }
        }
        if (thrown.sum() > 0) {
            return "!" + thrown.sum() + " of " + calls.sum() + " calls threw within " + millis / 1000.0 + " s (first: " + first.get() + ")";
        }
        return "gate: " + calls.sum() + " calls, 0 thrown in " + millis / 1000.0 + " s";
    }

    private static String firstReason(List<SwapResult> results) {
        for (SwapResult s : results) {
            if (s.outcome != SwapOutcome.COMPLETED && s.reason != null) {
                return "entry " + s.entryId + ": " + s.reason;
            }
        }
        return results.isEmpty() ? "no entry" : String.valueOf(results.get(0).reason);
    }
}
