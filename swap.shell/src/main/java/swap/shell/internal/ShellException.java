package swap.shell.internal;

/**
 * A command refused: the message says what is wrong and what to do, and nothing was changed.
 *
 * <p>The Gogo console prints {@code toString()} of an exception a command throws, as one line; this
 * class makes that line {@code swap: <message>} (or {@code fcm: ...}) instead of the class name
 * followed by the message. {@code $exception printStackTrace} (the profile's {@code e}) still shows
 * the cause, if any.
 */
public final class ShellException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String scope;

    ShellException(String scope, String message) {
        super(oneLine(message));
        this.scope = scope;
    }

    ShellException(String scope, String message, Throwable cause) {
        super(oneLine(message), cause);
        this.scope = scope;
    }

    static String oneLine(String message) {
        return message == null ? "failed (no message)" : message.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim();
    }

    @Override
    public String toString() {
        return scope + ": " + getMessage();
    }
}
