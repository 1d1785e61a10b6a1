package swap.api;

/**
 * One copy of an old instance's state in progress, made by {@link PreCopyComponent#beginCopy}: the
 * full copy in parts, then what changed since, in deltas.
 *
 * <p>Threading: every method is called by the one swapping thread, never two at once.
 * {@link #nextPart()}, {@link #size()}, {@link #copied()}, {@link #pending()} and the
 * {@link #exportDelta()} of a round run while calls run on the old instance;
 * {@link #exportLastDelta()} runs once the old instance is quiescent (see {@link PreCopyComponent}).
 *
 * <p>This is a consumer type: plugin authors implement it, so the platform may add methods only in a
 * major version.
 *
 * @since 1.5
 */
@org.osgi.annotation.versioning.ConsumerType
public interface StateCopy extends AutoCloseable {

    /**
     * @return the next part of the full copy, of the format's type, or {@code null} once every part
     *         was returned; a part should hold many units (thousands of map entries), since the
     *         platform checks the transfer's limit and posts a progress event after each part
     * @throws Exception any failure: the swap rolls back and the old instance stays in place
     */
    Object nextPart() throws Exception;

    /** @return how many units (e.g. map entries) the full copy holds, as known when it began; {@code -1} if unknown */
    long size();

    /** @return how many units the parts returned so far hold */
    long copied();

    /** @return how many changes are recorded and not yet exported (an estimate: the platform decides on delta rounds with it) */
    long pending();

    /**
     * @return what changed since the copy began that no earlier delta returned, of the format's
     *         type (for a map, e.g., a map whose {@code null} values mark removed keys); recorded
     *         changes are forgotten once returned
     * @throws Exception any failure: the swap rolls back and the old instance stays in place
     */
    Object exportDelta() throws Exception;

    /**
     * The last delta, exported once the old instance is quiescent, while calls are held: what
     * changed since the copy began that no earlier delta returned. The default is
     * {@link #exportDelta()}. An implementation may override it to hand the changes over <em>by
     * reference</em>, in constant time, for the new instance to read after the switch (post-copy):
     * for example the recorded keys and the old instance's map, whose current values the new
     * instance pulls when a key is first used. As with a by-reference format the old instance never
     * runs a call again once the swap completes; if the swap rolls back it serves on and the new
     * instance, holding the reference, is released.
     *
     * @return what changed, of the format's type
     * @throws Exception any failure: the swap rolls back and the old instance stays in place
     */
    default Object exportLastDelta() throws Exception {
        return exportDelta();
    }

    /** Ends the copy: the old instance stops recording changes. Called once, last; must not throw. */
    @Override
    void close();
}
