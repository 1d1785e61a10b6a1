package swap.api;

import java.util.Map;

/**
 * A pin: something that owns where some entries run (a fleet's desired state, an operator's hold)
 * and holds them there against other requesters. Registered as a service (whiteboard); the swap
 * manager asks every pin before a swap of an entry moves it (after the trust policy, before the
 * replacement is instantiated), whoever asked: a shell command, a policy, an object trigger, an
 * auto-upgrade. A pin that answers with a reason refuses the swap: its outcome is
 * {@link SwapOutcome#REFUSED}, nothing changes, and the reason, which names the pin's
 * {@link #owner()}, is in the result, the journal and the events.
 *
 * <p>The pin decides which moves it allows: typically a move onto the implementation it wants, and
 * every move its owner makes itself.
 *
 * <p>Implemented by features (e.g. swap.fleet), hence a consumer type. Called on the thread that
 * runs the swap (any thread, concurrently): must be thread-safe, fast (no blocking I/O) and must not
 * call the swap manager.
 *
 * @since 1.6
 */
@org.osgi.annotation.versioning.ConsumerType
public interface EntryPin {

    /** @return who holds the pin, for the refusal ("fleet node1") */
    String owner();

    /**
     * Whether a requested move of an entry is held back.
     *
     * @param entryId   the entry
     * @param iface     its component interface's name
     * @param from      the properties of the implementation it runs ({@link SwapConstants#IMPL_NAME}, version, characteristics)
     * @param to        the properties of the implementation the swap would move it to
     * @param initiator who asks, as the journal records it ({@code shell}, {@code policy NAME},
     *                  {@code object trigger (BSN [ID])}, {@code bundle BSN [ID]}, {@code platform}...)
     * @param reason    the request's reason, or {@code null}
     * @return {@code null} to allow it; else why the entry stays (one line, saying what to do instead)
     */
    String pinned(long entryId, String iface, Map<String, Object> from, Map<String, Object> to, String initiator, String reason);
}
