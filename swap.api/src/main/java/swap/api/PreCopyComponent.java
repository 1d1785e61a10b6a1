package swap.api;

import java.util.List;

/**
 * Optional addition to {@link StatefulComponent} for a large state: the state is copied while the
 * old instance still serves its callers, and only what changed during the copy is carried while
 * calls are held (pre-copy, as the live migration of a virtual machine copies memory while the guest
 * runs and stops it only for the last dirty pages). An implementation that does not implement it
 * swaps as before: {@link StatefulComponent#exportState} and {@link StatefulComponent#importState}
 * while calls are held.
 *
 * <p><b>When it is used.</b> When the old and the new instance both implement this interface and
 * the format negotiated from {@link #exportFormats()} and {@link #importFormats()} is a canonical
 * format (not by reference) that both list in {@link #preCopyFormats()}. Otherwise the swap uses
 * {@code exportState}/{@code importState}. The platform may also use them for a copy it makes while
 * calls are held (a canary's copy), so an implementation keeps both working.
 *
 * <p><b>The sequence</b>, all on the one swapping thread:
 * <ol>
 * <li><em>Copy</em>, while calls run on the old instance: {@link #beginCopy} on the old instance
 * (which from then on records what its calls change), then {@link StateCopy#nextPart()} until it
 * returns {@code null}, each part handed to {@link #importPart} of the new instance; then possibly
 * rounds of {@link StateCopy#exportDelta()} handed to {@link #importDelta}, while
 * {@link StateCopy#pending()} is large.</li>
 * <li><em>Blocked</em>: once no call runs on the old instance and none can start (the quiescence
 * of {@link StatefulComponent}), one last delta, {@link StateCopy#exportLastDelta()} (by default
 * {@code exportDelta()}; it may hand the changes over by reference, for the new instance to pull
 * after the switch), handed to {@link #importDelta}; then the entry switches to the new
 * instance.</li>
 * <li>{@link StateCopy#close()} once, when the swap ends (completed, rolled back or failed).</li>
 * </ol>
 *
 * <p><b>What the old instance must guarantee</b> (the platform cannot check it): the parts
 * together with every delta, applied in the order exported, give exactly the state the old
 * instance has when the last delta is exported. Every change a call makes after {@code beginCopy}
 * began is either seen by a part exported after the change, or recorded and returned by a later
 * {@code exportDelta} (returning it twice is harmless when a delta carries values, not
 * increments). A simple correct scheme for a map (the example store
 * {@code swap.example.store.CopyingSessionStore}): keys fall into lock stripes; a call writes the
 * map, then, under its key's stripe lock, adds the key to the stripe's set of changed keys if a copy
 * is open; {@code beginCopy} opens every stripe's set under its lock before it reads the map, and
 * {@code exportDelta} swaps every stripe's set out under its lock before it reads the current
 * values of the keys it held (absent: removed). docs/design.md, "Pre-copy", gives the
 * argument why no write is lost.
 *
 * <p><b>Threading and happens-before.</b> {@code beginCopy}, {@code nextPart}, and the
 * {@code exportDelta} of a round run on the swapping thread <em>concurrently with calls</em> on the
 * old instance: they must be thread-safe against them, and must not block them for long.
 * {@code importPart} and {@code importDelta} run on the swapping thread on the new instance, which
 * no call reaches before the swap completes; everything they wrote happens-before the first call on
 * the new instance. {@code exportLastDelta} runs only once the old instance is quiescent:
 * everything its calls wrote happens-before it.
 *
 * <p><b>Rollback.</b> None of these methods may change the old instance's state: a failed or
 * cancelled copy, an import that throws, or a transfer past its limit
 * ({@link SwapOptions#transferTimeout(long)}) rolls the swap back, calls continue on the old
 * instance with its state, and the new instance is released. After {@code close} the old instance
 * need not record changes any more.
 *
 * <p>This is a consumer type: plugin authors implement it, so the platform may add methods only in a
 * major version.
 *
 * @since 1.5
 */
@org.osgi.annotation.versioning.ConsumerType
public interface PreCopyComponent extends StatefulComponent {

    /**
     * @return the canonical formats (also listed in {@link #exportFormats()} or
     *         {@link #importFormats()}) this instance can copy while it serves, as exporter, and receive
     *         in parts and deltas, as importer; never {@code null}
     */
    List<StateFormat<?>> preCopyFormats();

    /**
     * Old instance: begins a copy of its state in {@code format}, one of its
     * {@link #preCopyFormats()}, and from now on records what its calls change, until the copy is
     * closed. Called while calls run on this instance.
     *
     * @return the copy, from which the platform takes the parts and the deltas
     * @throws Exception any failure: the swap rolls back and this instance stays in place
     */
    StateCopy beginCopy(StateFormat<?> format) throws Exception;

    /**
     * New instance: imports one part of the full copy ({@link StateCopy#nextPart()}), of
     * {@code format.type()}. Parts arrive in the order exported, before any delta.
     *
     * @throws Exception any failure: the swap rolls back and the old instance stays in place
     */
    void importPart(StateFormat<?> format, Object part, TransferContext context) throws Exception;

    /**
     * New instance: applies one delta ({@link StateCopy#exportDelta()} or
     * {@link StateCopy#exportLastDelta()}), of {@code format.type()},
     * over the parts and earlier deltas; it replaces what it names (for a map: keys with values are
     * set, keys the format marks as removed are removed).
     *
     * @throws Exception any failure: the swap rolls back and the old instance stays in place
     */
    void importDelta(StateFormat<?> format, Object delta, TransferContext context) throws Exception;
}
