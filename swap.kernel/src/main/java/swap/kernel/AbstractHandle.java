package swap.kernel;

/**
 * The base class of every generated handle class. One handle class is generated per component
 * interface ({@link HandleFactory}); each of its methods reads {@link #target} once, casts it to
 * the interface and calls the same method on it: no lock, no atomic read-modify-write, no
 * allocation and no ThreadLocal on that path. Each method first tests its class's counting flag
 * (set while a swap of the interface runs, see {@link Counting}) and, on Java 21+, whether the caller
 * is a virtual thread; either sends the call through the counted path ({@link #enter()},
 * {@link #exit(int)}, {@link VirtualCalls}).
 *
 * <p>Happens-before: {@link #target} is volatile. A swap writes the new target only after the new
 * instance imported its state, so every call that reads the new target sees the imported state.
 * The volatile read also keeps the JIT from hoisting the read out of a caller's loop, so a thread
 * that is between calls always picks up a newly published mediator.
 *
 * <p>{@code equals}, {@code hashCode} and {@code toString} are final here and never forwarded:
 * a handle equals only itself (it stays put in hash sets across swaps) and prints the entry.
 */
public abstract class AbstractHandle {

    /** The current target: the implementation, a mediator proxy or a generated interposer chain ({@link ChainFactory}). Written only by {@link EntryImpl}. */
    public volatile Object target;

    /** Set once, right after construction. */
    EntryImpl<?> entry;

    protected AbstractHandle() {
    }

    /**
     * The counted path's entry, called by generated code on a virtual thread only (Java 21+) before
     * it reads {@link #target}; see {@link VirtualCalls}.
     *
     * @return the counter cell to pass to {@link #exit(int)}
     */
    protected final int enter() {
        Counting.report(getClass());
        EntryImpl<?> e = entry;
        Mediator m = e.mediator; // volatile: set before the mediator is published
        if (m != null) {
            m.holdNew(getClass()); // before the call is counted, so the swap does not wait for it
        }
        return e.virtualCalls().enter();
    }

    /** The counted path's exit, called by generated code when the call returned or threw. */
    protected final void exit(int cell) {
        entry.virtualCalls().exit(cell);
    }

    @Override
    public final boolean equals(Object o) {
        return this == o;
    }

    @Override
    public final int hashCode() {
        return System.identityHashCode(this);
    }

    @Override
    public final String toString() {
        EntryImpl<?> e = entry;
        return e == null ? "handle (unbound)" : "handle of entry " + e.id() + " (" + e.type().getName() + " -> " + e.implementationLabel() + ")";
    }
}
