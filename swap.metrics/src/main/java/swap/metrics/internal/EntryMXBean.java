package swap.metrics.internal;

/**
 * One entry of the swap manager in JMX ({@code swap:type=Entry,id=ID}). Every attribute is read
 * from the swap manager when asked; an entry released since reads as {@code RELEASED}.
 */
public interface EntryMXBean {
    long getId();

    /** The component interface's name. */
    String getInterface();

    String getImplementation();

    String getVersion();

    /** The symbolic name of the bundle providing the implementation, or {@code null}. */
    String getBundle();

    /** {@code ACTIVE}, {@code SWAPPING}, {@code PARKED}, {@code ORPHANED} or {@code RELEASED}. */
    String getState();

    /** Why the entry is PARKED or ORPHANED, or {@code null}. */
    String getStateReason();

    long getSwaps();

    long getRollbacks();

    long getFailures();

    /** The interposers on the entry, outermost first. */
    String[] getInterposers();

    /** Calls counted by a monitor on the entry, -1 if none counts them. */
    long getCalls();

    /** Calls that threw, counted by a monitor on the entry, -1 if none counts them. */
    long getCallFailures();

    /** The last swap, as one line, or {@code null}. */
    String getLastSwap();
}
