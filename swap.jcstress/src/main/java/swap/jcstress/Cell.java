package swap.jcstress;

/** The component raced in these tests. */
public interface Cell {
    /** Adds one; returns {@code generation * 1000 + value after the increment}. */
    long increment();

    long value();
}
