package swap.shell.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.List;

import org.junit.Test;

import swap.api.SwapOutcome;
import swap.api.SwapResult;
import swap.api.UpgradeResult;

public class UpgradeCommandsTest {

    private static SwapResult move(long id, SwapOutcome outcome, String reason) {
        SwapResult r = new SwapResult();
        r.entryId = id;
        r.outcome = outcome;
        r.from = "fcm.shared 1.0.0";
        r.to = "fcm.shared 1.1.0";
        r.format = "fcm.pages.v1";
        r.skippedFormats = List.of("fcm.shared.map.v1: swap.fcm.shared.internal.SharedState is a different class on each side");
        r.reason = reason;
        return r;
    }

    @Test
    public void aDryRunListsEachEntryWithItsFormatAndTheSkippedOnes() {
        UpgradeResult u = new UpgradeResult();
        u.dryRun = true;
        u.oldBundleId = 20;
        u.oldBundle = "swap.fcm.shared 1.0.0";
        u.newBundleId = 31;
        u.newBundle = "swap.fcm.shared 1.1.0";
        u.outcome = SwapOutcome.COMPLETED;
        u.moves = List.of(move(1, SwapOutcome.COMPLETED, "would move"));
        u.newUninstalled = true;
        assertEquals("dry run: upgrade of bundle 20 (swap.fcm.shared 1.0.0) to bundle 31 (swap.fcm.shared 1.1.0): COMPLETED\n"
                + "  entry 1: fcm.shared 1.0.0 -> fcm.shared 1.1.0  would move, format fcm.pages.v1, skipped fcm.shared.map.v1: "
                + "swap.fcm.shared.internal.SharedState is a different class on each side\n"
                + "bundle 31 (the new version) uninstalled again", UpgradeCommands.render(u));
    }

    @Test
    public void aRolledBackUpgradeSaysWhyForEachEntry() {
        UpgradeResult u = new UpgradeResult();
        u.oldBundleId = 20;
        u.oldBundle = "swap.fcm.shared 1.0.0";
        u.newBundleId = 31;
        u.newBundle = "swap.fcm.shared 1.1.0";
        u.outcome = SwapOutcome.ROLLED_BACK;
        u.reason = "every entry stays on bundle 20: entry 2 ROLLED_BACK: import failed";
        u.moves = List.of(move(1, SwapOutcome.ROLLED_BACK, "atomic group rolled back: entry 2: import failed"),
                move(2, SwapOutcome.ROLLED_BACK, "import failed"));
        u.moves.forEach(m -> m.skippedFormats = List.of());
        u.newUninstalled = true;
        assertEquals("upgrade of bundle 20 (swap.fcm.shared 1.0.0) to bundle 31 (swap.fcm.shared 1.1.0): ROLLED_BACK\n"
                + "  entry 1: fcm.shared 1.0.0 -> fcm.shared 1.1.0  ROLLED_BACK, format fcm.pages.v1: atomic group rolled back: entry 2: import failed\n"
                + "  entry 2: fcm.shared 1.0.0 -> fcm.shared 1.1.0  ROLLED_BACK, format fcm.pages.v1: import failed\n"
                + "every entry stays on bundle 20: entry 2 ROLLED_BACK: import failed\n"
                + "bundle 31 (the new version) uninstalled again", UpgradeCommands.render(u));
    }

    /** A lower version is said to be a downgrade; an entry with no implementation chosen never reads "-> null" (issue 24). */
    @Test
    public void aDowngradeIsNamedAndNoTargetIsNeverNull() {
        UpgradeResult u = new UpgradeResult();
        u.oldBundleId = 28;
        u.oldBundle = "swap.example.simple 1.1.0";
        u.newBundleId = 30;
        u.newBundle = "swap.example.simple 1.0.0";
        u.outcome = SwapOutcome.COMPLETED;
        SwapResult m = move(1, SwapOutcome.COMPLETED, null);
        m.from = "counter.simple 1.1.0";
        m.to = "counter.simple 1.0.0";
        m.skippedFormats = List.of();
        u.moves = List.of(m);
        u.oldUninstalled = true;
        assertEquals("upgrade of bundle 28 (swap.example.simple 1.1.0) to bundle 30 (swap.example.simple 1.0.0): COMPLETED (downgrade 1.1.0 -> 1.0.0)\n"
                + "  entry 1: counter.simple 1.1.0 -> counter.simple 1.0.0  COMPLETED, format fcm.pages.v1\n"
                + "bundle 28 uninstalled", UpgradeCommands.render(u));
        assertEquals(" (same version 1.0.0)", UpgradeCommands.direction("a 1.0.0", "a 1.0.0"));
        assertEquals("", UpgradeCommands.direction("a 1.0.0", "a 1.0.1"));
        assertEquals("", UpgradeCommands.direction("a 1.0.0", null));

        u.dryRun = true;
        m.to = null;
        m.outcome = SwapOutcome.REFUSED;
        m.reason = "no implementation of swap.example.counter.Counter matches (service.bundleid=30)";
        u.outcome = SwapOutcome.REFUSED;
        String r = UpgradeCommands.render(u);
        assertTrue(r, r.contains("counter.simple 1.1.0 -> (no implementation chosen)  REFUSED"));
        assertFalse(r, r.contains("null"));
    }
}
