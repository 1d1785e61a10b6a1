package swap.shell.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.CommandSessionListener;
import org.apache.felix.service.command.Function;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

import swap.api.SwapManager;

/**
 * What the {@code swap:*} and {@code fcm:*} commands add to each Gogo console session: argument
 * completion, a banner line, {@code help swap} / {@code help fcm}, and the command line as typed
 * (for the unquoted-filter hint).
 *
 * <p>The completions are a script of {@code complete} commands shipped in this bundle
 * ({@code swap/shell/internal/completion.gosh}); its argument completers call the session function
 * {@value #CANDIDATES} (not a command: it stays out of {@code help}), which offers entry ids,
 * implementation names of the entry's interface, monitor names and interface names. gogo.jline keeps completions per session (the session variable
 * {@code .completions}, present only in an interactive console), so this listener runs the script in
 * each interactive session before that session's first command (its profile), once. There it also
 * sets the session variable {@code help} to a function that answers {@code help swap} and
 * {@code help fcm} with the scope's commands and one-line descriptions and passes anything else to
 * Gogo's own {@code felix:help} (a variable holding a function is called like a command, as the
 * profile's {@code e} is). When that first command (the profile, which ends by printing Gogo's
 * welcome banner) has run, it prints {@link #BANNER}.
 *
 * <p>In every session (interactive or not), before its first command, it also puts {@link Builtins}:
 * {@code update}, {@code refresh}, {@code stop}, {@code uninstall} and {@code exit} that answer wrong
 * input with one line and say what happens to the entries of a bundle stopped or uninstalled.
 *
 * <p>On a dumb terminal (stdin piped) it also turns off JLine's blinking of matching parentheses,
 * which would print the line again into the output of commands with an LDAP filter.
 *
 * <p>Called by every session's thread; keeps no state besides session variables.
 */
@Component(service = CommandSessionListener.class)
public final class Completion implements CommandSessionListener {
    static final String SCRIPT = "completion.gosh";
    /** Printed once per interactive session, after Gogo's welcome banner. */
    static final String BANNER = "Hot-swap platform: swap:list shows the live components, help swap and help fcm list the commands, Ctrl-D exits.";
    private static final String DONE = ".swap.completion";
    private static final String BANNER_DONE = ".swap.banner";
    private static final String DEPTH = ".swap.depth";
    private static final String LINE = ".swap.line";
    private static final String BLINK = "blink-matching-paren";
    private static final String BUILTINS_DONE = ".swap.builtins";
    /** The session function the completion script calls: {@code __swap_complete WORDS INDEX}. */
    static final String CANDIDATES = "__swap_complete";

    private final String script;
    private volatile BundleContext context;
    private volatile Builtins builtins;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile Shell shell;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile SwapManager manager;

