package swap.shell.internal;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import swap.api.EntryDTO;
import swap.api.SwapConstants;
import swap.api.SwapResult;

/**
 * The {@code swap:*} Gogo commands: see, swap, monitor and upgrade live components. Results are
 * DTOs ({@link Dtos}, {@link EntryDTO}, {@link SwapResult}) rendered by {@link ShellConverter};
 * a refused request throws a {@link ShellException} (one line: what is wrong, what to do).
 *
 * <p>Numbers are taken as text and parsed by {@link Shell} (Gogo would wrap an {@code int} silently).
 * Every command has a catch-all {@code getNAME(Object...)} ({@link Usage#wrong}): Gogo's method
 * lookup takes {@code getNAME} for command {@code NAME} too, and picks it only when no other method
 * takes the arguments given (its varargs match costs more than any exact one); it prints the
 * command's usage line instead of Gogo's "Cannot coerce ... Token". {@code help swap:NAME} lists only
 * the methods named {@code NAME}, so the catch-all stays out of the help.
 */
@Component(service = SwapCommands.class, property = {
        "osgi.command.scope=swap",
        "osgi.command.function=list", "osgi.command.function=info", "osgi.command.function=impls",
        "osgi.command.function=create", "osgi.command.function=swap", "osgi.command.function=release",
        "osgi.command.function=interpose", "osgi.command.function=remove", "osgi.command.function=monitors",
        "osgi.command.function=stats", "osgi.command.function=history", "osgi.command.function=policy",
        "osgi.command.function=call"})
public final class SwapCommands {

    @Reference
    Shell shell;

    @Descriptor("list the entries of the object translation table: id, interface, implementation (name, version, bundle), state, swaps, rollbacks, last swap")
    public Dtos.EntryTable list() {
        return shell.list();
    }

    @Descriptor("show one entry: implementation, state, counts, interposers, the formats it exports and imports, last swap")
    public EntryDTO info(@Descriptor("entry id (swap:list)") String id) {
        return shell.info(Shell.id("swap", id));
    }

    public Object getList(Object... wrong) {
        throw Usage.wrong("swap", "list");
    }

    public Object getInfo(Object... wrong) {
        throw Usage.wrong("swap", "info");
    }

    @Descriptor("list every registered implementation: interface, name, version, bundle, service, characteristics, formats, entries running it")
    public Dtos.ImplementationTable impls() {
        return shell.implementations(null);
    }

    @Descriptor("list the registered implementations of one interface")
    public Dtos.ImplementationTable impls(@Descriptor("interface name, e.g. swap.api.fcm.FileCacheManager") String iface) {
        return shell.implementations(iface);
    }

    public Object getImpls(Object... wrong) {
        throw Usage.wrong("swap", "impls");
    }

    @Descriptor("create a component instance behind a new entry (for components that need no initial state, e.g. swap.example.counter.Counter)")
    public EntryDTO create(CommandSession session,
            @Descriptor("interface name (swap:impls lists them)") String iface,
            @Descriptor("implementation name, or an LDAP filter in parentheses, quoted: '(concurrency=distributed)'") String target) {
        Shell.checkQuoted(Completion.line(session), "swap:create " + iface, target);
        return shell.create(iface, target);
    }

    public Object getCreate(Object... wrong) {
        throw Usage.wrong("swap", "create");
    }

    @Descriptor("swap an entry to another implementation, carrying its state; prints the outcome, the format used and the time of each phase")
    public SwapResult swap(CommandSession session,
            @Descriptor("quiescence timeout in milliseconds (default: the swap manager's)")
            @Parameter(names = {"-t", "--timeout"}, absentValue = "0") String timeout,
            @Descriptor("entry id (swap:list)") String id,
            @Descriptor("implementation name (swap:impls), or an LDAP filter in parentheses, quoted: '(concurrency=distributed)'") String target) {
        long ms = Shell.number("swap", "timeout", timeout, 0, Long.MAX_VALUE / 1_000_000, "give the quiescence timeout in milliseconds");
        long entry = Shell.id("swap", id);
        Shell.checkQuoted(Completion.line(session), "swap:swap " + id, target);
        return shell.swap(entry, target, ms);
    }

