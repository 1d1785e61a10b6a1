package swap.kernel;

/** The test component: a counter that many threads increment through a handle. */
public interface Counter {
    long increment();

    long get();

    /** A default method: forwarded, so the implementation's own version runs if it has one. */
    default long incrementTwice() {
        increment();
        return increment();
    }
}
