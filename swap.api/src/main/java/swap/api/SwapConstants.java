package swap.api;

/**
 * Service-property keys, event topics and event-property keys of the platform.
 *
 * <p>An implementation is a Declarative Services component of {@code prototype} service scope,
 * registered under the component's interface with at least {@link #IMPL_NAME}. Any other service
 * property (for example {@code concurrency=distributed}) is a <em>characteristic</em> that an
 * LDAP filter given to {@link SwapManager#swap} can select on.
 */
public final class SwapConstants {
    private SwapConstants() {
    }

    /** Service property, {@code String}, required: the implementation's name, e.g. {@code "counter.simple"}. */
    public static final String IMPL_NAME = "swap.impl.name";

    /**
     * Service property, {@code String} in OSGi version syntax, optional (default, since 1.5: the
     * providing bundle's {@code Bundle-Version}; {@code swap.api.component.SwapImplementation} sets it
     * only when given): the implementation's version. An implementation of the same {@link #IMPL_NAME} with a higher
     * version is an upgrade of it. Among the implementations a target matches, the swap manager
     * picks the highest version, then the highest service ranking.
     */
    public static final String IMPL_VERSION = "swap.impl.version";

    /**
     * Service property, {@code String}: the name of an interposer service (a monitor), e.g.
     * {@code "counter"}. Interposer services are of prototype scope: each entry they are put on
     * ({@link SwapManager#interpose(long, String)}) gets an instance of its own, released when it
     * is removed.
     */
    public static final String INTERPOSER_NAME = "swap.interposer.name";

    /**
     * Service property, {@code Boolean} or {@code String} {@code "true"}, optional: set on an ordinary
     * service (typically a Declarative Services component of any scope) to make it <em>swappable</em>.
     * The platform then hides the original registration from every other bundle (OSGi service hooks)
     * and registers in its place a <em>front</em> service with the same interfaces and properties,
     * whose service object is the handle of a swap-manager entry (one entry for a singleton, one per
     * consuming bundle for bundle scope, one per {@code getService} for prototype scope). When the
     * provider's bundle is updated, refreshed, restarted or replaced by a higher version, the entries
     * move to the new provider instance, with its state if it implements {@link StatefulComponent},
     * and consumers see no service event. Every interface must be public and in a package other
     * bundles can import (an exported package), else the service is left alone and a line is logged.
     */
    public static final String SWAPPABLE = "swap.swappable";

    /**
     * Front service property, {@code Long}: the entry behind a singleton front service (bundle and
     * prototype scope fronts make their entries per consumer; {@link SwappableServices} lists them).
     */
    public static final String FRONT_ENTRY_ID = "swap.entry.id";

    /** Prefix of every event topic the platform posts through Event Admin: {@value}. */
    public static final String TOPIC_PREFIX = "swap/entry/";
    /**
     * An entry was created ({@link SwapManager#create}, {@link SwapManager#register}): it is in the
     * table and its handle may be called. Properties: {@link #EVENT_ENTRY_ID}, {@link #EVENT_INTERFACE},
     * {@link #EVENT_TO} (its implementation, {@code name version}). A fleet node reconciles its new
     * entries on it. @since 1.6
     */
    public static final String TOPIC_CREATED = TOPIC_PREFIX + "CREATED";
    /** A swap began (after the replacement was instantiated). */
    public static final String TOPIC_STARTED = TOPIC_PREFIX + "STARTED";
    /** A swap completed: the entry now points at the new instance. */
    public static final String TOPIC_COMPLETED = TOPIC_PREFIX + "COMPLETED";
    /** A swap was rolled back: the old instance is still in place with its state. */
    public static final String TOPIC_ROLLED_BACK = TOPIC_PREFIX + "ROLLED_BACK";
    /** A swap failed before anything changed (no target, no common format, instantiation failed). */
    public static final String TOPIC_FAILED = TOPIC_PREFIX + "FAILED";

