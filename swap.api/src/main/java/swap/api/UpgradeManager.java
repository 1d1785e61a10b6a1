package swap.api;

/**
 * Upgrades of deployed implementations that need more than one swap: a new version of an
 * implementation bundle installed <em>beside</em> the running one, every entry of the old version
 * moved to it as one atomic group, the old bundle uninstalled; and the upgrade policy per
 * implementation name.
 *
 * <p>In-place upgrades ({@code update}, {@code refresh}, a jar overwritten in FileInstall's folder)
 * need no call here: the swap manager holds the entries' calls while the bundle restarts and
 * moves them to the new revision of the same implementation.
 *
 * <p>Provided by the platform (an OSGi service). The methods block until the upgrade has ended;
 * do not call them from inside a call of an entry the upgrade moves.
 *
 * @since 1.1
 */
@org.osgi.annotation.versioning.ProviderType
public interface UpgradeManager {

    /** Upgrade policy: entries move to a higher version only when asked ({@link #upgrade}, a swap). The default. */
    String MANUAL = "manual";
    /**
     * Upgrade policy: when an implementation of this name with a higher {@link SwapConstants#IMPL_VERSION}
     * registers, every entry on a lower version of the name moves to it (one batch).
     */
    String AUTO = "auto";

    /**
     * Side by side: installs the bundle at {@code location} beside bundle {@code bundleId} (OSGi allows
     * two versions of one symbolic name), starts it, waits until it provides every implementation
     * name the old bundle provides, moves every entry on the old bundle's implementations to the
     * new bundle's as one atomic group, then uninstalls the old bundle. If any entry fails to move,
     * every entry stays on (returns to) the old bundle and the new bundle is uninstalled.
     *
     * <p>With {@code dryRun} nothing moves: the new bundle is installed and started only to ask its
     * implementations which formats they import, then uninstalled again; the result lists each entry
     * that would move and the format negotiation would choose.
     *
     * @param bundleId      the bundle providing the running implementations
     * @param location      where the new version is, e.g. {@code file:/opt/swap/counter-1.1.0.jar}
     * @param dryRun        list, do not move
     * @param timeoutMillis how long to wait for the new bundle's implementations, and the group's
     *                      quiescence timeout (0: the swap manager's default)
     * @return what happened; never {@code null}
     */
    UpgradeResult upgrade(long bundleId, String location, boolean dryRun, long timeoutMillis);

    /**
     * {@link #upgrade(long, String, boolean, long)} behind the same safety gates as a swap
     * ({@link SwapOptions}); {@link SwapOptions#plain()} is the plain upgrade.
     *
     * <ul>
     * <li><b>Watch only</b>: the entries move as one atomic group under a watch (the baseline just
     * before, the window after). If the watch swaps any entry back, every entry returns to the old
     * bundle, the new one is uninstalled, and the outcome is {@link SwapOutcome#REVERTED}.</li>
     * <li><b>Canary</b> (with or without a watch): each entry moves after a canary of its own, all
     * entries at once (each commits when its canary agrees, then is watched if asked). If any canary
     * disagrees or is inconclusive, or any watch swaps back, every entry that moved returns to the
     * old bundle, the new one is uninstalled, and the outcome is {@link SwapOutcome#ROLLED_BACK}
     * (a canary) or {@link SwapOutcome#REVERTED} (a watch).</li>
     * </ul>
     * A dry run ignores the gates. While the gates run, the new bundle stays on trial: its services
     * trigger no other move.
     *
     * @param options the gates; the quiescence timeout is {@code timeoutMillis}
     * @return what happened; never {@code null}; {@link UpgradeResult#moves} holds each entry's verdict
     * @since 1.6
     */
    default UpgradeResult upgrade(long bundleId, String location, boolean dryRun, long timeoutMillis, SwapOptions options) {
        return upgrade(bundleId, location, dryRun, timeoutMillis, options, null);
    }

    /**
     * {@link #upgrade(long, String, boolean, long, SwapOptions)}, saying why: {@code why} is added to
     * the reason of every journal record and every entry's move (e.g. which repository a fix came
     * from), so that the history tells where an upgrade came from.
     *
     * @param why why the upgrade is made, or {@code null}
     * @since 1.6
     */
    UpgradeResult upgrade(long bundleId, String location, boolean dryRun, long timeoutMillis, SwapOptions options, String why);

    /** @return the upgrade policy of implementation name {@code name}: {@link #MANUAL} or {@link #AUTO} */
    String policy(String name);
}
