package swap.kernel;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import swap.api.EntryPin;

/**
 * The pins ({@link EntryPin}) the protocol asks before an entry moves: one place, in
 * {@link SwapJob#prepare}, after the trust gate and before the replacement is instantiated, for
 * every way an entry changes implementation. The first pin that answers refuses the swap; its
 * owner and reason become the refusal's reason (so the journal and the events show them).
 *
 * <p>Thread-safe (copy-on-write list: pins come and go rarely, swaps read it).
 */
public final class Pins {
    private final List<EntryPin> pins = new CopyOnWriteArrayList<>();

    public void add(EntryPin p) {
        pins.add(p);
    }

    public void remove(EntryPin p) {
        pins.remove(p);
    }

    /** @return {@code null}: no pin holds the entry; else "pinned by OWNER: why" */
    String check(EntryImpl<?> e, Implementation from, Implementation to, String reason) {
        if (pins.isEmpty()) {
            return null;
        }
        java.util.Map<String, Object> f = java.util.Collections.unmodifiableMap(from.properties());
        java.util.Map<String, Object> t = java.util.Collections.unmodifiableMap(to.properties());
        String who = Initiator.current(reason);
        for (EntryPin p : pins) {
            String why;
            try {
                why = p.pinned(e.id(), e.type().getName(), f, t, who, reason);
            } catch (RuntimeException ex) {
                why = "the pin failed: " + ex; // a broken pin holds rather than lets go
            }
            if (why != null) {
                return "pinned by " + p.owner() + ": " + why;
            }
        }
        return null;
    }
}
