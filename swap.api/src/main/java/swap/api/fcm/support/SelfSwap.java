package swap.api.fcm.support;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import swap.api.Entry;
import swap.api.ImplementationDTO;
import swap.api.SwapManager;
import swap.api.SwapOutcome;
import swap.api.fcm.FileCacheManager;

/**
 * An FCM asking for its own replacement (K42's object trigger), without ever storming: the
 * request discipline both FCMs share, in either direction.
 *
 * <ul>
 * <li>At most one request in flight, and none within the first {@code dwellNanos} of the FCM's
 * life (an FCM that a swap has just put in place does not ask to leave at once: no flapping).</li>
 * <li>Before asking, it looks for a registered implementation with the wanted characteristic
 * ({@link SwapManager#implementations}); with none it sends no request (no failed swap, no
 * warning) and backs off.</li>
 * <li>Back-off after a look-up that found no target or a request that did not complete: 1 s, then
 * doubling, capped at {@link #MAX_BACKOFF_NANOS} (1 min); while it runs, {@link #ask} does
 * nothing. So with no target over 10 s, it looks 4 times (at 0, 1, 3 and 7 s).</li>
 * <li>{@link #targetRegistered()} (a matching implementation appeared: DS binds it) ends the
 * back-off, so the next trigger condition asks again at once.</li>
 * <li>A completed request leaves this instance swapped out: it never asks again.</li>
 * </ul>
 *
 * <p>Thread-safety: every method may be called from any thread; {@link #ask} never blocks and
 * must be called without holding the FCM's page locks (it reads the implementation registry).
 */
public final class SelfSwap {

    /** The first back-off. */
    public static final long FIRST_BACKOFF_NANOS = 1_000_000_000L;
    /** The longest back-off. */
    public static final long MAX_BACKOFF_NANOS = 60_000_000_000L;

    private final String concurrency;
    private final AtomicBoolean busy = new AtomicBoolean();
    private final AtomicInteger lookups = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();
    private volatile long notBefore;
    private volatile boolean done;
    private long backoff = FIRST_BACKOFF_NANOS; // guarded by busy

    /**
     * @param concurrency the {@link FileCacheManager#CONCURRENCY} the replacement must have
     * @param dwellNanos  how long after this call the FCM may not ask at all
     */
    public SelfSwap(String concurrency, long dwellNanos) {
        this.concurrency = concurrency;
        this.notBefore = System.nanoTime() + dwellNanos;
    }

    /** @return whether {@link #ask} would look now (cheap: call it before building a reason) */
    public boolean mayAsk() {
        return !done && System.nanoTime() - notBefore >= 0 && !busy.get();
    }

    /**
     * Asks {@code manager} to replace {@code self} by a {@code (concurrency=...)} implementation,
     * if the discipline above allows it now.
     *
     * @return whether a request was sent
     */
    public boolean ask(SwapManager manager, Object self, String reason) {
        if (manager == null || !mayAsk() || !busy.compareAndSet(false, true)) {
            return false;
        }
        boolean sent = false;
        try {
            lookups.incrementAndGet();
            Optional<Entry<?>> e = targetExists(manager) ? manager.entryOf(self) : Optional.empty();
            if (e.isPresent()) {
                requests.incrementAndGet();
                sent = true;
                e.get().swap("(" + FileCacheManager.CONCURRENCY + "=" + concurrency + ")", reason).whenComplete((r, t) -> {
                    if (r != null && r.outcome == SwapOutcome.COMPLETED) {
                        done = true;
                    } else {
                        backOff();
                    }
                    busy.set(false);
                });
            } else {
                backOff();
            }
            return sent;
        } catch (RuntimeException ex) {
            backOff();
            return sent;
        } finally {
            if (!sent) {
                busy.set(false);
            }
        }
    }

    private boolean targetExists(SwapManager manager) {
        for (ImplementationDTO d : manager.implementations(FileCacheManager.class.getName())) {
            if (d.properties != null && concurrency.equals(String.valueOf(d.properties.get(FileCacheManager.CONCURRENCY)))) {
                return true;
            }
        }
        return false;
    }

    /** Caller holds {@code busy}. */
    private void backOff() {
        notBefore = System.nanoTime() + backoff;
        backoff = Math.min(MAX_BACKOFF_NANOS, backoff * 2);
    }

    /** A matching implementation was registered: the back-off ends and the next trigger asks again. */
    public void targetRegistered() {
        // Racing a running ask: at worst this reset is overwritten by its back-off, and the next registration resets again.
        notBefore = System.nanoTime();
        if (busy.compareAndSet(false, true)) {
            backoff = FIRST_BACKOFF_NANOS;
            busy.set(false);
        }
    }

    /** @return how often {@link #ask} looked for a target (each look is an attempt) */
    public int attempts() {
        return lookups.get();
    }

    /** @return how many swap requests were sent */
    public int requests() {
        return requests.get();
    }
}
