package swap.kernel;

import java.util.List;
import java.util.function.Supplier;

import swap.api.StateFormat;
import swap.api.StatefulComponent;
import swap.api.SwapException;
import swap.api.SwapOutcome;
import swap.api.SwapResult;
import swap.api.TransferContext;

/**
 * One entry's swap, phase by phase (the steps of docs/design.md, "The protocol in short"). {@link SwapProtocol} drives
 * the jobs of a request through the phases together, so a single swap is a batch of one.
 *
 * <p>Used by the swapping thread only. The job holds the entry's {@link EntryImpl#swapping} claim
 * from a successful {@link #prepare} until {@link #unclaim}.
 */
public final class SwapJob {

    final EntryImpl<?> entry;
    public final SwapResult result = new SwapResult();
    final long start;
    private Implementation from;
    private Implementation to;
    private Object old;
    private Object fresh;
    private StateFormat<?> format;
    private Mediator mediator;
    private VirtualCalls.Drain virtualDrain;
    private boolean claimed;
    private boolean counting;
    private boolean ended;

    public SwapJob(EntryImpl<?> entry, String reason, long start) {
        this.entry = entry;
        this.start = start;
        result.entryId = entry.id();
        result.reason = reason;
    }

    /**
     * Step 1: claims the entry, instantiates the replacement and negotiates a format. Nothing
     * visible changes.
     *
     * @param forced a format both sides must list ({@link StateFormat#EMPTY} for an empty start), or {@code null}
     * @return {@code null} when the job is ready to swap, else its outcome ({@link SwapOutcome#REFUSED}
     *         or {@link SwapOutcome#FAILED}), with the reason in {@link #result}
     */
    public SwapOutcome prepare(Supplier<Implementation> target, StateFormat<?> forced, ImplementationSource gate) {
        if (!entry.swapping.compareAndSet(false, true)) {
            return end(SwapOutcome.REFUSED, "entry " + entry.id() + " is mid-swap; retry when the running swap has ended");
        }
        claimed = true;
        // From now until the job ends, calls through every handle of the entry's interface are counted
        // on their own entries, so the stack check only waits for calls that began before (Counting).
        Counting.on(entry.handleClass());
        counting = true;
        if (EntryImpl.RELEASED.equals(entry.state())) {
            return end(SwapOutcome.REFUSED, "entry " + entry.id() + " was released");
        }
        from = entry.implementation();
        old = entry.instance();
        result.from = from.label();
        try {
            to = target.get();
        } catch (SwapException ex) {
            return end(SwapOutcome.REFUSED, ex.getMessage());
        }
        result.to = to.label();
        String refused = gate.refusal(to, entry.type());
        if (refused != null) {
            return end(SwapOutcome.REFUSED, "implementation " + to.label() + " is refused by the trust policy: " + refused
                    + (parked() != null ? "; the entry stays parked with its state" : "; the entry stays on " + from.label()));
        }
        try {
            fresh = Engine.instantiate(entry.type(), to);
        } catch (SwapException ex) {
            return end(SwapOutcome.FAILED, ex.getMessage());
        }
        result.instantiateNanos = System.nanoTime() - start;
        List<StateFormat<?>> exports = Negotiation.exports(old);
        List<StateFormat<?>> imports = Negotiation.imports(fresh);
        format = forced != null
                ? (exports.contains(forced) && imports.contains(forced) ? forced : null)
                : Negotiation.negotiate(exports, imports);
        result.skippedFormats = forced != null ? List.of() : Negotiation.skipped(exports, imports, format);
        if (format == null) {
            to.release(fresh);
            fresh = null;
            if (Parked.of(old) != null && forced == null) {
                return end(SwapOutcome.REFUSED, to.label() + " imports " + Negotiation.names(imports) + ", none of the parked state's formats "
                        + Negotiation.names(exports) + "; the entry stays parked with its state");
            }
            return end(SwapOutcome.REFUSED, forced != null
                    ? "starting empty needs both sides to list the format 'empty': " + from.label() + " exports " + Negotiation.names(exports)
                            + ", " + to.label() + " imports " + Negotiation.names(imports)
                    : "no state format in common: " + from.label() + " exports " + Negotiation.names(exports) + ", " + to.label()
                            + " imports " + Negotiation.names(imports) + "; choose an implementation that imports one of the exported formats");
        }
        result.format = format.name();
        return null;
    }

    /** @return the park the entry runs on (its calls wait there, none runs on an instance), or {@code null} */
    Parked parked() {
        return Parked.of(old);
    }

    /** Step 2: interposes the mediator; from now on new calls reach it. Not for a parked entry, whose calls already wait. */
    void publish() {
        mediator = new Mediator(entry, old);
        entry.mediator = mediator;
        entry.publish(entry.proxy(mediator));
        entry.state(EntryImpl.SWAPPING);
        VirtualCalls v = entry.virtualCallsIfAny(); // read after the publication: see VirtualCalls
        virtualDrain = v == null ? null : v.drain();
    }

    /** Step 3, part: whether every virtual-thread call that may have read the old target has returned. */
    boolean virtualDrained() {
        return virtualDrain == null || virtualDrain.poll();
    }

