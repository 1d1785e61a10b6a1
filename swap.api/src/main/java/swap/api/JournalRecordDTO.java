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
     * or visibility policy changed), {@code open} (an entry with a stable key was created) and
     * {@code restore} (an entry with a stable key came back after a restart).
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
    /** The entry's stable key (for a file, {@code file:} and its real path), or {@code null}. */
    public String key;
    /** The implementation before, as {@code name version}. */
    public String from;
    /** The implementation after (or asked for). */
    public String to;
    /** The state format used. */
    public String format;
    /** The outcome ({@link SwapOutcome} name for swaps and batches). */
    public String outcome;
    /** Why. */
    public String reason;
    /**
     * The name ({@code swap.impl.name}) of the implementation the entry runs after this record, for
     * a completed swap or an open; {@code null} for every other record, and for a park (the entry runs
     * no implementation while parked). What a restart restores from; since 1.3.
     */
    public String implementation;
}
