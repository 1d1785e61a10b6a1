package swap.api;

import java.util.List;

/**
 * The platform's durable journal: every swap, batch, interposition, policy change and refusal,
 * appended to a file in the framework storage with its initiator. Records survive a crash of the
 * process; a record torn by a crash is detected (checksum) and skipped.
 *
 * <p>Provider type: the platform implements it, operators and tools read it. Thread-safe.
 *
 * @since 1.2
 */
@org.osgi.annotation.versioning.ProviderType
public interface SwapJournal {

    /**
     * @param max     at most this many records
     * @param entryId only the records of this entry, or -1 for all
     * @return the newest records first
     */
    List<JournalRecordDTO> records(int max, long entryId);

    /** @return how many torn or corrupt records the last read skipped */
    long skippedRecords();
}