    public Completion() {
        try (InputStream in = Completion.class.getResourceAsStream(SCRIPT)) {
            script = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Activate
    void activate(BundleContext bundleContext) {
        this.context = bundleContext;
        this.builtins = new Builtins(bundleContext, () -> manager);
    }

    static String script() {
        return new Completion().script;
    }

    /** The outermost command line being executed in {@code session}, as typed; {@code null} if not known. */
    static String line(CommandSession session) {
        Object l = session == null ? null : session.get(LINE);
        return l == null ? null : l.toString();
    }

    @Override
    public void beforeExecute(CommandSession session, CharSequence command) {
        int depth = depth(session);
        session.put(DEPTH, depth + 1);
        if (depth == 0) {
            session.put(LINE, String.valueOf(command));
        }
        Builtins b = builtins;
        if (b != null && session.get(BUILTINS_DONE) == null) {
            session.put(BUILTINS_DONE, Boolean.TRUE);
            b.install(session);
        }
        if (script.isEmpty() || !(session.get(".completions") instanceof Map) || session.get(DONE) != null) {
            return;
        }
        session.put(DONE, Boolean.TRUE); // first: the script's own commands come through here too
        Object term = session.get("TERM");
        if (term != null && term.toString().startsWith("dumb") && session.get(BLINK) == null) {
            // Piped input: JLine "blinks" the matching parenthesis of every ')' typed (an LDAP filter) by
            // printing the line again, which runs into the command's output. No terminal, no blinking.
            session.put(BLINK, 0);
        }
        session.put("help", new Help(context));
        session.put(CANDIDATES, (Function) (s, args) -> candidates(args));
        try {
            session.execute(script);
        } catch (Exception e) {
            // completion is a convenience: a console without it still works
        }
    }

    /** {@value #CANDIDATES} WORDS INDEX: the completion candidates for word INDEX of the command line WORDS. */
    private List<String> candidates(List<Object> args) {
        Shell s = shell;
        if (s == null || args == null || args.size() != 2 || !(args.get(0) instanceof List)) {
            return List.of();
        }
        int index;
        try {
            index = Integer.parseInt(String.valueOf(args.get(1)).trim());
        } catch (NumberFormatException e) {
            return List.of();
        }
        return s.candidates((List<?>) args.get(0), index);
    }

    private static int depth(CommandSession session) {
        Object d = session.get(DEPTH);
        return d instanceof Integer ? (Integer) d : 0;
    }

    private static void after(CommandSession session) {
        int depth = Math.max(0, depth(session) - 1);
        session.put(DEPTH, depth);
        if (depth == 0 && session.get(DONE) != null && session.get(BANNER_DONE) == null) {
            session.put(BANNER_DONE, Boolean.TRUE);
            PrintStream out = session.getConsole();
            if (out != null) {
                out.println(BANNER);
                out.flush();
            }
        }
    }

    @Override
    public void afterExecute(CommandSession session, CharSequence command, Exception exception) {
        after(session);
    }

    @Override
    public void afterExecute(CommandSession session, CharSequence command, Object result) {
        after(session);
    }

    /**
     * The session's {@code help}: {@code help swap} and {@code help fcm} list the scope's commands;
     * anything else goes to Gogo's {@code felix:help}, and plain {@code help} ends with a pointer to
     * the two.
     */
    static final class Help implements Function {
        private final BundleContext context;

        Help(BundleContext context) {
            this.context = context;
        }

        @Override
        public Object execute(CommandSession session, List<Object> arguments) throws Exception {
            List<Object> args = arguments == null ? List.of() : arguments;
            if (args.size() == 1 && ("swap".equals(String.valueOf(args.get(0))) || "fcm".equals(String.valueOf(args.get(0))))) {
                String scope = String.valueOf(args.get(0));
                return Usage.list(scope, others(scope));
            }
            Object help = session.get("felix:help");
            Object r;
            if (help instanceof Function) {
                r = ((Function) help).execute(session, new ArrayList<>(args));
            } else {
                StringBuilder line = new StringBuilder("felix:help");
                for (Object a : args) {
                    line.append(' ').append(a);
                }
                r = session.execute(line);
            }
            if (args.isEmpty()) {
                PrintStream out = session.getConsole();
                if (out != null) {
                    out.println("swap platform: help swap and help fcm list the swap:* and fcm:* commands with what they do");
                }
            }
            return r;
        }

        /** Commands of {@code scope} that other bundles register ({@code scope:name}, sorted), which {@link Usage} does not describe. */
        private List<String> others(String scope) {
            java.util.Set<String> names = new java.util.TreeSet<>();
            if (context != null) {
                try {
                    ServiceReference<?>[] refs = context.getAllServiceReferences(null, "(osgi.command.scope=" + scope + ")");
                    for (ServiceReference<?> r : refs == null ? new ServiceReference<?>[0] : refs) {
                        Object f = r.getProperty("osgi.command.function");
                        for (Object n : f instanceof Object[] ? (Object[]) f : new Object[] {f}) {
                            if (n != null && !Usage.known(scope, String.valueOf(n))) {
                                names.add(scope + ":" + n);
                            }
                        }
                    }
                } catch (InvalidSyntaxException | IllegalStateException e) {
                    // the bundle is stopping: the list of this bundle's commands is still right
                }
            }
            return new ArrayList<>(names);
        }
    }
}
