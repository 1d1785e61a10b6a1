package swap.api;

/**
 * The interposer SPI: code that wraps every call of one entry, for example a call counter, a
 * latency histogram, a tracer or a fault injector.
 *
 * <p>An interposer is added to and removed from a live entry without quiescence and without losing
 * a call: a call that already passed the interposer finishes normally, a call that starts after
 * the change sees the new chain. Interposers stay in place across swaps (they wrap the entry, not
 * an instance). While no interposer is on an entry its calls pay nothing for the mechanism.
 *
 * <p>Threading: {@link #invoke} is called concurrently by every thread that calls the entry; an
 * interposer must be thread-safe. It must call {@link Invocation#proceed()} at most once.
 *
 * <p>This is a consumer type: monitors implement it.
 */
@org.osgi.annotation.versioning.ConsumerType
@FunctionalInterface
public interface Interposer {

    /**
     * Handles one call.
     *
     * @return the result to give the caller, normally what {@code call.proceed()} returned
     * @throws Throwable what the caller should see, normally what {@code call.proceed()} threw
     */
    Object invoke(Invocation call) throws Throwable;
}
