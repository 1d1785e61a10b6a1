/**
 * The hot-swap platform's API: what clients, plugin authors and operators program against.
 *
 * <ul>
 * <li>{@link swap.api.SwapManager}: the service that puts component instances behind entries of the
 * object translation table, swaps them and interposes on them.</li>
 * <li>{@link swap.api.Entry}: one entry; its {@link swap.api.Entry#handle() handle} is the reference
 * clients keep.</li>
 * <li>{@link swap.api.StatefulComponent} and {@link swap.api.StateFormat}: the state-transfer SPI that
 * implementations provide.</li>
 * <li>{@link swap.api.Interposer}: the SPI for monitors and other wrappers of a live entry.</li>
 * <li>{@link swap.api.Batch} and {@link swap.api.BatchResult}: many entries swapped by one request,
 * optionally all-or-nothing (an atomic group).</li>
 * <li>{@link swap.api.UpgradeManager} and {@link swap.api.UpgradeResult}: side-by-side upgrades of an
 * implementation bundle (every entry moved as one atomic group) and the upgrade policy per
 * implementation name.</li>
 * <li>{@link swap.api.SwapOptions} and {@link swap.api.ReadOnly}: safe swaps, watched after they
 * complete (swapped back if they get worse) or tried first on a canary that receives a copy of the
 * state and mirrored side-effect-free calls.</li>
 * <li>{@link swap.api.SwappableServices}: ordinary OSGi services made swappable with the
 * {@link swap.api.SwapConstants#SWAPPABLE} property, listed.</li>
 * <li>{@link swap.api.SwapConstants}: service-property keys and event topics.</li>
 * <li>{@link swap.api.SwapJournal} and {@link swap.api.JournalRecordDTO}: the durable journal of every
 * change, with its initiator (since 1.2); side-by-side upgrades journaled step by step, so a
 * crash between intent and outcome is finished or undone at the next start (since 1.4).</li>
 * <li>{@link swap.api.PreCopyComponent} and {@link swap.api.StateCopy}: an optional addition to the
 * state-transfer SPI for a large state, copied while the old instance serves, with only what changed
 * during the copy carried while calls are held; with progress events
 * ({@link swap.api.SwapConstants#TOPIC_TRANSFER_PROGRESS}) and a limit
 * ({@link swap.api.SwapOptions#transferTimeout(long)}) (since 1.5).</li>
 * <li>{@link swap.api.SwapManager#entry(long, Class)}: an entry, typed (since 1.5); an implementation
 * without {@link swap.api.SwapConstants#IMPL_VERSION} takes its bundle's version (since 1.5).</li>
 * <li>The DTOs ({@link swap.api.EntryDTO}, {@link swap.api.ImplementationDTO},
 * {@link swap.api.JournalRecordDTO}, {@link swap.api.PolicyDTO}, {@link swap.api.SwappableServiceDTO})
 * print as one readable line ({@code toString}), as a script's {@code echo $it} shows them (since 1.6).</li>
 * <li>{@link swap.api.SwapConstants#EVENT_RESULT}: swap events carry their {@link swap.api.SwapResult}
 * (phase durations for metrics exporters) (since 1.6).</li>
 * <li>{@link swap.api.SwapConstants#TOPIC_CREATED}: an event when an entry is created (since 1.6).</li>
 * <li>{@link swap.api.EntryPin}: a pin, a whiteboard service the swap manager asks before any swap moves
 * an entry; it may hold the entry where it is, its refusal naming its owner (since 1.6).</li>
 * </ul>
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.6.0")
package swap.api;
