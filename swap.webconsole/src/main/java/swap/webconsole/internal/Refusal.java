package swap.webconsole.internal;

/**
 * A request the console refuses; nothing was changed. The message is one line saying what is wrong and
 * what to do, worded as the shell's ({@code swap:*}) for the same case.
 */
final class Refusal extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Refusal(String message) {
        super(message, null, false, false);
    }
}
