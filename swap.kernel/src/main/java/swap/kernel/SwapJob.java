package swap.kernel;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import swap.api.PreCopyComponent;
import swap.api.StateCopy;
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
    /** Whether the job reached the copy step (it then posted STARTED: undoing it is a rollback, not a failure). */
    private boolean began;
    /** The pre-copy in progress ({@link PreCopyComponent}), or {@code null}. */
    private StateCopy copy;
    private long transferStart;
    private long transferLimitMillis;
    private long parts;
    private History progress;
    private long batchId;
    /** Whether the old instance serves on after the transfer (a canary's copy): the last delta is then exported by value. */
    private boolean servesOn;

    /** Delta rounds while the old instance serves, at most. */
    static final int MAX_DELTA_ROUNDS = 8;
    /** A delta round runs while more than this many changes are pending (and each round at least halved them). */
    static final long SMALL_DELTA = 1024;

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
        return prepare(target, forced, gate, null);
    }

    /** {@link #prepare(Supplier, StateFormat, ImplementationSource)}, asking {@code pins} (if not {@code null}) after the trust gate. */
    public SwapOutcome prepare(Supplier<Implementation> target, StateFormat<?> forced, ImplementationSource gate, Pins pins) {
        if (!entry.swapping.compareAndSet(false, true)) {
            return end(SwapOutcome.REFUSED, "entry " + entry.id() + " is mid-swap; retry when the running swap has ended");
        }
        claimed = true;
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
        String pinned = pins == null ? null : pins.check(entry, from, to, result.reason);
        if (pinned != null) {
            return end(SwapOutcome.REFUSED, "entry " + entry.id() + " is " + pinned + (parked() != null ? "; the entry stays parked with its state" : "; the entry stays on " + from.label()));
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

    /**
     * Step 1b, the copy, while calls still run on the old instance: if both instances are
     * {@link PreCopyComponent}s that list the negotiated (canonical) format in their
     * {@link PreCopyComponent#preCopyFormats()}, begins a copy on the old instance, imports every part
     * into the new one, then delta rounds while many changes are pending. With a pre-copy the transfer's limit starts
     * here (without one, at the transfer in the Blocked phase). Progress goes to {@code progress}'s events
     * and to the entry's {@link EntryImpl#transfer} line.
     *
     * @param limitMillis the transfer's limit (&gt; 0)
     * @return {@code null} if copied (or nothing to copy now), else why not: the caller rolls the job back
     */
    String preCopy(long limitMillis, TransferContext context, History progress, long batchId) {
        this.progress = progress;
        this.batchId = batchId;
        transferLimitMillis = limitMillis;
        if (!preCopies()) {
            return null; // the limit starts with the transfer in the Blocked phase
        }
        transferStart = System.nanoTime();
        PreCopyComponent in = (PreCopyComponent) fresh;
        try {
            try {
                copy = ((PreCopyComponent) old).beginCopy(format);
                if (copy == null) {
                    return "pre-copy in format '" + format + "' could not begin: " + from.label() + " returned no copy; the old instance stays with its state";
                }
            } catch (Exception | LinkageError ex) {
                return "pre-copy in format '" + format + "' could not begin, the old instance stays with its state: " + ex;
            }
            report("begin");
            while (true) {
                String stop = stop();
                if (stop != null) {
                    return stop;
                }
                Object part;
                try {
                    part = copy.nextPart();
                    if (part == null) {
                        break;
                    }
                    format.cast(part);
                } catch (Exception | LinkageError ex) {
                    return "pre-copy export in format '" + format + "' failed, the old instance stays with its state: " + ex;
                }
                try {
                    in.importPart(format, part, context);
                } catch (Exception | LinkageError ex) {
                    return "pre-copy import in format '" + format + "' failed, the old instance stays with its state: " + ex;
                }
                parts++;
                report("part");
            }
            long pending = pending();
            while (result.deltaRounds < MAX_DELTA_ROUNDS && pending > SMALL_DELTA) {
                String stop = stop();
                if (stop == null) {
                    stop = delta(in, context, false);
                }
                if (stop != null) {
                    return stop;
                }
                result.deltaRounds++;
                report("delta");
                long now = pending();
                if (now > pending / 2) {
                    break; // the calls change it nearly as fast as it is carried: another round would not pay; the rest goes in the Blocked phase
                }
                pending = now;
            }
            return null;
        } catch (RuntimeException ex) { // size(), copied() or pending() of the plug-in threw
            return "pre-copy in format '" + format + "' failed, the old instance stays with its state: " + ex;
        } finally {
            result.copyNanos = System.nanoTime() - transferStart;
            result.transferNanos += result.copyNanos;
        }
    }

    /** The swap began (its STARTED event was posted): from now on undoing it is a rollback. */
    void begin() {
        began = true;
    }

    /**
     * The old instance serves on after this job's transfer (a canary's copy, {@link SwapProtocol#copy}):
     * the last delta of a pre-copy is exported with {@link StateCopy#exportDelta()}, by value, never
     * with {@link StateCopy#exportLastDelta()}, which may hand over references into the old
     * instance's live state, valid only once it never runs a call again.
     */
    void serveOn() {
        servesOn = true;
    }

    /** Whether this job copies while the old instance serves (if a side's {@code preCopyFormats()} throws: no, the plain transfer runs). */
    private boolean preCopies() {
        if (!(old instanceof PreCopyComponent && fresh instanceof PreCopyComponent) || format == null || format.isByReference()
                || Parked.of(old) != null || Parked.of(fresh) != null) {
            return false;
        }
        try {
            return ((PreCopyComponent) old).preCopyFormats().contains(format) && ((PreCopyComponent) fresh).preCopyFormats().contains(format);
        } catch (RuntimeException | LinkageError ex) {
            return false;
        }
    }

    /**
     * One delta, exported from the copy and imported into the new instance; the last one (the old
     * instance quiescent) with {@link StateCopy#exportLastDelta()} unless the old instance serves on.
     * @return {@code null} or why it failed
     */
    private String delta(PreCopyComponent in, TransferContext context, boolean last) {
        Object delta;
        try {
            delta = last && !servesOn ? copy.exportLastDelta() : copy.exportDelta();
            format.cast(delta);
        } catch (Exception | LinkageError ex) {
            return (last ? "the last delta" : "a delta") + " in format '" + format + "' failed to export, the old instance stays with its state: " + ex;
        }
        try {
            in.importDelta(format, delta, context);
        } catch (Exception | LinkageError ex) {
            return (last ? "the last delta" : "a delta") + " in format '" + format + "' failed to import, the old instance stays with its state: " + ex;
        }
        return null;
    }

    private long pending() {
        return copy.pending();
    }

    /** @return why the transfer must stop now (past its limit, or the swapping thread was interrupted), or {@code null} */
    private String stop() {
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - transferStart);
        if (ms > transferLimitMillis) {
            return "the state transfer passed its limit of " + transferLimitMillis + " ms (SwapOptions.transferTimeout) after " + ms + " ms"
                    + (copy == null ? "" : ", " + copied() + " of " + size() + " units copied") + "; the old instance stays with its state and serves on";
        }
        if (Thread.currentThread().isInterrupted()) {
            return "the state transfer was cancelled (the swapping thread was interrupted) after " + ms + " ms; the old instance stays with its state and serves on";
        }
        return null;
    }

    private String copied() {
        try {
            return String.format(Locale.ROOT, "%,d", copy.copied());
        } catch (RuntimeException ex) {
            return "?";
        }
    }

    private String size() {
        try {
            long n = copy.size();
            return n < 0 ? "?" : String.format(Locale.ROOT, "%,d", n);
        } catch (RuntimeException ex) {
            return "?";
        }
    }

    /** Posts one progress event and sets the entry's transfer line. */
    private void report(String phase) {
        long copied;
        long size;
        try {
            copied = copy.copied();
            size = copy.size();
        } catch (RuntimeException ex) {
            copied = -1;
            size = -1;
        }
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - transferStart);
        result.copiedUnits = copied;
        entry.transfer = phase + ": " + String.format(Locale.ROOT, "%,d", copied) + (size < 0 ? "" : String.format(Locale.ROOT, " of %,d", size)) + " units copied in " + parts
                + " part(s), " + result.deltaRounds + " delta(s), " + ms + " ms of " + transferLimitMillis + " ms (format " + format + ")";
        if (progress != null) {
            progress.transfer(entry, result, batchId, phase, copied, size, parts, result.deltaRounds + ("last".equals(phase) ? 1 : 0), ms, transferLimitMillis);
        }
    }

    /** Ends the copy, if one is open: the old instance stops recording changes. */
    private void closeCopy() {
        StateCopy c = copy;
        copy = null;
        if (c != null) {
            try {
                c.close();
            } catch (RuntimeException | LinkageError ignored) {
                // close must not throw; if it does, the swap's outcome stands
            }
        }
    }

    /** Step 2: interposes the mediator; from now on new calls reach it. Not for a parked entry, whose calls already wait. */
    void publish() {
        count();
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

    /**
     * Step 5: export from the old instance, import into the new one; the old one stays intact. With a
     * pre-copy ({@link #preCopy}) only the last delta. Past the transfer's limit the job fails.
     *
     * @return {@code null} or why it failed
     */
    String transfer(TransferContext context) {
        long t = System.nanoTime();
        if (transferStart == 0) { // no copy while serving: the limit starts here
            transferStart = t;
            transferLimitMillis = transferLimitMillis > 0 ? transferLimitMillis : Engine.DEFAULT_TRANSFER_TIMEOUT_MILLIS;
        }
        try {
            if (copy != null) {
                String problem = delta((PreCopyComponent) fresh, context, true);
                if (problem == null) {
                    report("last");
                }
                closeCopy();
                return problem != null ? problem : stop();
            }
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
            return stop();
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
        if (mediator == null && began && parked() == null) {
            // the swap began (and may have copied while the old instance served) but never published: calls ran on the old instance all along
            closeCopy();
            to.release(fresh);
            fresh = null;
            entry.rollbacks.incrementAndGet();
            return end(SwapOutcome.ROLLED_BACK, problem);
        }
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
        closeCopy();
        entry.transfer = null;
        ended = true;
        stopCounting();
        result.outcome = outcome;
        result.reason = why;
        result.totalNanos = System.nanoTime() - start;
        result.endedAtMillis = System.currentTimeMillis();
        return outcome;
    }

    /**
     * From now until the job ends, calls through every handle of the entry's interface are counted on
     * their own entries, so the stack check only waits for calls that began before ({@link Counting}).
     * Called before the mediator is published (not during a pre-copy, which may be long).
     */
    void count() {
        if (!counting) {
            Counting.on(entry.handleClass());
            counting = true;
        }
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
