package swap.core.upgrade;

import java.util.ArrayList;
import java.util.List;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import swap.api.JournalRecordDTO;
import swap.api.SwapOutcome;
import swap.core.journal.JournalService;

/**
 * At start, finishes or undoes every side-by-side upgrade ({@link SideBySide}) that a crash
 * interrupted between its intent and its outcome, from the journal's structured records
 * ({@link JournalService#interruptedUpgrades}); docs/trust-and-journal.md, "After a crash":
 *
 * <ul>
 * <li>last step {@code STARTED} or {@code INSTALLED} (the entries had not moved): the new bundle,
 * if it is installed, is uninstalled (whether the crash came before its start, during it or after
 * it: the entries were still on the old bundle, and an unfinished trial must not stay), and
 * {@code upgrade ROLLED_BACK} is journaled, "undone after a crash at step X". The new bundle is the
 * one with the recorded id and location, or, when the crash came before its id was journaled, the
 * one at the recorded location (no bundle had that location when the upgrade started: SideBySide
 * refuses a location already installed). Nothing else is ever uninstalled.</li>
 * <li>last step {@code MOVED} (the entries had moved, the old bundle was still there): finished,
 * the old bundle (recorded id, symbolic name and version) is uninstalled, and
 * {@code upgrade COMPLETED} is journaled, "finished after a crash".</li>
 * </ul>
 *
 * <p>Idempotent: each step is checked against the bundles installed now (a crash during the
 * recovery leaves the upgrade open, and the next start does what is left), and the outcome record
 * closes the upgrade, so it is never recovered twice. Records are written with the initiator
 * {@value JournalService#RESTART}; the reason names who asked for the upgrade.
 *
 * <p>Runs once, in its activation (before {@link SideBySide}, which references it, accepts a new
 * upgrade). Not thread-safe; holds no state.
 */
@Component(service = UpgradeRecovery.class, immediate = true)
public final class UpgradeRecovery {

    /** What the recovery did, one line per upgrade (for tests and the log). */
    private final List<String> done = new ArrayList<>();

    @Activate
    public UpgradeRecovery(BundleContext context, @Reference JournalService journal) {
        for (JournalRecordDTO r : journal.interruptedUpgrades()) {
            done.add(recover(context, journal, r));
        }
    }

    /** @return one line per upgrade this start recovered */
    List<String> done() {
        return List.copyOf(done);
    }

    private static String recover(BundleContext context, JournalService journal, JournalRecordDTO last) {
        String step = last.outcome;
        String asked = " (" + last.key + ", asked for by " + last.initiator + ")";
        JournalRecordDTO out = outcome(last);
        if ("MOVED".equals(step)) {
            Bundle nb = newBundle(context, last);
            Bundle old = last.bundleId < 0 ? null : context.getBundle(last.bundleId);
            if (old != null && !label(old).equals(last.bundle)) {
                out.outcome = SwapOutcome.COMPLETED.name(); // the entries had moved
                out.reason = "after a crash at step MOVED" + asked + " bundle " + last.bundleId + " is " + label(old) + ", not " + last.bundle + ": left alone";
            } else if (nb == null && old != null) {
                // the entries' destination is gone: uninstalling the old bundle would leave neither
                out.outcome = SwapOutcome.ROLLED_BACK.name();
                out.reason = "after a crash at step MOVED" + asked + " the new bundle " + last.newBundleId + " is not installed any more: the old bundle " + last.bundle
                        + " (" + last.bundleId + ") stays";
            } else if (old == null) {
                out.outcome = SwapOutcome.COMPLETED.name();
                out.reason = "finished after a crash at step MOVED" + asked + ": the old bundle " + last.bundle + " (" + last.bundleId + ") was already uninstalled";
            } else {
                out.outcome = SwapOutcome.COMPLETED.name();
                try {
                    old.uninstall();
                    out.reason = "finished after a crash at step MOVED" + asked + ": uninstalled the old bundle " + last.bundle + " (" + last.bundleId + ")";
                } catch (BundleException | RuntimeException e) {
                    out.reason = "finished after a crash at step MOVED" + asked + ": the entries had moved, but the old bundle " + last.bundle + " (" + last.bundleId
                            + ") could not be uninstalled: " + e.getMessage();
                }
            }
        } else {
            Bundle nb = newBundle(context, last);
            out.outcome = SwapOutcome.ROLLED_BACK.name();
            if (nb == null) {
                out.reason = "undone after a crash at step " + step + asked + ": nothing of it was installed any more";
            } else {
                String what = label(nb) + " (" + nb.getBundleId() + ")";
                out.newBundleId = nb.getBundleId();
                out.to = what;
                try {
                    nb.uninstall();
                    out.reason = "undone after a crash at step " + step + asked + ": uninstalled the new bundle " + what + "; the entries had not moved";
                } catch (BundleException | RuntimeException e) {
                    out.reason = "undone after a crash at step " + step + asked + ": the new bundle " + what + " could not be uninstalled: " + e.getMessage();
                }
            }
        }
        journal.upgrade(out);
        return out.key + " " + out.outcome + ": " + out.reason;
    }

    /**
     * The bundle the upgrade installed, if it is installed now: the one with the recorded id and
     * location; or, if no id was recorded yet, the one at the recorded location (no bundle had it
     * when the upgrade started). Never the old bundle. @return it, or {@code null}
     */
    private static Bundle newBundle(BundleContext context, JournalRecordDTO r) {
        if (r.location == null) {
            return null;
        }
        Bundle b = r.newBundleId >= 0 ? context.getBundle(r.newBundleId) : context.getBundle(r.location);
        if (b == null || !r.location.equals(b.getLocation()) || b.getBundleId() == r.bundleId || b.getBundleId() == 0 || b.getState() == Bundle.UNINSTALLED) {
            return null;
        }
        return b;
    }

    private static String label(Bundle b) {
        return b.getSymbolicName() + " " + b.getVersion();
    }

    /** The outcome record of the upgrade {@code last} belongs to: its key and bundles, the recovery as initiator. */
    private static JournalRecordDTO outcome(JournalRecordDTO last) {
        JournalRecordDTO r = new JournalRecordDTO();
        r.entryId = -1;
        r.key = last.key;
        r.initiator = JournalService.RESTART;
        r.bundleId = last.bundleId;
        r.bundle = last.bundle;
        r.newBundleId = last.newBundleId;
        r.location = last.location;
        r.from = last.from;
        r.to = last.to;
        return r;
    }
}
