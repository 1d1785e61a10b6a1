package swap.core.journal;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.CRC32;

import swap.api.JournalRecordDTO;

/**
 * An append-only journal file: one line per record, {@code CRC32 TAB seq TAB time TAB kind TAB initiator
 * TAB entry TAB key TAB from TAB to TAB format TAB outcome TAB reason TAB implementation TAB bundle-id TAB
 * bundle TAB new-bundle-id TAB location LF} (lines of older versions end after reason or implementation
 * and are still read), fields escaped ({@code \t},
 * {@code \n}, {@code \\}); the checksum covers everything after its tab. A line whose checksum does not
 * match or that has no final newline (a write torn by a crash) is skipped when read, and counted; when
 * the file is opened after a crash that left a torn tail, a newline is appended first so the next
 * record starts on a line of its own.
 *
 * <p>Durability: {@link Sync#RECORD} writes and forces ({@code fsync}) each record before
 * {@link #append} returns; {@link Sync#GROUP} lets concurrent appenders share one force (group commit:
 * the first waiting thread writes every pending record and forces once, the others wait until their
 * record is covered); {@link Sync#NONE} only writes (for tests of the format). Either way a record
 * whose {@code append} returned is in the file.
 *
 * <p>Rotation: when the file would grow past {@code maxBytes}, it is renamed {@code journal.1.log}
 * (older ones shift to {@code .2}, ... up to {@code keep}; older still are deleted) and a new
 * {@code journal.log} begins.
 *
 * <p>Thread-safe: any thread may append and read; appends are totally ordered by {@code seq}.
 */
public final class Journal implements AutoCloseable {

    /** When appended records are forced to the disk. */
    public enum Sync {
        /** One force per record. */
        RECORD,
        /** Concurrent appenders share one force. */
        GROUP,
        /** No force (the OS writes back when it likes). */
        NONE
    }

    static final String FILE = "journal.log";

    private final Path dir;
    private volatile Sync sync;
    private final long maxBytes;
    private final int keep;
    private final Object lock = new Object();

    // guarded by lock
    private long seq;
    private List<byte[]> pending = new ArrayList<>();
    private long enqueued;
    private long flushed;
    private boolean flushing;
    private IOException failure;
    private long failedUpTo;
    private boolean closed;
    private volatile long skipped;

    // written only by the thread that holds the write turn (flushing, or lock in RECORD/NONE mode)
    private FileChannel channel;
    private long size;
    private Consumer<Journal> onRotate = j -> {
    };

    /**
     * Opens (or creates) the journal in {@code dir}.
     *
     * @param maxBytes rotate when the file would grow past this
     * @param keep     how many rotated files to keep (&gt;= 1)
     */
    public Journal(Path dir, Sync sync, long maxBytes, int keep) throws IOException {
        if (maxBytes < 256 || keep < 1) {
            throw new IllegalArgumentException("max bytes must be >= 256 and keep >= 1");
        }
        this.dir = Files.createDirectories(dir);
        this.sync = sync;
        this.maxBytes = maxBytes;
        this.keep = keep;
        for (JournalRecordDTO r : readAll()) {
            seq = Math.max(seq, r.seq);
        }
        open();
    }

    /** @return the seq of the newest record appended or read (0 for an empty journal) */
    public long lastSeq() {
        synchronized (lock) {
            return seq;
        }
    }

    /** Sets what runs right after a rotation (with the write turn held): e.g. appending a checkpoint. */
    void onRotate(Consumer<Journal> action) {
        onRotate = action;
    }

