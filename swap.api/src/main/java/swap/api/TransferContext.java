package swap.api;

import java.util.concurrent.Executor;

/**
 * What the platform offers an importer while it imports state.
 *
 * <p>Provided by the platform; called only by the thread that runs
 * {@link StatefulComponent#importState}, for the duration of that call.
 */
@org.osgi.annotation.versioning.ProviderType
public interface TransferContext {

    /**
     * @return an executor for importing the parts of a split format in parallel; the importer must
     *         wait for its tasks before {@code importState} returns
     */
    Executor executor();

    /** @return how many tasks the executor runs at once (at least 1) */
    int parallelism();

    /** @return the id of the entry being swapped */
    long entryId();
}
