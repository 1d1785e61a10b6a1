package swap.core.journal;

import swap.kernel.AbstractHandle;
import swap.kernel.Engine;
import swap.kernel.Initiator;

import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.osgi.framework.Bundle;
import org.osgi.framework.FrameworkUtil;

import swap.api.Policy;

/**
 * The initiator of a change on OSGi, found from the calling thread's stack (see {@link Initiator}
 * for the rules): plugged into the engine's {@link Initiator} by the journal. Cost: one stack walk
 * per journal record (microseconds), never on the call path. Thread-safe.
 */
final class OsgiInitiator {
    /**
     * Bundles that only deliver what another bundle caused (Felix SCR unregisters a component's
     * services while the bundle that called {@code update} or {@code stop} waits): never the initiator.
     */
    private static final Set<String> DELIVERS = Set.of("org.apache.felix.scr");
    /** The API bundle: its default methods only pass a request on (e.g. {@code UpgradeManager.upgrade} with fewer arguments), never the initiator. */
    private static final String API = "swap.api";
    /** A bundle's manifest header naming it as an initiator, e.g. {@code Swap-Initiator: feed}. */
    static final String INITIATOR_HEADER = "Swap-Initiator";
    private static final Pattern POLICY_NAME = Pattern.compile("^([\\w.\\-]+):");

    private OsgiInitiator() {
    }

    /** Plugs the stack walk into the engine. */
    static void install() {
        Initiator.finder(OsgiInitiator::walk);
    }

    static String walk(String reason) {
        Bundle core = FrameworkUtil.getBundle(OsgiInitiator.class);
        return StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE).walk(frames -> {
            Bundle caller = null;
            boolean handle = false;
            boolean policy = false;
            boolean lifecycle = false;
            for (StackWalker.StackFrame f : (Iterable<StackWalker.StackFrame>) frames::iterator) {
                Class<?> c = f.getDeclaringClass();
                if (c == Engine.class && f.getMethodName().equals("evacuate")) {
                    lifecycle = true; // an implementation's service is going away: who made it go is further out
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
                    if (b != null && b != core && b.getBundleId() != 0 && !DELIVERS.contains(b.getSymbolicName()) && !API.equals(b.getSymbolicName())) {
                        caller = b;
                    }
                }
            }
            if (policy) {
                Matcher m = reason == null ? null : POLICY_NAME.matcher(reason);
                return m != null && m.find() ? "policy " + m.group(1) : "policy";
            }
            if (caller == null) {
                return lifecycle ? Initiator.PLATFORM + " (bundle life cycle)" : Initiator.PLATFORM;
            }
            String who = caller.getSymbolicName() + " [" + caller.getBundleId() + "]";
            if (lifecycle) {
                String bsn = caller.getSymbolicName();
                return Initiator.PLATFORM + " (bundle life cycle, caused by " + (isShell(bsn) ? "shell" : "bundle " + who) + ")";
            }
            if (handle) {
                return "object trigger (" + who + ")";
            }
            if (isShell(caller.getSymbolicName())) {
                return "shell";
            }
            // a platform feature that acts on its own (the fix feed) names itself in its manifest
            String named = caller.getHeaders("").get(INITIATOR_HEADER);
            return named != null && !named.isBlank() ? named.trim() : "bundle " + who;
        });
    }

    /** The operator's shell: swap.shell's commands or Gogo's own ({@code update}, {@code stop}, {@code uninstall}, {@code refresh}). */
    private static boolean isShell(String bsn) {
        return "swap.shell".equals(bsn) || bsn != null && bsn.startsWith("org.apache.felix.gogo.");
    }
}
