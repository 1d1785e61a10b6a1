package swap.api;

/**
 * One record of the platform's journal ({@link SwapJournal}): a data transfer object, immutable
 * once published. A field that does not apply to the record's kind is {@code null} (or 0 / -1).
 *
 * @since 1.2
 */
public final class JournalRecordDTO {
    /** Position in the journal: increases by one per record, across restarts of a kept storage. */
    public long seq;
    /** When it was appended, in milliseconds since the epoch. */
    public long timeMillis;
    /**
     * What happened: {@code swap} (one entry's swap, in a batch or not), {@code batch} (a batch's end),
     * {@code interpose} / {@code remove} (an interposer put on / taken off an entry), {@code refusal}
     * (a refused request or an implementation the trust policy refuses), {@code policy} (the trust
     * or visibility policy changed), {@code open} (an entry with a stable key was created),
     * {@code restore} (an entry with a stable key came back after a restart), {@code park} (an entry
     * parked with its state, e.g. while its bundle is updated in place; outcome {@code LOST}: written at
     * the next start when the platform stopped while the entry was parked, the state it kept in memory
     * is gone), {@code release} (an entry released), {@code checkpoint} (a stable key's last
     * implementation, written again after a rotation) and {@code upgrade} (one step of a side-by-side
     * upgrade, since 1.4: see {@link #outcome}).
     */
    public String kind;
    /**
     * Who asked: {@code shell}, {@code policy NAME}, {@code object trigger (BUNDLE [ID])} (an
     * implementation asking for its own replacement), {@code bundle BSN [ID]} (an API caller),
     * {@code platform} (bundle life cycle, configuration).
     */
    public String initiator;
    /** The entry id, or -1. */
    public long entryId;
    /**
     * The entry's stable key (for a file, {@code file:} and its real path), or {@code null}; for an
     * {@code upgrade} record {@code upgrade:N}, shared by the records of one upgrade.
     */
    public String key;
    /** The implementation before, as {@code name version}; for an {@code upgrade} record the old bundle, {@code BSN VERSION (ID)}. */
    public String from;
    /** The implementation after (or asked for); for an {@code upgrade} record the new bundle, {@code BSN VERSION (ID)}, or its location before it is installed. */
    public String to;
    /** The state format used. */
    public String format;
    /**
     * The outcome ({@link SwapOutcome} name for swaps and batches). For an {@code upgrade} record, the
     * step: the intent {@code STARTED} (before the new bundle is installed), {@code INSTALLED} (it is),
     * {@code MOVED} (every entry moved to it, the old bundle is not yet uninstalled), then one outcome,
     * {@code COMPLETED}, {@code ROLLED_BACK} or {@code REFUSED}. An upgrade whose last record is not an
     * outcome was interrupted by a crash: the next start finishes it (after {@code MOVED}) or undoes it,
     * and journals the outcome.
     */
    public String outcome;
    /** Why. */
    public String reason;
    /**
     * The name ({@code swap.impl.name}) of the implementation the entry runs after this record, for
     * a completed swap or an open; {@code null} for every other record, and for a park (the entry runs
     * no implementation while parked). What a restart restores from; since 1.3.
     */
    public String implementation;
    /**
     * For an {@code upgrade} record the id of the bundle being upgraded (the old one); for a
     * {@code park} the bundle of the implementation the entry ran when it was parked (the one being
     * updated in place); else -1. Since 1.4.
     */
    public long bundleId = -1;
    /** The symbolic name and version of {@link #bundleId}, as {@code BSN VERSION}, or {@code null}. Since 1.4. */
    public String bundle;
    /** For an {@code upgrade} record: the id of the bundle the upgrade installed, -1 before it is installed. Since 1.4. */
    public long newBundleId = -1;
    /** For an {@code upgrade} record: the location the new bundle is (to be) installed from, or {@code null}. Since 1.4. */
    public String location;

    /**
     * One readable line (what a script's {@code echo $it} prints), e.g. {@code journal 12 swap entry 3 counter.simple 1.0.0 -> counter.striped 1.1.0 COMPLETED}.
     *
     * @since 1.6
     */
    @Override
    public String toString() {
        return "journal " + seq + " " + kind + (entryId < 0 ? "" : " entry " + entryId) + (from == null && to == null ? "" : " " + from + " -> " + to)
                + (outcome == null ? "" : " " + outcome) + (reason == null ? "" : ": " + reason);
    }
}
