package swap.core.journal;

import swap.kernel.EntryImpl;
import swap.kernel.Implementation;
import swap.kernel.Initiator;
import swap.kernel.JournalSink;
import swap.kernel.Parked;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import java.util.function.BooleanSupplier;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

import swap.api.BatchResult;
import swap.api.JournalRecordDTO;
import swap.api.SwapJournal;
import swap.api.SwapOutcome;
import swap.api.SwapResult;

/**
 * The platform's journal as a service: a {@link Journal} in swap.core's data area of the framework
 * storage ({@code BundleContext.getDataFile("journal")}, so it lives as long as the storage: keep it
 * with {@code -Dswap.storage=DIR}). The engine hands it every change ({@link JournalSink}); the trust
 * and visibility policies their changes and refusals; the file cache its files
 * ({@link #opened}). Configuration PID {@value #PID}.
 *
 * <p>It also remembers, per stable key (a file's real path), the implementation an entry with that
 * key last ran ({@link #lastImplementation}), read back from the journal at start and kept in
 * step with every record after; after a rotation every key's last implementation is written again
 * (a checkpoint), so rotation never forgets it. Moves made while the framework stops (each
 * implementation's bundle stopping in turn moves its entries to the next) are journaled with the
 * initiator {@value #SHUTDOWN} and are not remembered as choices.
 *
 * <p>What a crash interrupts is found here at the next start (docs/trust-and-journal.md, "After a
 * crash"): side-by-side upgrades whose last record is a step, not an outcome
 * ({@link #interruptedUpgrades}, which the upgrade package's recovery finishes or undoes), and
 * entries with a stable key that were parked when the platform stopped: for each, this service
 * appends a {@code park} record with outcome {@value #LOST} at activation (initiator
 * {@value #RESTART}), and {@link #interruptedPark} gives {@link Restore} the park, so the entry's
 * next open says what happened. Open upgrades and parks are written again after a rotation, like
 * the keys' last implementations, so a rotation never forgets them.
 *
 * <p>A journal that cannot be written is logged, never thrown at a swap. Thread-safe.
 */
@Component(service = {JournalService.class, SwapJournal.class}, configurationPid = JournalService.PID, immediate = true)
@Designate(ocd = JournalService.Config.class)
public class JournalService implements SwapJournal, JournalSink {
    static final String PID = "swap.journal";

    @ObjectClassDefinition(id = PID, name = "Swap journal", description = "The durable journal of every swap, batch, interposition, policy change and refusal.")
    public @interface Config {
        @AttributeDefinition(name = "Sync", description = "record: fsync each record before the change returns; group: concurrent changes share one fsync (group commit).",
                options = {@Option(value = "record", label = "fsync per record"), @Option(value = "group", label = "group commit")})
        String sync() default "group";

        @AttributeDefinition(name = "Rotate at (bytes)", description = "The journal file is rotated when it would grow past this size.", min = "4096")
        long max_bytes() default 4L << 20;

        @AttributeDefinition(name = "Rotated files kept", min = "1")
        int keep() default 4;
    }

    private final Journal journal;
    private final Map<Long, String> keys = new ConcurrentHashMap<>();
    private final Map<String, String> lastByKey = new ConcurrentHashMap<>();
    /** Stable key -> the park record of its entry, while parked (or parked when the platform stopped, until it is opened again). */
    private final Map<String, JournalRecordDTO> parkedByKey = new ConcurrentHashMap<>();
    /** Keys in {@link #parkedByKey} whose park already has its {@value #LOST} record. */
    private final Set<String> lostReported = ConcurrentHashMap.newKeySet();
    /** Upgrade key -> its last record, while that is a step (STARTED, INSTALLED, MOVED), not an outcome. */
    private final Map<String, JournalRecordDTO> openUpgrades = new ConcurrentHashMap<>();
    /** The upgrades that were open when the journal was read at start: interrupted by the end of the last run. */
    private final List<String> interrupted;
    /** The last upgrade number given out: above every seq of the journal at start, so unique across restarts. */
    private final AtomicLong upgrades;

    @Reference(service = LoggerFactory.class)
    Logger log;

    /** Initiator of the moves a framework shutdown makes (implementations stopping one by one): not a choice to restore. */
    static final String SHUTDOWN = Initiator.PLATFORM + " (shutdown)";
    /** Initiator of the records a start writes for what the previous run left unfinished (a crash). */
    public static final String RESTART = Initiator.PLATFORM + " (restart)";
    /** Kind of the records of a side-by-side upgrade's steps and outcome. */
    public static final String UPGRADE = "upgrade";
    /** Outcome of a park record written at a start: the platform stopped while the entry was parked, the state it kept in memory is gone. */
    public static final String LOST = "LOST";
    /** The steps of an upgrade that are not its outcome. */
    public static final List<String> STEPS = List.of("STARTED", "INSTALLED", "MOVED");

