package swap.core.upgrade;

import java.util.List;

import org.osgi.framework.BundleContext;

/**
 * Fault injection for the crash tests of upgrades (swap.disttest's {@code UpgradeCrashIT}): with the
 * framework or system property {@value #PROPERTY} set to one of the {@link #POINTS}, the upgrade that
 * reaches that point prints one line, {@code swap.fault: reached POINT}, to {@code System.out} and
 * then blocks its thread for good, so that the test sees the line on the console and kills the
 * process ({@code kill -9}) exactly there.
 *
 * <p>The property is read once, when the component that holds this object activates; unset (the
 * normal case) every {@link #reach} is one comparison with {@code null}. Immutable, thread-safe.
 */
final class Faults {
    /** The property that names the point. */
    static final String PROPERTY = "swap.fault";
    /** Side by side: the framework installed the new bundle, its id is not journaled yet (the last record is {@code STARTED}). */
    static final String UPGRADE_INSTALLING = "upgrade.installing";
    /** Side by side: the new bundle is installed and journaled ({@code INSTALLED}), not yet started. */
    static final String UPGRADE_INSTALLED = "upgrade.installed";
    /** Side by side: every entry moved to the new bundle, journaled ({@code MOVED}). */
    static final String UPGRADE_MOVED = "upgrade.moved";
    /** Side by side: the new bundle is off trial, the old one is about to be uninstalled. */
    static final String UPGRADE_BEFORE_UNINSTALL_OLD = "upgrade.before-uninstall-old";
    /** In place ({@code update}, {@code refresh}): an entry of the bundle is parked (journaled), its bundle not yet back. */
    static final String UPDATE_PARKED = "update.parked";
    /** Every point, in the order an upgrade reaches them. */
    static final List<String> POINTS = List.of(UPGRADE_INSTALLING, UPGRADE_INSTALLED, UPGRADE_MOVED, UPGRADE_BEFORE_UNINSTALL_OLD, UPDATE_PARKED);

    private static final Faults NONE = new Faults(null);

    private final String point;

    private Faults(String point) {
        this.point = point;
    }

    /** Reads {@value #PROPERTY} from the framework (which falls back to the system properties). */
    static Faults of(BundleContext context) {
        String p = context.getProperty(PROPERTY);
        if (p == null || p.isBlank()) {
            return NONE;
        }
        p = p.trim();
        if (!POINTS.contains(p)) {
            System.err.println("swap.fault: " + PROPERTY + "=" + p + " names no fault point; the points are " + POINTS);
            return NONE;
        }
        return new Faults(p);
    }

    /** If {@code here} is the configured point: prints the line and blocks this thread for good (the test kills the process). */
    void reach(String here) {
        if (point != null && point.equals(here)) {
            System.out.println("swap.fault: reached " + here);
            System.out.flush();
            while (true) {
                try {
                    Thread.sleep(60_000);
                } catch (InterruptedException e) {
                    // stays here: only the end of the process ends this point
                }
            }
        }
    }
}
