package swap.api.fcm.support;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

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
 * back-off, so the next trigger condition asks again at once (but not within the dwell time: DS
 * also binds every existing match when it activates the FCM).</li>
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

    /** 1 while an {@link #ask} or its request runs (a field, not an AtomicBoolean: one per open file, so bytes count). */
    private static final AtomicIntegerFieldUpdater<SelfSwap> BUSY = AtomicIntegerFieldUpdater.newUpdater(SelfSwap.class, "busy");

    private final String concurrency;
    private volatile int busy;
    private volatile int lookups; // written only while busy
    private volatile int requests; // written only while busy
    /** No request before this (the FCM's creation plus the dwell time): a registration does not shorten it. */
    private final long dwellUntil;
    /** No look-up before this (the back-off). */
    private volatile long notBefore;
    private volatile boolean done;
    private long backoff = FIRST_BACKOFF_NANOS; // guarded by busy

    /**
     * @param concurrency the {@link FileCacheManager#CONCURRENCY} the replacement must have
     * @param dwellNanos  how long after this call the FCM may not ask at all
     */
    public SelfSwap(String concurrency, long dwellNanos) {
        this.concurrency = concurrency;
        this.dwellUntil = System.nanoTime() + dwellNanos;
        this.notBefore = dwellUntil;
    }

    /** @return whether {@link #ask} would look now (cheap: call it before building a reason) */
    public boolean mayAsk() {
        long now = System.nanoTime();
        return !done && now - notBefore >= 0 && now - dwellUntil >= 0 && busy == 0;
    }

    /**
     * Asks {@code manager} to replace {@code self} by a {@code (concurrency=...)} implementation,
     * if the discipline above allows it now.
     *
     * @return whether a request was sent
     */
    public boolean ask(SwapManager manager, Object self, String reason) {
        if (manager == null || !mayAsk() || !BUSY.compareAndSet(this, 0, 1)) {
            return false;
        }
        boolean sent = false;
        try {
            lookups++;
            Optional<Entry<?>> e = targetExists(manager) ? manager.entryOf(self) : Optional.empty();
            if (e.isPresent()) {
                requests++;
                sent = true;
                e.get().swap("(" + FileCacheManager.CONCURRENCY + "=" + concurrency + ")", reason).whenComplete((r, t) -> {
                    if (r != null && r.outcome == SwapOutcome.COMPLETED) {
                        done = true;
                    } else {
                        backOff();
                    }
                    busy = 0;
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
                busy = 0;
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
        if (BUSY.compareAndSet(this, 0, 1)) {
            backoff = FIRST_BACKOFF_NANOS;
            busy = 0;
        }
    }

    /** @return how often {@link #ask} looked for a target (each look is an attempt) */
    public int attempts() {
        return lookups;
    }

    /** @return how many swap requests were sent */
    public int requests() {
        return requests;
    }
}
