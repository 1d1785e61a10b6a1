package swap.kernel;


import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Who asked for a change, for the journal: found from the calling thread (on OSGi from its stack,
 * {@code OsgiInitiator}), so no caller has to say it and none can pretend to be another; carried to
 * the worker threads that run a request ({@link #carry}).
 * <p>On OSGi: From the innermost frame outwards, frames of
 * swap.core and of classes outside any bundle (the JDK, Gogo's generated code) are skipped; the first
 * frame of another bundle names the caller:
 * <ul>
 * <li>a class implementing {@code swap.api.Policy} anywhere on the stack: {@code policy NAME} (NAME is the
 * prefix of the reason up to its colon, as the platform's policies write it);</li>
 * <li>a handle frame (the caller is inside a call of an entry): {@code object trigger (BSN [ID])};</li>
 * <li>bundle {@code swap.shell} or a Gogo bundle (the shell's own {@code update}, {@code stop}, {@code refresh}): {@code shell};</li>
 * <li>Felix SCR, which only delivers a bundle's life cycle to its components, is passed over;</li>
 * <li>any other bundle: {@code bundle BSN [ID]};</li>
 * <li>an implementation going away (its service unregistering): {@code platform (bundle life cycle, caused by shell)}
 * or {@code ... caused by bundle BSN [ID]} (who stopped, uninstalled or updated its bundle), {@code platform (bundle life cycle)}
 * if nobody on the stack did;</li>
 * <li>none (a service event of the framework, a worker of the platform): {@code platform}.</li>
 * </ul>
 * A swap that the engine runs on a worker thread (the caller was inside the entry) carries the
 * initiator found on the requesting thread ({@link #carry}).
 *
 * <p>Cost: one stack walk per journal record (microseconds), never on the call path. Thread-safe.
 */
public final class Initiator {
    public static final String PLATFORM = "platform";
    private static final ThreadLocal<String> CARRIED = new ThreadLocal<>();
    /** Who asks, found from the calling thread (the OSGi glue plugs in a stack walk); {@code reason} may name a policy. */
    private static volatile Function<String, String> finder = reason -> PLATFORM;

    private Initiator() {
    }

    /** Plugs in how the initiator is found on the calling thread ({@code null}: everyone is {@code platform}). */
    public static void finder(Function<String, String> f) {
        finder = f == null ? reason -> PLATFORM : f;
    }

    /** @return the initiator of the current thread's request; {@code reason} may name a policy */
    public static String current(String reason) {
        String carried = CARRIED.get();
        if (carried != null) {
            return carried;
        }
        return finder.apply(reason);
    }

    /** @return {@code work} that runs with the initiator of the thread calling this method */
    public static Runnable carry(Runnable work) {
        String who = current(null);
        return () -> {
            CARRIED.set(who);
            try {
                work.run();
            } finally {
                CARRIED.remove();
            }
        };
    }

    /** @return {@code work} that runs with the initiator of the thread calling this method */
    static <T> Supplier<T> carrySupplier(Supplier<T> work) {
        String who = current(null);
        return () -> {
            CARRIED.set(who);
            try {
                return work.get();
            } finally {
                CARRIED.remove();
            }
        };
    }
}
