package swap.shell.internal;

import java.util.List;

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
 */
@Component(service = SwapCommands.class, property = {
        "osgi.command.scope=swap",
        "osgi.command.function=list", "osgi.command.function=info", "osgi.command.function=impls",
        "osgi.command.function=create", "osgi.command.function=swap", "osgi.command.function=release",
        "osgi.command.function=interpose", "osgi.command.function=remove", "osgi.command.function=monitors",
        "osgi.command.function=stats", "osgi.command.function=history", "osgi.command.function=policy",
        "osgi.command.function=candidates"})
public final class SwapCommands {

    @Reference
    Shell shell;

    @Descriptor("list the entries of the object translation table: id, interface, implementation (name, version, bundle), state, swaps, rollbacks, last swap")
    public Dtos.EntryTable list() {
        return shell.list();
    }

    @Descriptor("show one entry: implementation, state, counts, interposers, the formats it exports and imports, last swap")
    public EntryDTO info(@Descriptor("entry id (swap:list)") String id) {
        return shell.info(Shell.id(id));
    }

    @Descriptor("list every registered implementation: interface, name, version, bundle, service, characteristics, formats, entries running it")
    public Dtos.ImplementationTable impls() {
        return shell.implementations(null);
    }

    @Descriptor("list the registered implementations of one interface")
    public Dtos.ImplementationTable impls(@Descriptor("interface name, e.g. swap.api.fcm.FileCacheManager") String iface) {
        return shell.implementations(iface);
    }

    @Descriptor("create a component instance behind a new entry (for components that need no initial state, e.g. swap.example.counter.Counter)")
    public EntryDTO create(
            @Descriptor("interface name (swap:impls lists them)") String iface,
            @Descriptor("implementation name, or an LDAP filter in parentheses, quoted: '(concurrency=distributed)'") String target) {
        return shell.create(iface, target);
    }

    @Descriptor("swap an entry to another implementation, carrying its state; prints the outcome, the format used and the time of each phase")
    public SwapResult swap(
            @Descriptor("quiescence timeout in milliseconds (default: the swap manager's)")
            @Parameter(names = {"-t", "--timeout"}, absentValue = "0") long timeout,
            @Descriptor("entry id (swap:list)") String id,
            @Descriptor("implementation name (swap:impls), or an LDAP filter in parentheses, quoted: '(concurrency=distributed)'") String target) {
        return shell.swap(Shell.id(id), target, timeout);
    }

    @Descriptor("release an entry: its instance is deactivated, later calls through its handle fail (files: use fcm:close)")
    public Dtos.Done release(@Descriptor("entry id (swap:list)") String id) {
        return shell.release(Shell.id(id));
    }

    @Descriptor("put a monitor (an interposer service, swap:monitors lists them) around an entry, without quiescence")
    public EntryDTO interpose(
            @Descriptor("entry id (swap:list)") String id,
            @Descriptor("monitor name (swap:monitors)") String monitor) {
        return shell.interpose(Shell.id(id), monitor);
    }

    @Descriptor("remove a monitor from an entry; calls already inside it finish normally")
    public EntryDTO remove(
            @Descriptor("entry id (swap:list)") String id,
            @Descriptor("monitor name (swap:info ID lists the entry's interposers)") String monitor) {
        return shell.remove(Shell.id(id), monitor);
    }

    @Descriptor("list the monitors (interposer services with the property " + SwapConstants.INTERPOSER_NAME + ") and the entries they are on")
    public Dtos.MonitorTable monitors() {
        return shell.monitors();
    }

    @Descriptor("show what an entry's monitors measured, its swap counts, and for a file its cache statistics and background load")
    public Dtos.Stats stats(@Descriptor("entry id (swap:list)") String id) {
        return shell.stats(Shell.id(id));
    }

    @Descriptor("show the last 20 swaps of every entry, newest first, with outcome and reason")
    public Dtos.HistoryTable history() {
        return shell.history(20);
    }

    @Descriptor("show the last N swaps of every entry, newest first, with outcome and reason")
    public Dtos.HistoryTable history(@Descriptor("how many swaps") int n) {
        return shell.history(n);
    }

    @Descriptor("list the policies the policy runner evaluates: name, on/off, entry, evaluations, last decision")
    public Dtos.PolicyTable policy() {
        return shell.policies();
    }

    @Descriptor("turn a policy on or off (its entry stays; a policy turned off decides nothing)")
    public Dtos.PolicyTable policy(@Descriptor("policy name (swap:policy)") String name, @Descriptor("on or off") String onOff) {
        return shell.policy(name, onOff);
    }

    @Descriptor("argument completion: the candidates for word INDEX of a command line (used by the shell's completion script)")
    public List<String> candidates(@Descriptor("the words of the command line") List<Object> words, @Descriptor("index of the word to complete") int index) {
        return shell.candidates(words, index);
    }
}
