package swap.api;

import java.util.List;

/**
 * The outcome of a side-by-side upgrade ({@link UpgradeManager#upgrade}): a data transfer object,
 * immutable once published.
 *
 * @since 1.1
 */
public final class UpgradeResult {
    /** The bundle that provided the running implementations. */
    public long oldBundleId;
    /** Its symbolic name and version, as {@code name version}. */
    public String oldBundle;
    /** The bundle installed beside it, {@code -1} if it could not be installed. */
    public long newBundleId = -1;
    /** Its symbolic name and version, as {@code name version}, or {@code null}. */
    public String newBundle;
    /** Whether nothing was to move (a dry run). */
    public boolean dryRun;
    /**
     * {@link SwapOutcome#COMPLETED}: every entry moved and the old bundle is uninstalled (or, for a
     * dry run, every entry would move); {@link SwapOutcome#ROLLED_BACK}: the group rolled back,
     * every entry is on the old bundle and the new bundle is uninstalled (also when a canary of a gated
     * upgrade did not agree); {@link SwapOutcome#REVERTED}: the entries moved but a watch found the new
     * version worse, and every entry is back on the old bundle, the new one uninstalled (since 1.6);
     * {@link SwapOutcome#REFUSED}:
     * nothing was tried (unknown bundle, the new one could not be installed or brought no
     * implementation in time, or no common format for some entry in a dry run).
     */
    public SwapOutcome outcome;
    /** Why it did not complete, or {@code null}. */
    public String reason;
    /** One result per entry (for a dry run: from, to, format and skipped formats; outcome COMPLETED if it would move, else REFUSED). */
    public List<SwapResult> moves = List.of();
    /** Whether the old bundle was uninstalled. */
    public boolean oldUninstalled;
    /** Whether the new bundle was uninstalled again (after a rollback, a refusal or a dry run). */
    public boolean newUninstalled;

    @Override
    public String toString() {
        return (dryRun ? "dry run: " : "") + "upgrade of bundle " + oldBundleId + " (" + oldBundle + ") to " + newBundleId + " (" + newBundle
                + ") " + outcome + ": " + moves.size() + " entries" + (reason == null ? "" : " (" + reason + ")");
    }
}
