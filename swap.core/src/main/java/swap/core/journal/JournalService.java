package swap.core.journal;

import swap.kernel.EntryImpl;
import swap.kernel.Initiator;
import swap.kernel.JournalSink;
import swap.kernel.Parked;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import java.util.function.BooleanSupplier;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
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

    @Reference(service = LoggerFactory.class)
    Logger log;

    /** Initiator of the moves a framework shutdown makes (implementations stopping one by one): not a choice to restore. */
    static final String SHUTDOWN = Initiator.PLATFORM + " (shutdown)";

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
        journal.onRotate(j -> {
            for (Map.Entry<String, String> e : lastByKey.entrySet()) {
                JournalRecordDTO r = record("checkpoint", Initiator.PLATFORM, -1, null, null, null, null, "implementation this key last ran");
                r.key = e.getKey();
                r.to = e.getValue();
                r.implementation = e.getValue();
                try {
                    j.appendHeld(r);
                } catch (IOException ex) {
                    warn("journal checkpoint failed: " + ex);
                }
            }
        });
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

    private void remember(JournalRecordDTO r) {
        if (r.key == null || r.to == null || !r.key.startsWith("file:")) {
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
