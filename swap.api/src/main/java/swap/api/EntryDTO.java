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
    /** The entry's state: {@code ACTIVE}, {@code SWAPPING} or {@code RELEASED}. */
    public String state;
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
}
