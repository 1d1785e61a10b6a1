package swap.api;

import java.util.List;

/**
 * One call a canary disagreed on ({@link SwapResult#mismatches}): a data transfer object. Values are
 * rendered with {@code String.valueOf} (arrays by content) when the call was compared.
 *
 * @since 1.2
 */
public final class MismatchDTO {
    /** The interface method, as {@code name(ParameterType, ...)}. */
    public String method;
    /** The arguments. */
    public List<String> arguments;
    /** What the running instance returned (or {@code threw ExceptionClass: message}). */
    public String expected;
    /** What the canary returned (or threw). */
    public String actual;

    @Override
    public String toString() {
        return method + " with " + arguments + ": running instance " + expected + ", canary " + actual;
    }
}
