package swap.kernel;

import swap.api.BatchResult;
import swap.api.SwapResult;

/**
 * Where {@link History} hands every change for the journal, refused requests included (which are
 * neither kept in the history, counted nor posted as events). Called on the thread that made the
 * change; must not throw (the swap has already happened).
 */
public interface JournalSink {
    JournalSink NONE = new JournalSink() {
    };

    /** One entry's swap ended (any outcome, REFUSED included). */
    default void swap(EntryImpl<?> e, SwapResult r, long batchId) {
    }

    /** A batch ended (any outcome, REFUSED included). */
    default void batch(long batchId, boolean atomic, long[] entries, String target, String reason, BatchResult r) {
    }

    /** Entry {@code e}, which ran {@code what}, was released (with its state, if it was parked). */
    default void released(EntryImpl<?> e, String what) {
    }

    /** An interposer was put on ({@code added}) or taken off an entry. */
    default void interposer(long entryId, String name, boolean added) {
    }
}
