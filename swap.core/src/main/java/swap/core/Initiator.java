package swap.core;

import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.osgi.framework.Bundle;
import org.osgi.framework.FrameworkUtil;

import swap.api.Policy;

/**
 * Who asked for a change, for the journal: found from the calling thread's stack, so no caller
 * has to say it and none can pretend to be another. From the innermost frame outwards, frames of
 * swap.core and of classes outside any bundle (the JDK, Gogo's generated code) are skipped; the first
 * frame of another bundle names the caller:
 * <ul>
 * <li>a class implementing {@link Policy} anywhere on the stack: {@code policy NAME} (NAME is the
 * prefix of the reason up to its colon, as the platform's policies write it);</li>
 * <li>a handle frame (the caller is inside a call of an entry): {@code object trigger (BSN [ID])};</li>
 * <li>bundle {@code swap.shell}: {@code shell};</li>
 * <li>any other bundle: {@code bundle BSN [ID]};</li>
 * <li>an implementation going away (its service unregistering): {@code platform (bundle life cycle)};</li>
 * <li>none (a service event of the framework, a worker of the platform): {@code platform}.</li>
 * </ul>
 * A swap that the engine runs on a worker thread (the caller was inside the entry) carries the
 * initiator found on the requesting thread ({@link #carry}).
 *
 * <p>Cost: one stack walk per journal record (microseconds), never on the call path. Thread-safe.
 */
final class Initiator {
    static final String PLATFORM = "platform";
    private static final ThreadLocal<String> CARRIED = new ThreadLocal<>();
    private static final Pattern POLICY_NAME = Pattern.compile("^([\\w.\\-]+):");

    private Initiator() {
    }

    /** Whether the OSGi framework API is on the class path (not in plain tests and benchmarks, where every caller is {@code platform}). */
    private static final boolean OSGI = present("org.osgi.framework.FrameworkUtil");

    private static boolean present(String name) {
        try {
            Class.forName(name, false, Initiator.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** @return the initiator of the current thread's request; {@code reason} may name a policy */
    static String current(String reason) {
        String carried = CARRIED.get();
        if (carried != null) {
            return carried;
        }
        return OSGI ? Walk.walk(reason) : PLATFORM;
    }

    /** The stack walk; a class of its own so that the OSGi API is loaded only where it exists. */
    private static final class Walk {
        static String walk(String reason) {
            Bundle core = FrameworkUtil.getBundle(Initiator.class);
            return StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE).walk(frames -> {
                Bundle caller = null;
                boolean handle = false;
                boolean policy = false;
                for (StackWalker.StackFrame f : (Iterable<StackWalker.StackFrame>) frames::iterator) {
                    Class<?> c = f.getDeclaringClass();
                    if (c == Engine.class && f.getMethodName().equals("evacuate")) {
                        return PLATFORM + " (bundle life cycle)"; // an implementation's service is going away
                    }
                    if (AbstractHandle.class.isAssignableFrom(c)) {
                        handle = true;
                        continue;
                    }
                    if (Policy.class.isAssignableFrom(c)) {
                        policy = true;
                    }
                    if (caller == null) {
                        Bundle b = FrameworkUtil.getBundle(c);
                        if (b != null && b != core && b.getBundleId() != 0) {
                            caller = b;
                        }
                    }
                }
                if (policy) {
                    Matcher m = reason == null ? null : POLICY_NAME.matcher(reason);
                    return m != null && m.find() ? "policy " + m.group(1) : "policy";
                }
                if (caller == null) {
                    return PLATFORM;
                }
                String who = caller.getSymbolicName() + " [" + caller.getBundleId() + "]";
                if (handle) {
                    return "object trigger (" + who + ")";
                }
                return "swap.shell".equals(caller.getSymbolicName()) ? "shell" : "bundle " + who;
            });
        }
    }

    /** @return {@code work} that runs with the initiator of the thread calling this method */
    static Runnable carry(Runnable work) {
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