    /**
     * A watched swap completed and its watch began ({@link SwapOptions#watch}): monitors are on the
     * entry for the window. Properties: those of a swap, plus {@link #EVENT_WINDOW_MILLIS} and the
     * baseline figures ({@link #EVENT_BASELINE_ERROR_RATE}, {@link #EVENT_BASELINE_P99_MICROS}).
     *
     * @since 1.2
     */
    public static final String TOPIC_WATCH_STARTED = TOPIC_PREFIX + "WATCH_STARTED";
    /**
     * A watch ended without crossing a threshold; its monitors are off the entry. Properties: those of
     * {@link #TOPIC_WATCH_STARTED} plus the window's figures ({@link #EVENT_CALLS},
     * {@link #EVENT_ERROR_RATE}, {@link #EVENT_P99_MICROS}).
     *
     * @since 1.2
     */
    public static final String TOPIC_WATCH_PASSED = TOPIC_PREFIX + "WATCH_PASSED";
    /**
     * A watch's window ended having seen fewer calls than it needs for a verdict: the new
     * implementation stays, unjudged ({@link SwapResult#figures} {@code watch=inconclusive}).
     * Properties: those of {@link #TOPIC_WATCH_PASSED}.
     *
     * @since 1.6
     */
    public static final String TOPIC_WATCH_INCONCLUSIVE = TOPIC_PREFIX + "WATCH_INCONCLUSIVE";
    /**
     * A watch crossed a threshold and the entry was swapped back to the previous implementation
     * ({@link SwapOutcome#REVERTED}); {@link #EVENT_REASON} says which threshold. Properties: those
     * of {@link #TOPIC_WATCH_PASSED}. {@link #EVENT_FROM} and {@link #EVENT_TO} are those of the
     * watched swap (the swap back goes the other way).
     *
     * @since 1.2
     */
    public static final String TOPIC_REVERTED = TOPIC_PREFIX + "REVERTED";
    /**
     * A watch crossed a threshold but the swap back could not run (e.g. the previous
     * implementation's bundle is gone): the entry stays on the new implementation;
     * {@link #EVENT_REASON} says why. Properties: those of {@link #TOPIC_REVERTED}.
     *
     * @since 1.2
     */
    public static final String TOPIC_REVERT_FAILED = TOPIC_PREFIX + "REVERT_FAILED";
    /**
     * A canary ({@link SwapOptions#canary}) agreed with the running instance on every compared call;
     * the swap is being committed (a normal swap follows, with its own events). Properties: those
     * of a swap plus {@link #EVENT_MIRRORED}, {@link #EVENT_COMPARED} and {@link #EVENT_MISMATCHES}.
     *
     * @since 1.2
     */
    public static final String TOPIC_CANARY_PASSED = TOPIC_PREFIX + "CANARY_PASSED";
    /**
     * A canary disagreed with the running instance (or could not be run): it was released, the old
     * instance never left. {@link #EVENT_REASON} shows the first mismatching call (method, arguments,
     * both results). Properties: those of {@link #TOPIC_CANARY_PASSED}.
     *
     * @since 1.2
     */
    public static final String TOPIC_CANARY_FAILED = TOPIC_PREFIX + "CANARY_FAILED";
    /**
     * Progress of a state transfer that copies while the old instance serves
     * ({@link PreCopyComponent}): posted when the copy begins, after each part, after each delta and
     * when the last delta was imported. Properties: those of a swap ({@link #EVENT_ENTRY_ID},
     * {@link #EVENT_FROM}, {@link #EVENT_TO}, {@link #EVENT_FORMAT}, {@link #EVENT_BATCH_ID} in a
     * batch) plus {@link #EVENT_TRANSFER_PHASE}, {@link #EVENT_TRANSFER_COPIED},
     * {@link #EVENT_TRANSFER_SIZE}, {@link #EVENT_TRANSFER_PARTS}, {@link #EVENT_TRANSFER_DELTAS},
     * {@link #EVENT_TRANSFER_MILLIS} and {@link #EVENT_TRANSFER_LIMIT_MILLIS}. A transfer past its
     * limit ends in {@link #TOPIC_ROLLED_BACK} with the reason.
     *
     * @since 1.5
     */
    public static final String TOPIC_TRANSFER_PROGRESS = TOPIC_PREFIX + "TRANSFER_PROGRESS";
    /**
     * Event property, {@code String}: the transfer's phase: {@code begin} (the copy began),
     * {@code part} (a part was imported), {@code delta} (a delta was imported while calls ran),
     * {@code last} (the last delta was imported while calls were held). @since 1.5
     */
    public static final String EVENT_TRANSFER_PHASE = "transfer.phase";
    /** Event property, {@code Long}: units (e.g. map entries) copied so far. @since 1.5 */
    public static final String EVENT_TRANSFER_COPIED = "transfer.copied";
    /** Event property, {@code Long}: units the full copy holds, {@code -1} if unknown. @since 1.5 */
    public static final String EVENT_TRANSFER_SIZE = "transfer.size";
    /** Event property, {@code Long}: parts imported so far. @since 1.5 */
    public static final String EVENT_TRANSFER_PARTS = "transfer.parts";
    /** Event property, {@code Long}: deltas imported so far. @since 1.5 */
    public static final String EVENT_TRANSFER_DELTAS = "transfer.deltas";
    /** Event property, {@code Long}: milliseconds since the transfer began. @since 1.5 */
    public static final String EVENT_TRANSFER_MILLIS = "transfer.millis";
    /** Event property, {@code Long}: the transfer's limit in milliseconds. @since 1.5 */
    public static final String EVENT_TRANSFER_LIMIT_MILLIS = "transfer.limit.millis";
    /** Event property, {@code Long}: a watch's window, in milliseconds. @since 1.2 */
    public static final String EVENT_WINDOW_MILLIS = "watch.window.millis";
    /** Event property, {@code Long}: calls a watch measured in its window so far. @since 1.2 */
    public static final String EVENT_CALLS = "watch.calls";
    /** Event property, {@code Double}: the fraction of the window's calls that threw (0..1). @since 1.2 */
    public static final String EVENT_ERROR_RATE = "watch.error.rate";
    /** Event property, {@code Double}: the window's 99th percentile call latency, in microseconds. @since 1.2 */
    public static final String EVENT_P99_MICROS = "watch.p99.micros";
    /** Event property, {@code Double}: the baseline's error rate (0..1). @since 1.2 */
    public static final String EVENT_BASELINE_ERROR_RATE = "watch.baseline.error.rate";
    /** Event property, {@code Double}: the baseline's 99th percentile latency, in microseconds. @since 1.2 */
    public static final String EVENT_BASELINE_P99_MICROS = "watch.baseline.p99.micros";
    /** Event property, {@code Long}: calls mirrored to a canary. @since 1.2 */
    public static final String EVENT_MIRRORED = "canary.mirrored";
    /** Event property, {@code Long}: mirrored calls whose results were compared. @since 1.2 */
    public static final String EVENT_COMPARED = "canary.compared";
    /** Event property, {@code Long}: compared calls whose results differed. @since 1.2 */
    public static final String EVENT_MISMATCHES = "canary.mismatches";

