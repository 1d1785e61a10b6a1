package swap.kernel;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import swap.api.Batch;
import swap.api.BatchResult;
import swap.api.SwapOptions;
import swap.api.SwapOutcome;
import swap.api.SwapResult;

/**
 * Where the engine hands a swap or a batch that asks for a watch or a canary
 * ({@link SwapOptions}): safe swaps are a feature plugged into the engine through this interface,
 * as the journal is through {@link JournalSink} and events through {@link EventSink}. The feature
 * moves entries only through the engine's protocol and operations. Without one plugged in, such
 * requests are refused.
 *
 * <p>Implementations are thread-safe.
 */
public interface Guard {

    /** No safe swaps: every request that asks for one is refused, nothing changes. */
    Guard NONE = new Guard() {
        @Override
        public CompletionStage<SwapResult> swap(EntryImpl<?> e, String target, String reason, SwapOptions options) {
            SwapResult r = new SwapResult();
            r.entryId = e.id();
            r.from = e.implementationLabel();
            r.outcome = SwapOutcome.REFUSED;
            r.reason = WHY;
            r.endedAtMillis = System.currentTimeMillis();
            return CompletableFuture.completedFuture(r);
        }

        @Override
        public CompletionStage<BatchResult> batch(Batch batch) {
            BatchResult r = new BatchResult();
            r.outcome = SwapOutcome.REFUSED;
            r.reason = WHY;
            r.results = java.util.List.of();
            return CompletableFuture.completedFuture(r);
        }
    };

    /** Why a watch or canary is refused when no guard is plugged in. */
    String WHY = "watch and canary are not available in this engine (no safe swaps plugged in); swap without them";

    /** A swap of {@code e} under a watch or canary. */
    CompletionStage<SwapResult> swap(EntryImpl<?> e, String target, String reason, SwapOptions options);

    /** A batch under a watch or canary. */
    CompletionStage<BatchResult> batch(Batch batch);

    /** The engine shuts down: watches and canaries in progress end without a verdict. */
    default void shutdown() {
    }
}
