package swap.api;

import java.util.List;

/**
 * The state-transfer SPI: implemented by a component implementation whose state should survive a
 * swap. An implementation that does not implement it is taken as stateless: it exports and imports
 * only {@link StateFormat#EMPTY}.
 *
 * <p>Negotiation: the new implementation's {@link #importFormats()} are matched against the old
 * one's {@link #exportFormats()}; the first of the importer's formats that the exporter also lists
 * wins. No common format means the swap fails before anything changes.
 *
 * <p>Threading and happens-before: the platform calls {@link #exportState} on the old instance and
 * then {@link #importState} on the new one from one swapping thread, only once the old instance is
 * quiescent (no call is running in it and none can start until the swap ends), and before any call
 * reaches the new instance. Everything the old instance's calls wrote happens-before
 * {@code exportState}; everything {@code importState} wrote happens-before the first call on the
 * new instance.
 *
 * <p>Rollback: {@code exportState} must leave the old instance intact and usable, because a failed
 * import rolls the swap back and calls resume on the old instance. A by-reference format may share
 * the structure with the importer: the exporter is released only after the swap completed.
 *
 * <p>This is a consumer type: plugin authors implement it, so the platform may add methods only
 * in a major version.
 */
@org.osgi.annotation.versioning.ConsumerType
public interface StatefulComponent {

    /** @return the formats this instance can export, most preferred first; never {@code null} */
    List<StateFormat<?>> exportFormats();

    /** @return the formats this instance can import, most preferred first; never {@code null} */
    List<StateFormat<?>> importFormats();

    /**
     * Exports this instance's state in {@code format}, one of its {@link #exportFormats()}.
     *
     * @return the state, of {@code format.type()} ({@code null} for {@link StateFormat#EMPTY})
     * @throws Exception any failure: the swap rolls back and this instance stays in place
     */
    Object exportState(StateFormat<?> format) throws Exception;

    /**
     * Imports {@code state}, exported in {@code format} by the old instance, into this fresh instance.
     *
     * @throws Exception any failure: the swap rolls back and the old instance stays in place
     */
    void importState(StateFormat<?> format, Object state, TransferContext context) throws Exception;
}
