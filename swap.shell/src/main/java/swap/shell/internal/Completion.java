package swap.shell.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.CommandSessionListener;
import org.osgi.service.component.annotations.Component;

/**
 * Argument completion for the {@code swap:*} and {@code fcm:*} commands in the Gogo jline console.
 *
 * <p>The completions are a script of {@code complete} commands shipped in this bundle
 * ({@code swap/shell/internal/completion.gosh}); its argument completers call
 * {@code swap:candidates}, which offers entry ids, implementation names of the entry's interface,
 * monitor names and interface names. gogo.jline keeps completions per session (the session variable
 * {@code .completions}, present only in an interactive console), so this listener runs the script in
 * each interactive session before that session's first command (its profile), once.
 *
 * <p>On a dumb terminal (stdin piped) it also turns off JLine's blinking of matching parentheses,
 * which would print the line again into the output of commands with an LDAP filter.
 *
 * <p>Called by every session's thread; keeps no state besides session variables.
 */
@Component(service = CommandSessionListener.class)
public final class Completion implements CommandSessionListener {
    static final String SCRIPT = "completion.gosh";
    private static final String DONE = ".swap.completion";
    private static final String BLINK = "blink-matching-paren";

    private final String script;

    public Completion() {
        try (InputStream in = Completion.class.getResourceAsStream(SCRIPT)) {
            script = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String script() {
        return new Completion().script;
    }

    @Override
    public void beforeExecute(CommandSession session, CharSequence command) {
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
        try {
            session.execute(script);
        } catch (Exception e) {
            // completion is a convenience: a console without it still works
        }
    }

    @Override
    public void afterExecute(CommandSession session, CharSequence command, Exception exception) {
    }

    @Override
    public void afterExecute(CommandSession session, CharSequence command, Object result) {
    }
}