    private void open() throws IOException {
        channel = FileChannel.open(dir.resolve(FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
        size = channel.size();
        channel.position(size);
        if (size > 0) {
            ByteBuffer last = ByteBuffer.allocate(1);
            channel.read(last, size - 1);
            if (last.get(0) != '\n') { // a torn tail: end it, so the next record is a line of its own
                channel.write(ByteBuffer.wrap(new byte[] {'\n'}), size);
                size++;
                channel.position(size);
                channel.force(false);
            }
        }
    }

    /** Changes when records are forced, from the next append on. */
    void sync(Sync s) {
        sync = s;
    }

    /** @return the directory of the journal files */
    public Path directory() {
        return dir;
    }

    /**
     * Appends a record; fills in its {@code seq} and (if 0) its time. Returns once the record is
     * written (and forced, unless {@link Sync#NONE}).
     */
    public void append(JournalRecordDTO r) throws IOException {
        if (r.timeMillis == 0) {
            r.timeMillis = System.currentTimeMillis();
        }
        if (sync != Sync.GROUP) {
            synchronized (lock) {
                checkOpen();
                r.seq = ++seq;
                write(List.of(encode(r)));
            }
            return;
        }
        long my;
        synchronized (lock) {
            checkOpen();
            r.seq = ++seq;
            pending.add(encode(r));
            my = ++enqueued;
        }
        while (true) {
            List<byte[]> batch;
            long upTo;
            synchronized (lock) {
                while (flushing && flushed < my) {
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException("interrupted while waiting for the journal's group commit", e);
                    }
                }
                if (flushed >= my) {
                    if (failure != null && my <= failedUpTo) {
                        throw new IOException("journal write failed: " + failure.getMessage(), failure);
                    }
                    return;
                }
                flushing = true;
                batch = pending;
                pending = new ArrayList<>();
                upTo = enqueued;
            }
            IOException err = null;
            try {
                write(batch);
            } catch (IOException e) {
                err = e;
            }
            synchronized (lock) {
                flushing = false;
                flushed = upTo;
                if (err != null) {
                    failure = err;
                    failedUpTo = upTo;
                }
                lock.notifyAll();
            }
        }
    }

    private void checkOpen() throws IOException {
        if (closed) {
            throw new IOException("the journal in " + dir + " is closed");
        }
    }

    /** Writes the lines (one force), rotating first if they would not fit. Caller holds the write turn. */
    private void write(List<byte[]> lines) throws IOException {
        int total = 0;
        for (byte[] b : lines) {
            total += b.length;
        }
        if (size > 0 && size + total > maxBytes) {
            rotate();
        }
        ByteBuffer[] bufs = new ByteBuffer[lines.size()];
        for (int i = 0; i < bufs.length; i++) {
            bufs[i] = ByteBuffer.wrap(lines.get(i));
        }
        long left = total;
        while (left > 0) {
            left -= channel.write(bufs);
        }
        size += total;
        if (sync != Sync.NONE) {
            channel.force(false);
        }
    }

    private void rotate() throws IOException {
        channel.force(false);
        channel.close();
        Files.deleteIfExists(dir.resolve("journal." + keep + ".log"));
        for (int i = keep - 1; i >= 1; i--) {
            Path from = dir.resolve("journal." + i + ".log");
            if (Files.exists(from)) {
                Files.move(from, dir.resolve("journal." + (i + 1) + ".log"), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Files.move(dir.resolve(FILE), dir.resolve("journal.1.log"), StandardCopyOption.REPLACE_EXISTING);
        open();
        Consumer<Journal> action = onRotate;
        onRotate = j -> {
        }; // a checkpoint that itself rotates must not recurse
        try {
            action.accept(this);
        } finally {
            onRotate = action;
        }
    }

    /** For {@link #onRotate} actions only: appends with the write turn already held. */
    void appendHeld(JournalRecordDTO r) throws IOException {
        if (r.timeMillis == 0) {
            r.timeMillis = System.currentTimeMillis();
        }
        r.seq = ++seq; // the write turn excludes every other appender, so seq is ours
        write(List.of(encode(r)));
    }

    /**
     * Every readable record, oldest first (rotated files first). Torn or corrupt lines are skipped
     * and counted in {@link #skipped()}.
     */
    public List<JournalRecordDTO> readAll() throws IOException {
        List<JournalRecordDTO> out = new ArrayList<>();
        long bad = 0;
        for (int i = keep; i >= 0; i--) {
            Path p = dir.resolve(i == 0 ? FILE : "journal." + i + ".log");
            if (!Files.exists(p)) {
                continue;
            }
            // malformed bytes (a torn multi-byte character) are replaced, so that line fails its checksum
            try (BufferedReader in = new BufferedReader(new java.io.InputStreamReader(Files.newInputStream(p), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.isEmpty()) {
                        continue;
                    }
                    JournalRecordDTO r = decode(line);
                    if (r == null) {
                        bad++;
                    } else {
                        out.add(r);
                    }
                }
            }
        }
        skipped = bad;
        return out;
    }

    /** The newest {@code max} records (of entry {@code entryId}, or all with -1), newest first. */
    public List<JournalRecordDTO> last(int max, long entryId) throws IOException {
        List<JournalRecordDTO> all = readAll();
        List<JournalRecordDTO> out = new ArrayList<>();
        for (int i = all.size() - 1; i >= 0 && out.size() < max; i--) {
            if (entryId < 0 || all.get(i).entryId == entryId) {
                out.add(all.get(i));
            }
        }
        return out;
    }

    /** @return how many torn or corrupt lines the last read skipped */
    public long skipped() {
        return skipped;
    }

    @Override
    public void close() throws IOException {
        synchronized (lock) {
            closed = true;
            while (flushing) {
                try {
                    lock.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            channel.close();
        }
    }

    // ------------------------------------------------------------------ format

    static byte[] encode(JournalRecordDTO r) {
        StringBuilder b = new StringBuilder(160);
        b.append(r.seq).append('\t').append(r.timeMillis);
        for (Object f : new Object[] {r.kind, r.initiator, r.entryId < 0 ? null : r.entryId, r.key, r.from, r.to, r.format, r.outcome, r.reason, r.implementation,
                r.bundleId < 0 ? null : r.bundleId, r.bundle, r.newBundleId < 0 ? null : r.newBundleId, r.location}) {
            b.append('\t');
            if (f == null) {
                b.append('-');
            } else {
                escape(String.valueOf(f), b);
            }
        }
        byte[] payload = b.toString().getBytes(StandardCharsets.UTF_8);
        CRC32 crc = new CRC32();
        crc.update(payload);
        String head = String.format("%08x\t", crc.getValue());
        byte[] line = new byte[head.length() + payload.length + 1];
        System.arraycopy(head.getBytes(StandardCharsets.US_ASCII), 0, line, 0, head.length());
        System.arraycopy(payload, 0, line, head.length(), payload.length);
        line[line.length - 1] = '\n';
        return line;
    }

    /** @return the record, or {@code null} if the line is torn or corrupt */
    static JournalRecordDTO decode(String line) {
        int tab = line.indexOf('\t');
        if (tab != 8) {
            return null;
        }
        String payload = line.substring(9);
        CRC32 crc = new CRC32();
        crc.update(payload.getBytes(StandardCharsets.UTF_8));
        long want;
        try {
            want = Long.parseLong(line.substring(0, 8), 16);
        } catch (NumberFormatException e) {
            return null;
        }
        if (crc.getValue() != want) {
            return null;
        }
        String[] f = payload.split("\t", -1);
        if (f.length != 11 && f.length != 12 && f.length != 16) { // 11: before the implementation column; 12: before the bundle columns
            return null;
        }
        try {
            JournalRecordDTO r = new JournalRecordDTO();
            r.seq = Long.parseLong(f[0]);
            r.timeMillis = Long.parseLong(f[1]);
            r.kind = unescape(f[2]);
            r.initiator = unescape(f[3]);
            String entry = unescape(f[4]);
            r.entryId = entry == null ? -1 : Long.parseLong(entry);
            r.key = unescape(f[5]);
            r.from = unescape(f[6]);
            r.to = unescape(f[7]);
            r.format = unescape(f[8]);
            r.outcome = unescape(f[9]);
            r.reason = unescape(f[10]);
            r.implementation = f.length > 11 ? unescape(f[11]) : null;
            r.bundleId = -1;
            r.newBundleId = -1;
            if (f.length > 12) {
                String b = unescape(f[12]);
                r.bundleId = b == null ? -1 : Long.parseLong(b);
                r.bundle = unescape(f[13]);
                String nb = unescape(f[14]);
                r.newBundleId = nb == null ? -1 : Long.parseLong(nb);
                r.location = unescape(f[15]);
            }
            return r;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static void escape(String s, StringBuilder b) {
        if (s.equals("-")) {
            b.append("\\-"); // a real "-" is not the null marker
            return;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> b.append("\\\\");
                case '\t' -> b.append("\\t");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                default -> b.append(c);
            }
        }
    }

    private static String unescape(String s) {
        if (s.equals("-")) {
            return null;
        }
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char n = s.charAt(++i);
                b.append(n == 't' ? '\t' : n == 'n' ? '\n' : n == 'r' ? '\r' : n);
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
