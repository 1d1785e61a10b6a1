package swap.bench;

/** The benchmarked component, as in ANCHORS.md: one call, one result. */
public interface Cache {
    long get(long key);
}
