package swap.metrics.internal;

import java.util.Map;

/**
 * The swap manager in JMX ({@code swap:type=SwapManager}): what jconsole shows. Swap counts are
 * those of {@code swap_swaps_total} (counted from swap events since swap.metrics started); entry
 * counts are read when asked.
 */
public interface SwapManagerMXBean {
    /** Swaps by outcome: {@code completed}, {@code rolled_back}, {@code failed}. */
    Map<String, Long> getSwapsByOutcome();

    long getSwapsCompleted();

    /** Swaps rolled back (quiescence timed out, export or import threw, a canary failed). */
    long getRollbacks();

    long getSwapsFailed();

    /** Watched swaps swapped back because the new implementation got worse. */
    long getReverts();

    /** Watch verdicts: {@code passed}, {@code reverted}, {@code revert_failed}. */
    Map<String, Long> getWatchVerdicts();

    /** Canary verdicts: {@code passed}, {@code failed}. */
    Map<String, Long> getCanaryVerdicts();

    /** Entries by state ({@code ACTIVE}, {@code SWAPPING}, {@code PARKED}, {@code ORPHANED}). */
    Map<String, Long> getEntriesByState();

    /** Entries (not released). */
    int getEntries();
}
