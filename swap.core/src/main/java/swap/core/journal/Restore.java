package swap.core.journal;

import swap.api.ImplementationDTO;
import swap.api.SwapManager;

/**
 * Where an entry with a stable key starts: on the implementation it last ran (from the journal) if
 * that is still installed and trusted, else on the default; the decision is journaled by
 * {@link JournalService#opened} with the note this returns. Stateless.
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
        if (last == null) {
            return new Restore(defaultTarget, null);
        }
        String refused = null;
        for (ImplementationDTO d : manager.implementations(iface.getName())) {
            if (last.equals(d.name)) {
                if (d.refused == null) {
                    return new Restore(last, "back on " + last + ", the implementation it last ran");
                }
                refused = d.refused;
            }
        }
        return new Restore(defaultTarget, "last ran " + last + ", which " + (refused == null ? "is not installed" : "the trust policy refuses (" + refused + ")")
                + ": on the default " + defaultTarget);
    }
}
