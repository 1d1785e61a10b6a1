package swap.kernel;

/** A test component whose methods cover what a generated interposer chain must pass through. */
public interface Probe {

    /** A checked exception the interface declares. */
    class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        public Refused(String message) {
            super(message);
        }
    }

    /** Every primitive parameter type; returns them combined. */
    double mix(boolean z, byte b, char c, short s, int i, long j, float f, double d);

    int twice(int x);

    long widen(long x);

    String concat(String a, Object b);

    int[] array(int n);

    void record(String s);

    boolean flag();

    char letter();

    /** Throws {@code kind}: "checked" ({@link Refused}), "unchecked", "error", "undeclared" (a checked exception it does not declare). */
    void fail(String kind) throws Refused;

    /** Blocks until {@code release} is counted down (for stack checks). */
    void park(java.util.concurrent.CountDownLatch entered, java.util.concurrent.CountDownLatch release) throws InterruptedException;

    /** Counts calls (the implementation's count is the truth the stress tests compare with). */
    long hit();

    default String greet(String name) {
        return "hello " + name;
    }

    default String shout(String name) {
        return greet(name).toUpperCase();
    }
}
