package swap.shell.internal;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The {@code fcm:*} Gogo commands: open files through the file-cache service (each behind its own
 * swap-manager entry), read and write them, and put a background load on them.
 */
@Component(service = FcmCommands.class, property = {
        "osgi.command.scope=fcm",
        "osgi.command.function=open", "osgi.command.function=read", "osgi.command.function=write",
        "osgi.command.function=close", "osgi.command.function=load"})
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

    @Descriptor("read LENGTH bytes at OFFSET of an open file, as text")
    public Dtos.Read read(
            @Descriptor("entry id (fcm:open, swap:list)") String id,
            @Descriptor("byte offset") long offset,
            @Descriptor("how many bytes") int length) {
        return shell.read(Shell.id(id), offset, length);
    }

    @Descriptor("write TEXT (UTF-8) at OFFSET of an open file (cached; fcm:close flushes)")
    public Dtos.Done write(
            @Descriptor("entry id (fcm:open, swap:list)") String id,
            @Descriptor("byte offset") long offset,
            @Descriptor("the text; quote it if it has spaces") String text) {
        return shell.write(Shell.id(id), offset, text);
    }

    @Descriptor("flush and close an open file and release its entry")
    public Dtos.Done close(@Descriptor("entry id (fcm:open, swap:list)") String id) {
        return shell.close(Shell.id(id));
    }

    @Descriptor("run a background load on an open file: THREADS threads reading (80%) and writing (20%) 64-byte records for SECONDS; swap:stats ID shows it")
    public Dtos.Load load(
            @Descriptor("entry id (fcm:open, swap:list)") String id,
            @Descriptor("how many threads (1-256)") int threads,
            @Descriptor("for how many seconds (1-86400)") int seconds) {
        return shell.load(Shell.id(id), threads, seconds);
    }
}
