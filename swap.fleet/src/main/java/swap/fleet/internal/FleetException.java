package swap.fleet.internal;

/**
 * A {@code fleet:*} command refused or failed: the message says what is wrong and what to type.
 * The Gogo console prints an exception's {@code toString()}: this one reads {@code fleet: <message>},
 * one line, instead of {@code java.lang.IllegalStateException: ...}.
 */
final class FleetException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    FleetException(String message, Throwable cause) {
        super(message == null ? "failed (no message)" : message.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim(), cause);
    }

    @Override
    public String toString() {
        return "fleet: " + getMessage();
    }
}
