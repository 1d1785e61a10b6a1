package swap.api;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * A request to swap many entries to one target at once ({@link SwapManager#swap(Batch)}): the
 * entries share one quiescence pass (one stack snapshot for the whole batch), so swapping ten
 * thousand entries costs about one snapshot plus a small per-entry transfer.
 *
 * <p>The entries are given by id, or selected by an LDAP filter over the properties of the
 * implementation each entry runs now ({@link SwapConstants#IMPL_NAME}, {@link SwapConstants#IMPL_VERSION},
 * its characteristics, and {@code objectClass}, the entry's interface), for example
 * {@code (&(swap.impl.name=counter.simple)(swap.impl.version=1.0.0))}: "every entry running
 * counter.simple 1.0.0". A plain name selects the entries running the implementation of that name.
 *
 * <p>An <em>atomic</em> batch (an atomic group, K42's multiple-object coordination) switches all its
 * entries only after every one of them reached quiescence and imported its state; if any one is
 * refused, times out or fails to export or import, every entry rolls back and keeps its old
 * instance with its state. A non-atomic batch completes or rolls back each entry on its own.
 *
 * <pre>{@code
 * BatchResult r = swapManager.swap(Batch.select("counter.simple").to("counter.striped").atomic().reason("upgrade"))
 *         .toCompletableFuture().join();
 * }</pre>
 *
 * <p>Not thread-safe: build it on one thread, then hand it to the swap manager, which copies it.
 */
public final class Batch {
    private final List<Long> ids;
    private final String selector;
    private String target;
    private boolean atomic;
    private long timeoutMillis;
    private String reason;
    private SwapOptions options;

    private Batch(List<Long> ids, String selector) {
        this.ids = ids;
        this.selector = selector;
    }

    /** A batch of these entries, in this order (duplicates are ignored). */
    public static Batch of(Collection<Long> ids) {
        return new Batch(List.copyOf(new java.util.LinkedHashSet<>(ids)), null);
    }

    /** A batch of these entries, in this order (duplicates are ignored). */
    public static Batch of(long... ids) {
        List<Long> l = new ArrayList<>();
        for (long id : ids) {
            l.add(id);
        }
        return of(l);
    }

    /**
     * A batch of every entry whose current implementation matches {@code selector}: an implementation
     * name, or an LDAP filter in parentheses over its service properties and {@code objectClass}.
     * The entries are selected when the swap manager receives the batch.
     */
    public static Batch select(String selector) {
        if (selector == null || selector.isBlank()) {
            throw new IllegalArgumentException("a selector is an implementation name or an LDAP filter, e.g. (swap.impl.name=counter.simple)");
        }
        return new Batch(null, selector);
    }

    /** The target every entry is swapped to: an implementation name or an LDAP filter (as for a single swap). */
    public Batch to(String target) {
        this.target = target;
        return this;
    }

    /** Makes the batch an atomic group: all entries switch, or none does. */
    public Batch atomic() {
        this.atomic = true;
        return this;
    }

    /** The quiescence timeout for the whole batch, in milliseconds (0, the default: the manager's default). */
    public Batch timeout(long millis) {
        if (millis < 0) {
            throw new IllegalArgumentException("timeout must be >= 0 ms");
        }
        this.timeoutMillis = millis;
        return this;
    }

    /** Why, for events and history. */
    public Batch reason(String why) {
        this.reason = why;
        return this;
    }

    /**
     * Watches every entry that completes ({@link SwapOptions#watch}): each is measured against its
     * own baseline and swapped back on its own if it gets worse. The batch's stage then completes
     * when every watch has ended. A canary cannot be asked for a batch (the batch is refused).
     *
     * @since 1.2
     */
    public Batch options(SwapOptions options) {
        this.options = options;
        return this;
    }

    /** @return the options, or {@code null} (a plain batch) @since 1.2 */
    public SwapOptions options() {
        return options;
    }

    /** @return the entry ids, or {@code null} if the batch selects its entries by {@link #selector()} */
    public List<Long> ids() {
        return ids;
    }

    /** @return the selector, or {@code null} if the batch lists its entries by id */
    public String selector() {
        return selector;
    }

    /** @return the target */
    public String target() {
        return target;
    }

    /** @return whether the batch is an atomic group */
    public boolean isAtomic() {
        return atomic;
    }

    /** @return the timeout in milliseconds (0: default) */
    public long timeoutMillis() {
        return timeoutMillis;
    }

    /** @return the reason, or {@code null} */
    public String reason() {
        return reason;
    }

    @Override
    public String toString() {
        return (atomic ? "atomic batch " : "batch ") + (ids != null ? ids : selector) + " -> " + target;
    }
}
