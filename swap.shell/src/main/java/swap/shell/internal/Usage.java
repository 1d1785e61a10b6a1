package swap.shell.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * The usage line and one-line description of every {@code swap:*} and {@code fcm:*} command: printed
 * when a command gets arguments none of its methods takes (each command has a catch-all
 * {@code getNAME(Object...)} that throws {@link #wrong}; see {@link SwapCommands}), and listed by
 * {@code help swap} / {@code help fcm}. Stateless.
 */
final class Usage {
    /** One command. */
    static final class Command {
        final String scope;
        final String name;
        final String usage;
        final String description;

        Command(String scope, String name, String usage, String description) {
            this.scope = scope;
            this.name = name;
            this.usage = usage;
            this.description = description;
        }
    }

    static final List<Command> COMMANDS = List.of(
            new Command("swap", "list", "swap:list", "list the entries: id, interface, implementation, state, swaps, last swap"),
            new Command("swap", "info", "swap:info ID", "show one entry: implementation, state, counts, monitors, formats"),
            new Command("swap", "impls", "swap:impls [INTERFACE]", "list the registered implementations (of one interface)"),
            new Command("swap", "create", "swap:create INTERFACE TARGET", "create a component behind a new entry (files: fcm:open)"),
            new Command("swap", "swap", "swap:swap [--timeout MS] ID TARGET", "swap an entry to another implementation, carrying its state"),
            new Command("swap", "call", "swap:call ID METHOD [ARGS...]", "call a method of an entry's component through its handle"),
            new Command("swap", "watch", "swap:watch [--window 10s] [--errors RATE] [--p99 FACTOR] [--background] ID TARGET",
                    "swap, then swap back by itself if errors or p99 latency get worse than before (REVERTED)"),
            new Command("swap", "canary", "swap:canary [--calls N] [--time 10s] [--inline] [--watch 10s] ID TARGET",
                    "try TARGET on a copy of the state with mirrored read-only calls; commit if it agrees"),
            new Command("swap", "release", "swap:release ID", "release an entry (files: fcm:close)"),
            new Command("swap", "interpose", "swap:interpose ID MONITOR", "put a monitor around an entry"),
            new Command("swap", "remove", "swap:remove ID MONITOR", "remove a monitor from an entry"),
            new Command("swap", "monitors", "swap:monitors", "list the monitors and the entries they are on"),
            new Command("swap", "stats", "swap:stats ID", "show what an entry's monitors measured, and a file's cache statistics"),
            new Command("swap", "history", "swap:history [N]", "show the last N (20) swaps, newest first"),
            new Command("swap", "policy", "swap:policy [NAME on|off]", "list the policies, or turn one on or off"),
            new Command("swap", "health", "swap:health", "run the swap health check: status and messages"),
            new Command("swap", "upgrade", "swap:upgrade [--dry-run] [--timeout MS] [--watch WINDOW] [--canary] BUNDLE-ID URL",
                    "install a new version of an implementation bundle beside the old one, move every entry to it as one group"),
            new Command("swap", "journal", "swap:journal [--entry ID] [N]", "show the newest N (20) records of the durable journal, newest first"),
            new Command("swap", "services", "swap:services", "list the swappable OSGi services (swap.swappable=true) and their fronts"),
            new Command("fcm", "open", "fcm:open [--create] PATH", "open a file through the file cache; prints the new entry's id"),
            new Command("fcm", "read", "fcm:read ID OFFSET LENGTH", "read LENGTH bytes at OFFSET of an open file, as text"),
            new Command("fcm", "write", "fcm:write ID OFFSET TEXT", "write TEXT (UTF-8) at OFFSET of an open file"),
            new Command("fcm", "close", "fcm:close ID", "flush and close an open file, release its entry"),
            new Command("fcm", "load", "fcm:load ID THREADS SECONDS", "run a background load of reads and writes on an open file"),
            new Command("fcm", "stat", "fcm:stat [ID|PATH]", "show each open file's (or one file's) FCM, cache hits, misses, read-ahead, waste and access pattern"));

    private Usage() {
    }

    /** Whether {@code scope:name} is one of this bundle's commands. */
    static boolean known(String scope, String name) {
        return COMMANDS.stream().anyMatch(c -> c.scope.equals(scope) && c.name.equals(name));
    }

    static Command of(String scope, String name) {
        for (Command c : COMMANDS) {
            if (c.scope.equals(scope) && c.name.equals(name)) {
                return c;
            }
        }
        throw new IllegalArgumentException(scope + ":" + name);
    }

    /** The refusal for wrong arguments: one line with the usage, and where the help is. */
    static ShellException wrong(String scope, String name) {
        return new ShellException(scope, "usage: " + of(scope, name).usage + " (help " + scope + ":" + name + " explains)");
    }

    /**
     * Commands of a scope (or of both, for {@code null}) with their usage lines and descriptions,
     * for {@code help swap} and {@code help fcm}.
     */
    static String list(String scope) {
        return list(scope, List.of());
    }

    /**
     * As {@link #list(String)}, plus {@code others}: commands of the scope registered by other bundles
     * ({@code scope:name}), listed with a pointer to their help.
     */
    static String list(String scope, List<String> others) {
        List<String[]> rows = new ArrayList<>();
        int w = 0;
        for (Command c : COMMANDS) {
            if (scope == null || c.scope.equals(scope)) {
                rows.add(new String[] {c.usage, c.description});
                w = Math.max(w, c.usage.length());
            }
        }
        for (String o : others) {
            rows.add(new String[] {o, "(help " + o + " describes it)"});
            w = Math.max(w, o.length());
        }
        StringBuilder b = new StringBuilder();
        for (String[] r : rows) {
            if (b.length() > 0) {
                b.append('\n');
            }
            b.append(r[0]).append(" ".repeat(w - r[0].length() + 2)).append(r[1]);
        }
        b.append("\n(help COMMAND shows a command's options and parameters, e.g. help ").append(scope == null ? "swap" : scope).append(':')
                .append(scope == null || scope.equals("swap") ? "swap" : "open").append(')');
        return b.toString();
    }
}
