package swap.feed.internal;

/** A {@code feed:*} command refused: Gogo prints {@code toString()}, which is the one-line message (it starts with {@code feed:}). */
final class Refused extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Refused(String message) {
        super(message);
    }

    @Override
    public String toString() {
        return getMessage();
    }
}
