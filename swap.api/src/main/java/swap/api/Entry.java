package swap.api;

import java.util.concurrent.CompletionStage;

/**
 * One entry of the object translation table: a live component instance behind a stable handle.
 *
 * <p>Provided by the platform; every method may be called from any thread.
 *
 * @param <T> the component interface
 */
@org.osgi.annotation.versioning.ProviderType
public interface Entry<T> {

    /** @return the entry's id, unique for the life of the platform */
    long id();

    /** @return the component interface */
    Class<T> type();

    /**
     * The handle: an object implementing {@link #type()} that forwards every call to the entry's
     * current implementation. Clients keep it; it never changes across swaps.
     *
     * <p>{@code equals} and {@code hashCode} of a handle are identity-based (a handle equals only
     * itself, so it stays put in hash maps across swaps); {@code toString} names the entry and the
     * current implementation. These three are never forwarded, even where the interface declares them.
     *
     * <p>Happens-before: the volatile read of the current target on every call sees the new
     * instance once a swap completed, and everything the importer did happens-before that call.
     */
    T handle();

    /** @return a snapshot of the entry */
    EntryDTO describe();

    /** Same as {@link SwapManager#swap(long, String, String)} on this entry. */
    CompletionStage<SwapResult> swap(String target, String reason);
}
