package swap.core.journal;

import swap.api.ImplementationDTO;
import swap.api.JournalRecordDTO;
import swap.api.SwapManager;

/**
 * Where an entry with a stable key starts: on the implementation it last ran (from the journal) if
 * that is still installed and trusted, else on the default; the decision is journaled by
 * {@link JournalService#opened} with the note this returns.
 *
 * <p>An entry that was parked when the platform stopped (a crash during an in-place upgrade of its
 * implementation's bundle, {@link JournalService#interruptedPark}) starts the same way, from what the
 * key names on disk; the note says so, and what was lost: the state the park kept only in memory
 * (for a file, whatever its cache had not yet written back), or nothing if that state was empty.
 *
 * <p>Reads only structured fields of the journal's records (the implementation name, the park's
 * bundle and formats), never their descriptions. Stateless.
 */
public final class Restore {
    /** The target to create the entry with. */
    public final String target;
    /** What was decided, for the journal's {@code restore} line; {@code null}: nothing to restore. */
    public final String note;

    private Restore(String target, String note) {
        this.target = target;
        this.note = note;
    }

    /**
     * @param journal       the journal (may be {@code null}: no memory, the default)
     * @param defaultTarget what an entry without history starts on
     */
    public static Restore decide(JournalService journal, SwapManager manager, Class<?> iface, String key, String defaultTarget) {
        String last = journal == null ? null : journal.lastImplementation(key);
        JournalRecordDTO park = journal == null ? null : journal.interruptedPark(key);
        String from = key.startsWith("file:") ? " from the file on disk" : "";
        if (last == null) {
            return park == null ? new Restore(defaultTarget, null)
                    : new Restore(defaultTarget, parked(park) + ": reopened on the default " + defaultTarget + from + lost(park, from));
        }
        String refused = null;
        for (ImplementationDTO d : manager.implementations(iface.getName())) {
            if (last.equals(d.name)) {
                if (d.refused == null) {
                    return new Restore(last, park == null ? "back on " + last + ", the implementation it last ran"
                            : parked(park) + ": reopened on " + last + ", the implementation it last ran," + from + lost(park, from));
                }
                refused = d.refused;
            }
        }
        String why = "last ran " + last + ", which " + (refused == null ? "is not installed" : "the trust policy refuses (" + refused + ")");
        return new Restore(defaultTarget, park == null ? why + ": on the default " + defaultTarget
                : parked(park) + "; it " + why + ": reopened on the default " + defaultTarget + from + lost(park, from));
    }

    /** What the park was, from its record's fields. */
    private static String parked(JournalRecordDTO park) {
        return "was parked when the platform stopped (entry " + park.entryId + (park.bundle != null ? ", in-place upgrade of bundle " + park.bundle + " ("
                + park.bundleId + ")" : "") + ", journal record " + park.seq + ")";
    }

    /** What a crash during the park lost, from its record's formats. */
    private static String lost(JournalRecordDTO park, String fromDisk) {
        if (JournalService.lostNothing(park)) {
            return "; nothing kept only in memory was lost (its parked state was empty)";
        }
        return "; lost: the state the park kept only in memory (" + park.format + ")" + (fromDisk.isEmpty() ? ""
                : ", i.e. every write not yet written back to the file; what was written back is intact");
    }
}
