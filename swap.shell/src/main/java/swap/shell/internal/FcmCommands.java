package swap.shell.internal;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The {@code fcm:*} Gogo commands: open files through the file-cache service (each behind its own
 * swap-manager entry), read and write them, put a background load on them, and show their cache
 * counters ({@code fcm:stat}). Numbers are parsed by
 * {@link Shell} (range-checked, never wrapped); each command's catch-all overload prints its usage
 * (see {@link SwapCommands}).
 */
@Component(service = FcmCommands.class, property = {
        "osgi.command.scope=fcm",
        "osgi.command.function=open", "osgi.command.function=read", "osgi.command.function=write",
        "osgi.command.function=close", "osgi.command.function=load", "osgi.command.function=stat"})
public final class FcmCommands {

    @Reference
    Shell shell;

    @Descriptor("open a file through the file-cache service; prints the new entry's id")
    public Dtos.Opened open(CommandSession session,
            @Descriptor("create the file if it does not exist")
            @Parameter(names = {"-c", "--create"}, presentValue = "true", absentValue = "false") boolean create,
            @Descriptor("the file, relative to the shell's current directory") String path) {
        return shell.open(session.currentDir().resolve(path).normalize(), create);
    }

    public Object getOpen(Object... wrong) {
        throw Usage.wrong("fcm", "open");
    }

    @Descriptor("read LENGTH bytes at OFFSET of an open file, as text")
    public Dtos.Read read(
            @Descriptor("entry id (fcm:open, swap:list)") String id,
            @Descriptor("byte offset") String offset,
            @Descriptor("how many bytes (at most 1048576)") String length) {
        long entry = Shell.id("fcm", id);
        long off = Shell.number("fcm", "offset", offset, 0, Long.MAX_VALUE, "give a byte offset of 0 or more");
        long len = Shell.number("fcm", "length", length, 0, Long.MAX_VALUE, "give how many bytes to read");
        return shell.read(entry, off, len);
    }

    public Object getRead(Object... wrong) {
        throw Usage.wrong("fcm", "read");
    }

    @Descriptor("write TEXT (UTF-8) at OFFSET of an open file (cached; fcm:close flushes)")
    public Dtos.Done write(
            @Descriptor("entry id (fcm:open, swap:list)") String id,
            @Descriptor("byte offset") String offset,
            @Descriptor("the text; quote it if it has spaces") String text) {
        long entry = Shell.id("fcm", id);
        return shell.write(entry, Shell.number("fcm", "offset", offset, 0, Long.MAX_VALUE, "give a byte offset of 0 or more"), text);
    }

    public Object getWrite(Object... wrong) {
        throw Usage.wrong("fcm", "write");
    }

    @Descriptor("flush and close an open file and release its entry")
    public Dtos.Done close(@Descriptor("entry id (fcm:open, swap:list)") String id) {
        return shell.close(Shell.id("fcm", id));
    }

    public Object getClose(Object... wrong) {
        throw Usage.wrong("fcm", "close");
    }

    @Descriptor("run a background load on an open file: THREADS threads reading (80%) and writing (20%) 64-byte records for SECONDS; swap:stats ID shows it")
    public Dtos.Load load(
            @Descriptor("entry id (fcm:open, swap:list)") String id,
            @Descriptor("how many threads (1-256)") String threads,
            @Descriptor("for how many seconds (1-86400)") String seconds) {
        long entry = Shell.id("fcm", id);
        int t = (int) Shell.number("fcm", "threads", threads, 1, 256, "give 1 to 256 threads");
        int s = (int) Shell.number("fcm", "seconds", seconds, 1, 86_400, "give 1 to 86400 seconds");
        return shell.load(entry, t, s);
    }

    public Object getLoad(Object... wrong) {
        throw Usage.wrong("fcm", "load");
    }

    @Descriptor("show every open file: entry id, path, FCM implementation, cache hits, misses (pages read from the file), pages read ahead, "
            + "read-ahead wasted (evicted unread), and the access pattern when the access-pattern monitor is on it")
    public Dtos.FileStatTable stat() {
        return shell.fileStats();
    }

    @Descriptor("show one open file: entry id, path, FCM implementation, cache hits, misses, read-ahead, read-ahead wasted, access pattern")
    public Dtos.FileStatTable stat(CommandSession session,
            @Descriptor("entry id (fcm:open, fcm:stat) or the open file's path, relative to the shell's current directory") String file) {
        return shell.fileStats(file, session == null ? null : session.currentDir());
    }

    public Object getStat(Object... wrong) {
        throw Usage.wrong("fcm", "stat");
    }
}