    /**
     * Statistics keys ({@link Monitor#statistics()}) a watch reads from the monitors it interposes:
     * {@value}, a {@code Number}, calls since the monitor was put on the entry. The platform's
     * {@code calls} monitor reports it.
     *
     * @since 1.2
     */
    public static final String STAT_CALLS = "calls";
    /** Statistics key: {@value}, a {@code Number}, calls that threw. @since 1.2 */
    public static final String STAT_THROWN = "thrown";
    /** Statistics key: {@value}, a {@code Number}, the 99th percentile latency in microseconds (the {@code latency} monitor). @since 1.2 */
    public static final String STAT_P99_MICROS = "p99Micros";

    /** Prefix of the topics of batches and atomic groups: {@value}. */
    public static final String TOPIC_BATCH_PREFIX = "swap/batch/";
    /**
     * A batch ({@link SwapManager#swap(Batch)}) began: its entries were selected and their
     * replacements instantiated. Properties: {@link #EVENT_BATCH_ID}, {@link #EVENT_ATOMIC},
     * {@link #EVENT_ENTRIES}, {@link #EVENT_TO}, {@link #EVENT_REASON}.
     */
    public static final String TOPIC_BATCH_STARTED = TOPIC_BATCH_PREFIX + "STARTED";
    /** A batch ended and every entry of it completed. */
    public static final String TOPIC_BATCH_COMPLETED = TOPIC_BATCH_PREFIX + "COMPLETED";
    /**
     * A batch ended with at least one entry not completed. For an atomic group this means every
     * entry rolled back and kept its old instance; {@link #EVENT_REASON} says which entry failed.
     */
    public static final String TOPIC_BATCH_ROLLED_BACK = TOPIC_BATCH_PREFIX + "ROLLED_BACK";
    /** Event property, {@code Long}: the batch id (also on each entry's events of that batch). */
    public static final String EVENT_BATCH_ID = "batch.id";
    /** Event property, {@code Boolean}: whether the batch is an atomic group. */
    public static final String EVENT_ATOMIC = "batch.atomic";
    /** Event property, {@code long[]}: the entries of a batch. */
    public static final String EVENT_ENTRIES = "batch.entries";

