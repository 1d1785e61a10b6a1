package swap.kernel;

import swap.api.Interposer;

/**
 * The interposers of one entry, outermost first. The entry keeps them as an immutable list and,
 * while the list is not empty, points its outer handle at a chain generated for its interface
 * ({@link ChainFactory}) that ends at the entry's inner handle. Adding or removing an interposer
 * builds a new chain and publishes it in one volatile write, so calls already inside the old chain
 * finish through it and no call is lost.
 */
public final class InterposerChain {

    /** An interposer on an entry; {@code release} gives a service instance back when it is removed. */
    public record Named(String name, Interposer interposer, Runnable release) {
        public Named(String name, Interposer interposer) {
            this(name, interposer, () -> {
            });
        }
    }

    private InterposerChain() {
    }
}