    /** @return what still runs on virtual threads, for a timeout message ({@code ""} if nothing) */
    String virtualRunning() {
        long n = virtualDrain == null ? 0 : virtualDrain.running();
        return n == 0 ? "" : n + " counted call(s) (of virtual threads, or of any thread while a swap of the interface runs) that began before the swap still run";
    }

    /** @return the old instance, for the stack check */
    public Object oldInstance() {
        return old;
    }

    /** Step 4: holds new calls. */
    void block() {
        if (mediator != null) {
            mediator.block();
        }
    }

    /** Step 4: waits for the calls the mediator counted. @return {@code null} if drained, else why not */
    String drain(long deadlineNanos, long timeoutMillis) {
        if (mediator == null) {
            return null; // a parked entry: no call runs on its instance
        }
        long t = System.nanoTime();
        boolean drained = mediator.awaitDrained(deadlineNanos);
        result.blockedNanos = System.nanoTime() - t;
        if (drained) {
            return null;
        }
        String threads = mediator.insideThreads();
        return "timed out after " + timeoutMillis + " ms in the blocked phase: " + mediator.inFlight() + " call(s) still running"
                + (threads.isEmpty() ? "" : " on thread(s) " + threads);
    }

    /** Step 5: export from the old instance, import into the new one; the old one stays intact. @return {@code null} or why it failed */
    String transfer(TransferContext context) {
        long t = System.nanoTime();
        try {
            Parked park = Parked.of(fresh);
            if (park != null) {
                try {
                    List<StateFormat<?>> kept = park.keep(old);
                    result.format = String.join(", ", Negotiation.names(kept));
                    result.skippedFormats = park.notKept();
                    return kept.isEmpty() ? "the old instance exports none of the formats the park keeps" : null;
                } catch (Exception | LinkageError ex) {
                    return "export for the park failed, the old instance stays: " + ex;
                }
            }
            Object state = null;
            if (old instanceof StatefulComponent) {
                try {
                    state = ((StatefulComponent) old).exportState(format);
                    format.cast(state);
                } catch (Exception | LinkageError ex) {
                    return "export in format '" + format + "' failed, the old instance stays: " + ex;
                }
            }
            if (fresh instanceof StatefulComponent) {
                try {
                    ((StatefulComponent) fresh).importState(format, state, context);
                } catch (Exception | LinkageError ex) {
                    return "import in format '" + format + "' failed, the old instance stays: " + ex;
                }
            }
            return null;
        } finally {
            result.transferNanos += System.nanoTime() - t;
        }
    }

    /** Step 6: the entry points at the new instance; waiting calls resume on it; the old one is released. */
    SwapOutcome commit(Table table) {
        entry.install(to, fresh);
        if (mediator != null) {
            endMediator();
        }
        table.moved(old, fresh, entry);
        from.release(old);
        entry.swaps.incrementAndGet();
        return end(SwapOutcome.COMPLETED, result.reason);
    }

    /** Undo: the old instance is intact; waiting calls resume on it; the replacement is released. */
    SwapOutcome rollback(String problem) {
        if (mediator == null) {
            // never published (or a parked entry, whose calls keep waiting in the park): nothing to undo but the replacement
            return abandon(SwapOutcome.FAILED, parked() == null ? problem : problem + "; the entry stays parked with its state");
        }
        entry.publish(old);
        endMediator();
        to.release(fresh);
        entry.rollbacks.incrementAndGet();
        return end(SwapOutcome.ROLLED_BACK, problem);
    }

    /**
     * Ends a job that only copied the state: the old instance is published again and calls resume on
     * it, the replacement is kept (its owner releases it), no rollback is counted.
     */
    void keepOld(String why) {
        if (mediator != null) {
            entry.publish(old);
            endMediator();
        }
        fresh = null;
        end(SwapOutcome.ROLLED_BACK, why);
    }

    /** Gives up a prepared job that never published (an atomic group refused as a whole). */
    public SwapOutcome abandon(SwapOutcome outcome, String why) {
        if (fresh != null) {
            to.release(fresh);
            fresh = null;
        }
        return end(outcome, why);
    }

    private void endMediator() {
        mediator.end();
        entry.mediator = null;
        entry.retire(mediator);
        entry.state(EntryImpl.ACTIVE);
        result.waitedCalls = mediator.waited();
        result.longestWaitNanos = mediator.longestWait();
    }

    private SwapOutcome end(SwapOutcome outcome, String why) {
        ended = true;
        stopCounting();
        result.outcome = outcome;
        result.reason = why;
        result.totalNanos = System.nanoTime() - start;
        result.endedAtMillis = System.currentTimeMillis();
        return outcome;
    }

    private void stopCounting() {
        if (counting) {
            counting = false;
            Counting.off(entry.handleClass());
        }
    }

    boolean ended() {
        return ended;
    }

    /** Releases the entry's swap claim; called once, last. */
    public void unclaim() {
        stopCounting();
        if (claimed) {
            claimed = false;
            entry.swapping.set(false);
        }
    }
}
