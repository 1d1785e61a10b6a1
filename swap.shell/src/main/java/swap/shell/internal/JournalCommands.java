package swap.shell.internal;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.apache.felix.service.command.Converter;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

import swap.api.JournalRecordDTO;
import swap.api.SwapJournal;

/**
 * {@code swap:journal [N] [--entry ID]}: the newest N records (default 20) of the platform's durable
 * journal, newest first: time, kind, initiator, entry, stable key, from, to, format, outcome, reason.
 * Returns a {@link Records} (a list of {@link JournalRecordDTO}), which this class also renders as a
 * table for the console (it is the {@link Converter} for it).
 *
 * <p>Stateless; called by any session thread.
 */
@Component(service = {JournalCommands.class, Converter.class}, property = {
        "osgi.command.scope=swap", "osgi.command.function=journal",
        Converter.CONVERTER_CLASSES + "=swap.shell.internal.JournalCommands$Records"})
public final class JournalCommands implements Converter {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS", Locale.ROOT).withZone(ZoneId.systemDefault());

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile SwapJournal journal;

    /** What {@code swap:journal} returns: records, newest first, and how many torn records were skipped. */
    public static final class Records extends ArrayList<JournalRecordDTO> {
        private static final long serialVersionUID = 1L;
        /** Torn or corrupt records the read skipped. */
        public long skipped;
    }

    @Descriptor("show the newest 20 records of the journal (swaps, batches, interpositions, policy changes, refusals), newest first")
    public Records journal(
            @Descriptor("only the records of this entry (swap:list)") @Parameter(names = {"-e", "--entry"}, absentValue = "") String entry) {
        return journal(entry, "20");
    }

    // Numbers are taken as text and parsed here (Gogo's own coercion would answer "Cannot coerce ...").
    @Descriptor("show the newest N records of the journal, newest first")
    public Records journal(
            @Descriptor("only the records of this entry (swap:list)") @Parameter(names = {"-e", "--entry"}, absentValue = "") String entry,
            @Descriptor("how many records") String n) {
        long e = entry.isEmpty() ? -1 : Shell.id("swap", entry);
        int count = (int) Shell.number("swap", "number of records", n, 0, Integer.MAX_VALUE, "give how many records to show, e.g. swap:journal 50");
        SwapJournal j = journal;
        if (j == null) {
            throw new ShellException("swap", "no journal: bundle swap.core is not active, or this shell is not allowed to see it (PID swap.visibility)");
        }
        Records r = new Records();
        r.addAll(j.records(count, e));
        r.skipped = j.skippedRecords();
        return r;
    }

    public Object getJournal(Object... wrong) {
        throw Usage.wrong("swap", "journal");
    }

    @Override
    public Object convert(Class<?> desiredType, Object in) {
        return null;
    }

    @Override
    public CharSequence format(Object target, int level, Converter escape) {
        if (!(target instanceof Records) || level != INSPECT) {
            return null;
        }
        Records records = (Records) target;
        Render.Table t = new Render.Table("Seq", "Time", "Kind", "Initiator", "Entry", "Key", "From", "To", "Format", "Outcome", "Reason");
        t.rightAligned(0, 4);
        for (JournalRecordDTO r : records) {
            t.row(String.valueOf(r.seq), TIME.format(Instant.ofEpochMilli(r.timeMillis)), r.kind, dash(r.initiator), r.entryId < 0 ? "-" : String.valueOf(r.entryId),
                    dash(r.key), dash(r.from), dash(r.to), dash(r.format), dash(r.outcome), dash(r.reason));
        }
        List<String> notes = new ArrayList<>();
        if (records.isEmpty()) {
            notes.add("the journal has no such record");
        }
        if (records.skipped > 0) {
            notes.add(records.skipped + " torn or corrupt record(s) skipped (a crash cut a write short)");
        }
        return t.render(notes.isEmpty() ? null : String.join("\n", notes));
    }

    private static String dash(String s) {
        return s == null ? "-" : s;
    }
}
