package swap.api;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * The swap manager: puts component instances behind entries of the object translation table,
 * swaps them for other implementations while their clients keep calling, and interposes on them.
 *
 * <p>A <em>target</em> names implementations: either an implementation name
 * ({@link SwapConstants#IMPL_NAME}) or an LDAP filter in parentheses over the implementations'
 * service properties, e.g. {@code (concurrency=distributed)}. Among the matches the highest
 * {@link SwapConstants#IMPL_VERSION} wins.
 *
 * <p>Concurrency: swaps of different entries run in parallel. A swap requested for an entry that is
 * already mid-swap is <em>refused</em>: its result is {@link SwapOutcome#REFUSED} with a reason
 * that says so, and nothing changes; retry once the running swap has ended. Many entries are
 * swapped by one request with {@link #swap(Batch)}.
 *
 * <p>Provided by the platform (an OSGi service); every method may be called from any thread.
 */
@org.osgi.annotation.versioning.ProviderType
public interface SwapManager {

    /**
     * Creates a new instance of the implementation {@code target} names and puts it behind a new entry.
     *
     * @throws SwapException if no implementation matches, the filter is malformed, or instantiation fails
     */
    <T> Entry<T> create(Class<T> type, String target);

    /**
     * Creates a new instance, imports {@code state} in {@code format} into it (the instance must be a
     * {@link StatefulComponent} that lists the format among its imports), and only then puts it
     * behind a new entry. This is how a component is bound to what it serves, e.g. a file cache
     * manager to its file.
     *
     * @throws SwapException if no implementation matches, it does not import {@code format}, or
     *         instantiation or import fails (the instance is then released)
     */
    <T, S> Entry<T> create(Class<T> type, String target, StateFormat<S> format, S state);

    /**
     * Puts an existing object (code that is not a DS component) behind a new entry. It can be swapped
     * to registered implementations later; it is never released by the platform.
     *
     * @param name the implementation name to report for it
     */
    <T> Entry<T> register(Class<T> type, T instance, String name);

    /** @return the entry with this id, if there is one */
    Optional<Entry<?>> entry(long id);

    /**
     * The entry with this id, typed: {@code swaps.entry(id, Counter.class).map(Entry::handle)} needs no
     * cast.
     *
     * @return the entry, if there is one and its component interface is {@code type}
     * @throws IllegalArgumentException if the entry exists but is of another interface (the message names it)
     * @since 1.5
     */
    @SuppressWarnings("unchecked")
    default <T> Optional<Entry<T>> entry(long id, Class<T> type) {
        Optional<Entry<?>> e = entry(id);
        if (e.isPresent() && e.get().type() != type) {
            throw new IllegalArgumentException("entry " + id + " is a " + e.get().type().getName() + ", not a " + type.getName());
        }
        return e.map(x -> (Entry<T>) x);
    }

    /**
     * @return the entry whose current implementation is {@code instance}; this is how an
     *         implementation finds its own entry to ask for its replacement
     */
    Optional<Entry<?>> entryOf(Object instance);

    /** @return a snapshot of every entry, ordered by id */
    List<EntryDTO> list();

    /** @return the implementations registered for {@code iface} (all interfaces if {@code null}) */
    List<ImplementationDTO> implementations(String iface);

    /**
     * Swaps an entry to a new instance of the implementation {@code target} names, carrying its
     * state in the best common format. Returns at once; the stage completes when the swap has
     * completed, rolled back or failed (it never completes exceptionally).
     *
     * @param reason why, for the events and the history ({@code null} allowed)
     */
    CompletionStage<SwapResult> swap(long id, String target, String reason);

    /**
     * Swaps an entry with an explicit quiescence timeout (in milliseconds; 0 uses the default).
     */
    CompletionStage<SwapResult> swap(long id, String target, String reason, long timeoutMillis);

    /**
     * A <em>safe</em> swap: a swap with a watch after it, a canary before it, or both
     * ({@link SwapOptions}). Returns at once; the stage completes (never exceptionally) when the
     * whole request has ended:
     * <ul>
     * <li>with a canary: {@link SwapOutcome#ROLLED_BACK} if the canary found a mismatch (the
     * result lists the first ones in {@link SwapResult#mismatches}; the old instance never left) or
     * was inconclusive (it reached its time limit having compared fewer calls than configured, e.g.
     * because writes left its copy stale), else the result of the commit, a normal swap;</li>
     * <li>with a watch, once the swap completed: at the end of the window, {@link SwapOutcome#COMPLETED}
     * if it passed, {@link SwapOutcome#REVERTED} if it was swapped back; if the swap back could not
     * run (e.g. the previous implementation's bundle is gone) the outcome stays COMPLETED, the
     * entry stays on the new implementation and {@link SwapResult#reason} says so.</li>
     * </ul>
     * A request the manager cannot run (a canary without a canonical state format in common, no
     * method marked {@link ReadOnly}, the monitors a watch needs are not installed) is
     * {@link SwapOutcome#REFUSED}. Both are described in {@link SwapResult#figures}.
     *
     * @param options {@code null} for a plain swap
     * @since 1.2
     */
    CompletionStage<SwapResult> swap(long id, String target, String reason, SwapOptions options);

    /**
     * Swaps many entries to one target, sharing one quiescence pass; see {@link Batch}. Returns at
     * once; the stage completes when every entry has completed, rolled back, failed or been refused
     * (it never completes exceptionally). An entry that is mid-swap is refused (an atomic group is
     * then refused as a whole).
     *
     * @since 1.1
     */
    CompletionStage<BatchResult> swap(Batch batch);

    /**
     * Rejuvenation: swaps an entry to a fresh instance of its own implementation. With
     * {@code keepState} the state is carried in the best common format; without it the new
     * instance starts empty, which needs both sides to list {@link StateFormat#EMPTY}.
     */
    CompletionStage<SwapResult> rejuvenate(long id, boolean keepState, String reason);

    /**
     * Puts an interposer around an entry, outermost. No call is lost and none waits.
     *
     * @throws SwapException for an unknown id or a name already on the entry
     */
    void interpose(long id, String name, Interposer interposer);

    /**
     * Puts a new instance of the interposer service named {@code name} (service property
     * {@link SwapConstants#INTERPOSER_NAME}, prototype scope) around an entry, outermost, under that
     * name. Removing it releases the instance.
     *
     * @throws SwapException for an unknown id, an unknown interposer name or a name already on the entry
     */
    void interpose(long id, String name);

    /** @return the names of the interposer services available to {@link #interpose(long, String)}, sorted */
    List<String> interposerNames();

    /**
     * @return what each {@link Monitor} on the entry measured, by interposer name, outermost first
     * @throws SwapException for an unknown id
     */
    Map<String, Map<String, Object>> statistics(long id);

    /**
     * @return the interposer of this name on the entry, if any (a policy reads its monitors this way)
     * @throws SwapException for an unknown id
     */
    Optional<Interposer> interposer(long id, String name);

    /**
     * Removes an interposer. Calls already inside it finish normally.
     *
     * @return whether it was on the entry
     */
    boolean removeInterposer(long id, String name);

    /** @return the last swaps of every entry, newest first, at most {@code max} */
    List<SwapResult> history(int max);

    /**
     * Removes an entry and releases its instance. Calls made through its handle afterwards throw
     * {@link IllegalStateException}.
     *
     * @return whether the entry existed
     */
    boolean release(long id);
}
