package swap.api;

import java.util.List;

/** A snapshot of one entry of the object translation table: a data transfer object. */
public final class EntryDTO {
    /** The entry's id, unique for the life of the platform. */
    public long id;
    /** The component interface's name. */
    public String iface;
    /** The current implementation's {@link SwapConstants#IMPL_NAME}. */
    public String implementation;
    /** The current implementation's {@link SwapConstants#IMPL_VERSION}. */
    public String version;
    /** The symbolic name of the bundle providing the current implementation ({@code null} for a registered object). */
    public String bundle;
    /**
     * The entry's state: {@code ACTIVE}, {@code SWAPPING}, {@code PARKED} (it runs on no
     * implementation: its state is kept and its calls wait, bounded, until it resumes on an
     * implementation that can take the state or is released; e.g. while its implementation's bundle is
     * updated or refreshed, or a swappable service's provider is away; since 1.3, where 1.2 said {@code UPGRADING}),
     * {@code ORPHANED} (its implementation's service is gone: it still runs on its last instance and
     * moves to the next implementation of the same name that registers) or {@code RELEASED}.
     */
    public String state;
    /**
     * Why the entry is {@code PARKED} or {@code ORPHANED}; {@code null} otherwise.
     *
     * @since 1.1
     */
    public String stateReason;
    /**
     * The id of the bundle providing the current implementation, {@code -1} for a registered object;
     * with {@link #revision} it tells an in-place upgrade apart.
     *
     * @since 1.1
     */
    public long bundleId = -1;
    /**
     * The bundle version of the revision whose class the current instance is, or {@code null}.
     *
     * @since 1.1
     */
    public String revision;
    /** Swaps completed. */
    public long swaps;
    /** Swaps rolled back. */
    public long rollbacks;
    /** Swaps that failed before they began. */
    public long failures;
    /** The names of the interposers on the entry, outermost first. */
    public List<String> interposers;
    /** The formats the current instance exports, most preferred first. */
    public List<String> exportFormats;
    /** The formats the current instance imports, most preferred first. */
    public List<String> importFormats;
    /** The last swap's result, or {@code null}. */
    public SwapResult lastSwap;
    /**
     * The watch or canary in progress on the entry ({@link SwapOptions}), as one line (what it
     * measured so far and until when it runs), or {@code null} if none.
     *
     * @since 1.2
     */
    public String safety;

    /**
     * The state transfer in progress on the entry, as one line (phase, units copied of the total,
     * deltas, time so far and the limit), or {@code null} if none.
     *
     * @since 1.5
     */
    public String transfer;

    /**
     * One readable line (what a script's {@code echo $it} prints), e.g. {@code entry 3 swap.example.counter.Counter counter.simple 1.0.0 ACTIVE}.
     *
     * @since 1.6
     */
    @Override
    public String toString() {
        return "entry " + id + " " + iface + " " + implementation + " " + version + " " + state + (stateReason == null ? "" : " (" + stateReason + ")");
    }
}