    public Object getSwap(Object... wrong) {
        throw Usage.wrong("swap", "swap");
    }

    @Descriptor("call a method of an entry's component through its handle (monitors on the entry see the call); prints the result."
            + " Arguments are converted as Gogo converts command arguments; swap:info ID shows the interface")
    public Object call(CommandSession session,
            @Descriptor("entry id (swap:list), method name, then the method's arguments") Object... args) {
        if (args.length < 2) {
            throw Usage.wrong("swap", "call");
        }
        return shell.call(session, Shell.id("swap", String.valueOf(args[0])), String.valueOf(args[1]),
                java.util.Arrays.asList(args).subList(2, args.length));
    }

    @Descriptor("release an entry: its instance is deactivated, later calls through its handle fail (files: use fcm:close)")
    public Dtos.Done release(@Descriptor("entry id (swap:list)") String id) {
        return shell.release(Shell.id("swap", id));
    }

    public Object getRelease(Object... wrong) {
        throw Usage.wrong("swap", "release");
    }

    @Descriptor("put a monitor (an interposer service, swap:monitors lists them) around an entry, without quiescence")
    public EntryDTO interpose(
            @Descriptor("entry id (swap:list)") String id,
            @Descriptor("monitor name (swap:monitors)") String monitor) {
        return shell.interpose(Shell.id("swap", id), monitor);
    }

    public Object getInterpose(Object... wrong) {
        throw Usage.wrong("swap", "interpose");
    }

    @Descriptor("remove a monitor from an entry; calls already inside it finish normally")
    public EntryDTO remove(
            @Descriptor("entry id (swap:list)") String id,
            @Descriptor("monitor name (swap:info ID lists the entry's interposers)") String monitor) {
        return shell.remove(Shell.id("swap", id), monitor);
    }

    public Object getRemove(Object... wrong) {
        throw Usage.wrong("swap", "remove");
    }

    @Descriptor("list the monitors (interposer services with the property " + SwapConstants.INTERPOSER_NAME + ") and the entries they are on")
    public Dtos.MonitorTable monitors() {
        return shell.monitors();
    }

    public Object getMonitors(Object... wrong) {
        throw Usage.wrong("swap", "monitors");
    }

    @Descriptor("show what an entry's monitors measured, its swap counts, and for a file its cache statistics and background load")
    public Dtos.Stats stats(@Descriptor("entry id (swap:list)") String id) {
        return shell.stats(Shell.id("swap", id));
    }

    public Object getStats(Object... wrong) {
        throw Usage.wrong("swap", "stats");
    }

    @Descriptor("show the last 20 swaps of every entry, newest first, with outcome and reason")
    public Dtos.HistoryTable history() {
        return shell.history(20);
    }

    @Descriptor("show the last N swaps of every entry, newest first, with outcome and reason")
    public Dtos.HistoryTable history(@Descriptor("how many swaps") String n) {
        return shell.history((int) Shell.number("swap", "history length", n, 0, Integer.MAX_VALUE, "give how many swaps to show"));
    }

    public Object getHistory(Object... wrong) {
        throw Usage.wrong("swap", "history");
    }

    @Descriptor("list the policies the policy runner evaluates: name, on/off, entry, evaluations, last decision")
    public Dtos.PolicyTable policy() {
        return shell.policies();
    }

    @Descriptor("turn a policy on or off (its entry stays; a policy turned off decides nothing)")
    public Dtos.PolicyTable policy(@Descriptor("policy name (swap:policy)") String name, @Descriptor("on or off") String onOff) {
        return shell.policy(name, onOff);
    }

    public Object getPolicy(Object... wrong) {
        throw Usage.wrong("swap", "policy");
    }
}