    private BooleanSupplier stopping = () -> false;

    @Activate
    public JournalService(BundleContext context, Config config) throws IOException {
        this(context.getDataFile("journal").toPath(), sync(config), config.max_bytes(), config.keep());
        OsgiInitiator.install(); // who asks is found from the calling thread's stack
        Bundle system = context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION);
        stopping = () -> system.getState() == Bundle.STOPPING;
    }

    /** A new sync mode applies at once; size and files kept at the next start (the swap manager, which needs this service, stays up). */
    @Modified
    void modified(Config config) {
        journal.sync(sync(config));
    }

    private static Journal.Sync sync(Config config) {
        return "record".equalsIgnoreCase(config.sync().trim()) ? Journal.Sync.RECORD : Journal.Sync.GROUP;
    }

    /** Outside OSGi (tests): a journal in {@code dir}. */
    JournalService(Path dir, Journal.Sync sync, long maxBytes, int keep) throws IOException {
        journal = new Journal(dir, sync, maxBytes, keep);
        for (JournalRecordDTO r : journal.readAll()) {
            remember(r);
        }
        upgrades = new AtomicLong(journal.lastSeq());
        interrupted = openUpgrades.values().stream().sorted(Comparator.comparingLong(r -> r.seq)).map(r -> r.key).toList();
        journal.onRotate(j -> {
            List<JournalRecordDTO> again = new ArrayList<>();
            for (Map.Entry<String, String> e : lastByKey.entrySet()) {
                JournalRecordDTO r = record("checkpoint", Initiator.PLATFORM, -1, null, null, null, null, "implementation this key last ran");
                r.key = e.getKey();
                r.to = e.getValue();
                r.implementation = e.getValue();
                again.add(r);
            }
            // what is still open must survive the rotation too: parks of entries with a stable key, upgrades between intent and outcome
            for (Map.Entry<String, JournalRecordDTO> e : parkedByKey.entrySet()) {
                again.add(checkpoint(e.getValue()));
                if (lostReported.contains(e.getKey())) {
                    again.add(lost(e.getValue()));
                }
            }
            for (JournalRecordDTO r : openUpgrades.values()) {
                again.add(checkpoint(r));
            }
            for (JournalRecordDTO r : again) {
                try {
                    j.appendHeld(r);
                } catch (IOException ex) {
                    warn("journal checkpoint failed: " + ex);
                }
            }
        });
        reportInterruptedParks();
    }

    /** A copy of {@code r} to write again after a rotation. */
    private static JournalRecordDTO checkpoint(JournalRecordDTO r) {
        JournalRecordDTO c = copy(r);
        c.reason = "(written again after a rotation of the journal, first written as record " + r.seq + ") " + r.reason;
        return c;
    }

    private static JournalRecordDTO copy(JournalRecordDTO r) {
        JournalRecordDTO c = record(r.kind, r.initiator, r.entryId, r.from, r.to, r.format, r.outcome, r.reason);
        c.timeMillis = r.timeMillis;
        c.key = r.key;
        c.implementation = r.implementation;
        c.bundleId = r.bundleId;
        c.bundle = r.bundle;
        c.newBundleId = r.newBundleId;
        c.location = r.location;
        return c;
    }

    /**
     * At start: every entry with a stable key whose last record is a park was parked when the
     * platform stopped (a crash: a normal stop releases it, which is journaled): the state the park
     * kept in memory is gone. Journaled once per park ({@value #LOST}); the entry's next open says
     * it again ({@link Restore}).
     */
    private void reportInterruptedParks() {
        for (Map.Entry<String, JournalRecordDTO> e : parkedByKey.entrySet()) {
            if (!lostReported.contains(e.getKey())) {
                append(lost(e.getValue()));
            }
        }
    }

    /** The record that says the park {@code park} ended with the process. */
    private static JournalRecordDTO lost(JournalRecordDTO park) {
        JournalRecordDTO r = record("park", RESTART, park.entryId, park.from, null, park.format, LOST,
                "the platform stopped while entry " + park.entryId + " was parked" + (park.bundle != null ? " for the in-place upgrade of bundle " + park.bundle + " ("
                        + park.bundleId + ")" : "") + " (record " + park.seq + "): " + (lostNothing(park) ? "its state was empty, nothing was lost"
                                : "the state it kept only in memory (" + park.format + ") is gone")
                        + "; when it is opened again it starts from what is on disk (its restore record says on which implementation)");
        r.key = park.key;
        r.bundleId = park.bundleId;
        r.bundle = park.bundle;
        return r;
    }

    /** Whether the park kept only an empty state (a stateless entry): nothing in memory to lose. */
    static boolean lostNothing(JournalRecordDTO park) {
        return swap.api.StateFormat.EMPTY.name().equals(park.format);
    }

    @Deactivate
    void deactivate() throws IOException {
        journal.close();
    }

    // ------------------------------------------------------------------ writing

    /** Appends a record; a failure is logged, never thrown. */
    void append(JournalRecordDTO r) {
        if (r.key == null && r.entryId >= 0) {
            r.key = keys.get(r.entryId);
        }
        try {
            journal.append(r);
            remember(r);
        } catch (IOException | RuntimeException e) {
            warn("could not append to the journal in " + journal.directory() + ": " + e + " (record: " + r.kind + " " + r.reason + ")");
        }
    }

    static JournalRecordDTO record(String kind, String initiator, long entryId, String from, String to, String format, String outcome, String reason) {
        JournalRecordDTO r = new JournalRecordDTO();
        r.kind = kind;
        r.initiator = initiator;
        r.entryId = entryId;
        r.from = from;
        r.to = to;
        r.format = format;
        r.outcome = outcome;
        r.reason = reason;
        return r;
    }

    @Override
    public void swap(EntryImpl<?> e, SwapResult r, long batchId) {
        boolean parked = r.outcome == SwapOutcome.COMPLETED && e.implementation() instanceof Parked;
        JournalRecordDTO rec = record(r.outcome == SwapOutcome.REFUSED ? "refusal" : parked ? "park" : "swap", stopping.getAsBoolean() ? SHUTDOWN : Initiator.current(r.reason),
                e.id(), r.from, r.to, r.format, String.valueOf(r.outcome), (batchId != 0 ? "batch " + batchId + ": " : "") + r.reason);
        if (r.outcome == SwapOutcome.COMPLETED && !parked) {
            rec.implementation = e.implementation().name();
        }
        if (parked) {
            // structured: which bundle the entry was parked for (its implementation's), read back after a crash
            Implementation was = ((Parked) e.implementation()).was();
            rec.bundleId = was.bundleId();
            rec.bundle = was.bundle();
            if (was.origin() instanceof ServiceReference<?> ref && ref.getBundle() != null) {
                rec.bundle = ref.getBundle().getSymbolicName() + " " + ref.getBundle().getVersion();
            }
        }
        append(rec);
    }

    @Override
    public void released(EntryImpl<?> e, String what) {
        append(record("release", Initiator.current(null), e.id(), what, null, null, "COMPLETED", "entry released" + (e.implementation() instanceof Parked
                ? "; its parked state was dropped: " + ((Parked) e.implementation()).describe() : "")));
    }

    @Override
    public void batch(long batchId, boolean atomic, long[] entries, String target, String reason, BatchResult r) {
        append(record(r.outcome == SwapOutcome.REFUSED ? "refusal" : "batch", Initiator.current(reason), -1, null, target, null, String.valueOf(r.outcome),
                (atomic ? "atomic batch " : "batch ") + batchId + " of entries " + java.util.Arrays.toString(entries) + ": "
                        + (r.reason != null ? r.reason : reason)));
    }

    @Override
    public void interposer(long entryId, String name, boolean added) {
        append(record(added ? "interpose" : "remove", Initiator.current(null), entryId, null, name, null, "COMPLETED",
                (added ? "interposer " : "removed interposer ") + name));
    }

    /** A trust or visibility policy was set or changed. */
    public void policy(String what) {
        append(record("policy", Initiator.PLATFORM + " (configuration)", -1, null, null, null, "COMPLETED", what));
    }

    /** Something was refused outside the engine (an untrusted implementation). */
    public void refusal(String iface, String implementation, String reason) {
        append(record("refusal", Initiator.PLATFORM, -1, null, implementation, null, "REFUSED", iface + ": " + reason));
    }

    /** A bundle refused by the trust policy before it was installed, at someone's request (e.g. the fix feed's): journaled with that initiator. */
    public void refusalAsked(String iface, String implementation, String reason) {
        append(record("refusal", Initiator.current(reason), -1, null, implementation, null, "REFUSED", iface + ": " + reason));
    }

    // ------------------------------------------------------------------ stable keys

    /**
     * An entry with a stable key was created: remembered for its later records, journaled as
     * {@code open}, or as {@code restore} when {@code restoreNote} says what the restart decided.
     */
    public void opened(String key, long entryId, String implementation, String restoreNote) {
        keys.put(entryId, key);
        JournalRecordDTO r = record(restoreNote == null ? "open" : "restore", Initiator.current(null), entryId, null, implementation, null, "COMPLETED",
                restoreNote == null ? "opened" : restoreNote);
        r.key = key;
        r.implementation = name(implementation);
        append(r);
    }

    /** The entry with a stable key is gone (its file closed); later records of its id carry no key. */
    public void closed(long entryId) {
        keys.remove(entryId);
    }

    /** @return the name of the implementation an entry with this key last ran, or {@code null} */
    public String lastImplementation(String key) {
        return lastByKey.get(key);
    }

    /**
     * @return the park record of the entry with this key if it was parked when the platform stopped
     *         and has not been opened since (its {@code bundle} fields name the bundle it was parked
     *         for), else {@code null}
     */
    public JournalRecordDTO interruptedPark(String key) {
        return lostReported.contains(key) ? parkedByKey.get(key) : null;
    }

    // ------------------------------------------------------------------ side-by-side upgrades

    /** @return the key of a new upgrade, {@code upgrade:N}, shared by its records; N is unique across restarts */
    public String newUpgradeKey() {
        long seq = journal.lastSeq();
        return "upgrade:" + upgrades.updateAndGet(n -> Math.max(n, seq) + 1);
    }

    /**
     * Appends one record of a side-by-side upgrade: {@code r.outcome} is the step ({@link #STEPS}) or
     * the outcome, {@code r.key} its upgrade key; the kind is set here, and the initiator unless given
     * (found from the calling thread: {@code shell} when typed at the console).
     */
    public void upgrade(JournalRecordDTO r) {
        r.kind = UPGRADE;
        if (r.initiator == null) {
            r.initiator = Initiator.current(r.reason);
        }
        append(r);
    }

    /**
     * @return the last record of every side-by-side upgrade that was between intent and outcome when
     *         the journal was read at this start (interrupted by a crash) and still has no outcome,
     *         oldest first
     */
    public List<JournalRecordDTO> interruptedUpgrades() {
        List<JournalRecordDTO> l = new ArrayList<>();
        for (String k : interrupted) {
            JournalRecordDTO r = openUpgrades.get(k);
            if (r != null) {
                l.add(r);
            }
        }
        return l;
    }

    private void remember(JournalRecordDTO r) {
        if (r.key == null) {
            return;
        }
        if (UPGRADE.equals(r.kind)) {
            if (STEPS.contains(r.outcome)) {
                openUpgrades.put(r.key, r);
            } else {
                openUpgrades.remove(r.key);
            }
            return;
        }
        if (!r.key.startsWith("file:")) {
            return;
        }
        if ("park".equals(r.kind)) {
            if (LOST.equals(r.outcome)) {
                lostReported.add(r.key);
            } else if ("COMPLETED".equals(r.outcome)) {
                parkedByKey.put(r.key, r);
                lostReported.remove(r.key);
            }
            return;
        }
        if ("swap".equals(r.kind) && "COMPLETED".equals(r.outcome) || "open".equals(r.kind) || "restore".equals(r.kind) || "release".equals(r.kind)) {
            parkedByKey.remove(r.key); // resumed, moved, opened again or released: the park is over
            lostReported.remove(r.key);
        }
        if (r.to == null) {
            return;
        }
        boolean ran = "swap".equals(r.kind) && "COMPLETED".equals(r.outcome) && !SHUTDOWN.equals(r.initiator)
                || "open".equals(r.kind) || "restore".equals(r.kind) || "checkpoint".equals(r.kind);
        if (ran) {
            // the structured name; records written before it existed carry only the label
            lastByKey.put(r.key, r.implementation != null ? r.implementation : name(r.to));
        }
    }

    /** @return the implementation name of a {@code name version} label */
    static String name(String label) {
        int sp = label.lastIndexOf(' ');
        return sp > 0 ? label.substring(0, sp) : label;
    }

    // ------------------------------------------------------------------ reading

    @Override
    public List<JournalRecordDTO> records(int max, long entryId) {
        try {
            return journal.last(Math.max(0, max), entryId);
        } catch (IOException e) {
            throw new swap.api.SwapException("cannot read the journal in " + journal.directory() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public long skippedRecords() {
        return journal.skipped();
    }

    private void warn(String line) {
        Logger l = log;
        if (l != null) {
            l.warn(line);
        } else {
            System.err.println("swap.journal: " + line);
        }
    }
}
