package swap.api;

/**
 * A request the swap manager refused, with a message that says what is wrong and what to do.
 * Nothing already running was changed.
 */
public class SwapException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SwapException(String message) {
        super(message);
    }

    public SwapException(String message, Throwable cause) {
        super(message, cause);
    }
}