    /** Event property, {@code Long}: the entry id. */
    public static final String EVENT_ENTRY_ID = "entry.id";
    /** Event property, {@code String}: the entry's interface name. */
    public static final String EVENT_INTERFACE = "entry.interface";
    /** Event property, {@code String}: the implementation swapped from ({@code name version}). */
    public static final String EVENT_FROM = "swap.from";
    /** Event property, {@code String}: the implementation swapped to ({@code name version}). */
    public static final String EVENT_TO = "swap.to";
    /** Event property, {@code String}: the state format used, absent before negotiation. */
    public static final String EVENT_FORMAT = "swap.format";
    /** Event property, {@code String}: why the swap was requested, or why it rolled back or failed. */
    public static final String EVENT_REASON = "swap.reason";
    /**
     * Event property, {@link SwapResult}: the result the event is about, as the history keeps it
     * (outcome, phase durations, waited calls). Set on {@link #TOPIC_COMPLETED},
     * {@link #TOPIC_ROLLED_BACK}, {@link #TOPIC_FAILED} and on the watch and canary topics
     * ({@link #TOPIC_WATCH_STARTED}, {@link #TOPIC_WATCH_PASSED}, {@link #TOPIC_REVERTED},
     * {@link #TOPIC_REVERT_FAILED}, {@link #TOPIC_CANARY_PASSED}, {@link #TOPIC_CANARY_FAILED});
     * not on {@link #TOPIC_STARTED} nor {@link #TOPIC_TRANSFER_PROGRESS}, whose result is not final.
     * Listeners must not change it. Metrics exporters read the phase durations from it.
     *
     * @since 1.6
     */
    public static final String EVENT_RESULT = "swap.result";

    /**
     * The trust policy refused an implementation: it is registered but never a swap target. Posted
     * when such a service is registered and when a policy change refuses one already registered.
     * Properties: {@link #EVENT_INTERFACE}, {@link #EVENT_TO} (the implementation, {@code name version}),
     * {@link #EVENT_REASON}, {@code bundle.id} ({@code Long}) and {@code bundle.symbolicName}. Since 1.2.
     */
    public static final String TOPIC_TRUST_REFUSED = "swap/trust/REFUSED";
}
