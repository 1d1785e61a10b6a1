package swap.core.safe;

import swap.kernel.Engine;
import swap.kernel.EntryImpl;
import swap.kernel.Guard;
import swap.kernel.History;
import swap.kernel.Implementation;
import swap.kernel.ImplementationSource;
import swap.kernel.InterposerChain;
import swap.kernel.Negotiation;
import swap.kernel.SwapJob;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import swap.api.Batch;
import swap.api.BatchResult;
import swap.api.StateFormat;
import swap.api.SwapConstants;
import swap.api.SwapException;
import swap.api.SwapOptions;
import swap.api.SwapOutcome;
import swap.api.SwapResult;

/**
 * Safe swaps ({@link SwapOptions}): a canary before the commit ({@link Canary}), a watch after it
 * ({@link Watch}) that swaps the entry back when it got worse than its baseline. Everything here is
 * built from the engine's ordinary parts: interposers for measuring and mirroring, the swap
 * protocol for the commit, the swap back and the canary's copy of the state, the history and events
 * for the verdicts. The normal call path is untouched: an entry pays for a watch or a canary only
 * while it runs (its interposers), nothing once it ended.
 *
 * <p>Each safe request runs on one swap worker thread from start to verdict (a watch sleeps between
 * checks); the stage handed to the caller completes on that thread. Thread-safe.
 */
public final class SafeSwaps implements Guard {

    /** The settings of one request: the configured defaults, overridden by its {@link SwapOptions}. */
    record Settings(SafeSwapConfig config, long windowMillis, double errorRate, double p99Factor, int canaryCalls, long canaryMillis, boolean inline,
            long timeoutMillis, long transferTimeoutMillis) {
        static Settings of(SafeSwapConfig c, SwapOptions o) {
            return new Settings(c, o.windowMillis() > 0 ? o.windowMillis() : c.windowMillis, o.errorRate() >= 0 ? o.errorRate() : c.errorRate,
                    o.p99Factor() >= 1 ? o.p99Factor() : c.p99Factor, o.canaryCalls() > 0 ? o.canaryCalls() : c.canaryCalls,
                    o.canaryMillis() > 0 ? o.canaryMillis() : c.canaryMillis, o.isInline() || c.canaryInline, o.timeoutMillis(),
                    o.transferTimeoutMillis());
        }
    }

    private final Engine engine;
    private final ImplementationSource source;
    private final History history;
    private final ExecutorService workers;
    private volatile SafeSwapConfig config = new SafeSwapConfig();
    private volatile boolean stopped;

    private SafeSwaps(Engine engine) {
        this.engine = engine;
        this.source = engine.source();
        this.history = engine.history();
        this.workers = engine.workers();
    }

    /** Safe swaps for {@code engine}, plugged into it. @return them, to configure */
    public static SafeSwaps on(Engine engine) {
        SafeSwaps s = new SafeSwaps(engine);
        engine.guard(s);
        return s;
    }

    /** Sets the defaults of safe swaps (watch and canary, {@link swap.api.SwapOptions}); a copy is kept. */
    public void configure(SafeSwapConfig c) {
        SafeSwapConfig copy = c.copy();
        copy.check();
        config = copy;
    }

    @Override
    public void shutdown() {
        stopped = true;
    }

    // ---------------------------------------------------------------- one entry

    @Override
    public CompletionStage<SwapResult> swap(EntryImpl<?> e, String target, String reason, SwapOptions options) {
        Settings s = Settings.of(config, options);
        boolean canary = options.isCanary();
        boolean watch = options.isWatch();
        CompletableFuture<SwapResult> f = new CompletableFuture<>();
        workers.execute(() -> {
            try {
                f.complete(run(e, target, reason, s, canary, watch));
            } catch (RuntimeException | Error ex) {
                f.complete(result(e, SwapOutcome.FAILED, null, "safe swap failed: " + ex));
            }
        });
        return f;
    }

    private SwapResult run(EntryImpl<?> e, String target, String reason, Settings s, boolean canary, boolean watch) {
        Implementation impl;
        try {
            impl = source.resolve(e.type(), target, null);
        } catch (SwapException ex) {
            return result(e, SwapOutcome.REFUSED, null, ex.getMessage());
        }
        String why = reason;
        Map<String, Object> canaryFigures = null;
        if (canary) {
            Object verdict = canary(e, impl, reason, s);
            if (verdict instanceof SwapResult) {
                return (SwapResult) verdict;
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) verdict;
            canaryFigures = m;
            why = "canary passed (" + m.get("compared") + " calls compared, 0 mismatches" + (((Number) m.get("skipped")).longValue() > 0
                    ? ", " + m.get("skipped") + " skipped after writes" : "") + ")" + (reason == null ? "" : "; " + reason);
        }
        Watch w = null;
        if (watch) {
            w = new Watch(e, s);
            try {
                baseline(List.of(w));
            } catch (SwapException ex) {
                return result(e, SwapOutcome.REFUSED, impl, "the watch cannot run: " + ex.getMessage());
            }
        }
        SwapResult r = engine.execute(e, () -> impl, null, why, s.timeoutMillis(), s.transferTimeoutMillis());
        if (canaryFigures != null && r.outcome == SwapOutcome.COMPLETED) {
            SwapResult c = copy(r);
            c.figures = canaryFigures;
            history.replace(e, r, c);
            r = c;
        }
        if (w != null && r.outcome != SwapOutcome.COMPLETED) {
            w.remove();
        }
        if (w == null || r.outcome != SwapOutcome.COMPLETED) {
            return r;
        }
        return watch(List.of(w), List.of(r)).get(0);
    }

    // ---------------------------------------------------------------- canary

    /** @return the figures of a canary that passed, or the result of one that did not (recorded) */
    private Object canary(EntryImpl<?> e, Implementation impl, String reason, Settings s) {
        Map<Method, Comparator<Object>> reads;
        try {
            reads = Canary.reads(e.type());
        } catch (IllegalArgumentException ex) {
            return result(e, SwapOutcome.REFUSED, impl, "canary refused: " + ex.getMessage());
        }
        if (reads.isEmpty()) {
            return result(e, SwapOutcome.REFUSED, impl, "canary refused: no method of " + e.type().getName() + " is marked @swap.api.ReadOnly; "
                    + "a canary mirrors only side-effect-free calls: mark them on the interface, or swap without a canary");
        }
        Object instance;
        try {
            instance = Engine.instantiate(e.type(), impl);
        } catch (SwapException ex) {
            SwapResult r = result(e, SwapOutcome.FAILED, impl, "canary: " + ex.getMessage());
            return history.record(e, r, 0);
        }
        Object old = e.instance();
        StateFormat<?> format = Canary.copyFormat(old, instance);
        if (format == null) {
            impl.release(instance);
            return result(e, SwapOutcome.REFUSED, impl, "canary refused: a canary imports a copy of the state, which needs a canonical format both sides list; "
                    + e.implementationLabel() + " exports " + describe(Negotiation.exports(old)) + ", " + impl.label() + " imports "
                    + describe(Negotiation.imports(instance)) + "; a by-reference format hands over the live structure the running instance "
                    + "keeps using, so it cannot be copied: add a StateFormat.canonical format to both, or swap without a canary");
        }
        Canary c = new Canary(e.id(), instance, reads, s.inline(), s.canaryCalls());
        Implementation keep = new Kept(impl, instance);
        SwapJob copy = new SwapJob(e, "canary copy", System.nanoTime());
        SwapOutcome refused = copy.prepare(() -> keep, format, source);
        if (refused == null && copy.oldInstance() != old) {
            refused = copy.abandon(SwapOutcome.REFUSED, "entry " + e.id() + " was swapped while the canary was being prepared; retry");
        }
        if (refused != null) {
            copy.unclaim();
            impl.release(instance);
            SwapResult r = result(e, refused, impl, "canary: " + copy.result.reason);
            return refused == SwapOutcome.REFUSED ? r : history.record(e, r, 0);
        }
        try {
            Engine.add(e, new InterposerChain.Named(Canary.NAME, c));
        } catch (SwapException ex) {
            copy.abandon(SwapOutcome.REFUSED, ex.getMessage());
            copy.unclaim();
            impl.release(instance);
            return result(e, SwapOutcome.REFUSED, impl, "canary refused: " + ex.getMessage());
        }
        long timeout = engine.timeoutOf(e, s.timeoutMillis());
        long[] writes = new long[2];
        // While the entry is quiescent: writes begun and not ended are waiting in the mediator.
        // With PreCopyComponent on both sides the state is copied while the entry serves (the swap's copy step), only the last delta while held.
        String problem = engine.copyState(copy, timeout, s.transferTimeoutMillis(), () -> {
            writes[0] = c.writesBegun();
            writes[1] = c.writesEnded();
        });
        long begun = problem == null ? writes[0] : 1;
        long ended = problem == null ? writes[1] : 0;
        SwapResult r = result(e, SwapOutcome.ROLLED_BACK, impl, null);
        r.format = format.name();
        if (problem != null) {
            Engine.remove(e, Canary.NAME);
            c.stop();
            copy.unclaim();
            impl.release(instance);
            r.reason = "canary: the copy of the state failed, the running instance stays: " + problem;
            r.figures = c.figures("failed", format.name());
            history.record(e, r, 0);
            history.post(SwapConstants.TOPIC_CANARY_FAILED, e, r, r.reason, c.eventProperties());
            return r;
        }
        c.arm(begun, begun != ended);
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(s.canaryMillis());
        e.status(() -> c.line(until));
        boolean passed;
        try {
            passed = c.await(until) && !stopped;
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            passed = false;
        }
        Engine.remove(e, Canary.NAME);
        c.stop();
        e.status(null);
        copy.unclaim();
        impl.release(instance);
        boolean inconclusive = passed && c.compared() < Math.min(s.canaryCalls(), s.config().canaryMinCalls);
        if (!passed || inconclusive) {
            r.mismatches = c.mismatches();
            r.figures = c.figures(inconclusive ? "inconclusive" : "failed", format.name());
            r.reason = inconclusive
                    ? "canary: inconclusive, only " + c.compared() + " call(s) compared in " + s.canaryMillis() + " ms (at least "
                            + s.config().canaryMinCalls + " needed; " + c.skipped() + " read(s) skipped because writes had made the canary's copy stale); "
                            + "the running instance stays: try again when reads dominate, or swap with a watch"
                    : c.mismatchCount() == 0 ? "canary: stopped before a verdict; the running instance stays"
                    : "canary: " + c.mismatchCount() + " compared call(s) disagreed, the running instance stays; first: " + r.mismatches.get(0);
            r.endedAtMillis = System.currentTimeMillis();
            r.totalNanos = System.nanoTime() - c.started;
            e.rollbacks.incrementAndGet();
            history.record(e, r, 0);
            history.post(SwapConstants.TOPIC_CANARY_FAILED, e, r, r.reason, c.eventProperties());
            return r;
        }
        Map<String, Object> figures = c.figures("passed", format.name());
        r.outcome = SwapOutcome.COMPLETED;
        history.post(SwapConstants.TOPIC_CANARY_PASSED, e, r, reason, c.eventProperties());
        return figures;
    }

    /** The canary's implementation as the copy job sees it: hands out the canary and keeps it when the job "rolls back". */
    private static final class Kept implements Implementation {
        private final Implementation impl;
        private final Object instance;

        Kept(Implementation impl, Object instance) {
            this.impl = impl;
            this.instance = instance;
        }

        @Override
        public String name() {
            return impl.name();
        }

        @Override
        public String version() {
            return impl.version();
        }

        @Override
        public String bundle() {
            return impl.bundle();
        }

        @Override
        public Object origin() {
            return impl.origin();
        }

        @Override
        public Object provenance() {
            return impl.provenance();
        }

        @Override
        public Map<String, Object> properties() {
            return impl.properties();
        }

        @Override
        public Object newInstance() {
            return instance;
        }

        @Override
        public void release(Object o) {
            // kept: the canary is released by SafeSwaps when it ends
        }
    }

    // ---------------------------------------------------------------- watch

    /**
     * Measures each watch's entry for the baseline. The call counters stay on (until each watch
     * ends) so that a watch's figures in all count every call from the start of the swap; the
     * baseline's latency monitors come off. On failure every monitor put on is taken off again.
     */
    private void baseline(List<Watch> watches) {
        List<Watch> on = new ArrayList<>();
        try {
            for (Watch w : watches) {
                w.interpose(source);
                on.add(w);
            }
            long ms = watches.get(0).settings.config().baselineMillis;
            if (ms > 0) {
                sleep(TimeUnit.MILLISECONDS.toNanos(ms));
            }
            for (Watch w : watches) {
                w.swapStarts();
            }
        } catch (RuntimeException | Error ex) {
            for (Watch w : on) {
                w.remove();
            }
            throw ex;
        }
    }

    /** Watches the entries whose swaps completed until each passed, was swapped back or ended. @return the verdicts, in order */
    private List<SwapResult> watch(List<Watch> watches, List<SwapResult> completed) {
        int n = watches.size();
        SwapResult[] out = completed.toArray(new SwapResult[0]);
        boolean[] open = new boolean[n];
        int left = 0;
        for (int i = 0; i < n; i++) {
            Watch w = watches.get(i);
            w.watched = w.entry.instance();
            try {
                w.windowStarts(source);
            } catch (SwapException ex) {
                out[i] = verdict(w, out[i], SwapOutcome.COMPLETED, "the watch could not start: " + ex.getMessage(), "ended", w.read());
                w.remove();
                continue;
            }
            w.windowStart = System.nanoTime();
            w.windowEnd = w.windowStart + TimeUnit.MILLISECONDS.toNanos(w.settings.windowMillis());
            w.entry.status(w::line);
            history.post(SwapConstants.TOPIC_WATCH_STARTED, w.entry, out[i], out[i].reason, w.eventProperties(null));
            open[i] = true;
            left++;
        }
        long pause = TimeUnit.MILLISECONDS.toNanos(config.checkMillis);
        while (left > 0) {
            sleep(pause);
            for (int i = 0; i < n; i++) {
                if (!open[i]) {
                    continue;
                }
                Watch w = watches.get(i);
                String gone = stopped ? "the swap manager stopped"
                        : EntryImpl.RELEASED.equals(w.entry.state()) ? "the entry was released"
                        : w.entry.instance() != w.watched ? "the entry was swapped again" : null;
                Watch.Figures f = w.read();
                String crossed = gone == null ? w.crossed(f) : null;
                boolean over = System.nanoTime() - w.windowEnd >= 0;
                if (gone == null && crossed == null && !over) {
                    continue;
                }
                open[i] = false;
                left--;
                w.entry.status(null);
                String together = gone != null && w.reverter != null ? w.reverter.revertedBecause() : null;
                if (together != null) {
                    out[i] = revert(w, out[i], together, f); // moved back with the others: waits until it runs the previous implementation
                } else if (gone != null) {
                    out[i] = verdict(w, out[i], SwapOutcome.COMPLETED, "watch ended early: " + gone, "ended", f);
                } else if (crossed == null && w.tooFew(f)) {
                    // no verdict without evidence: the implementation stays, and the result says the watch could not judge it
                    out[i] = verdict(w, out[i], SwapOutcome.COMPLETED, String.format(java.util.Locale.ROOT,
                            "watch inconclusive: only %d call(s) in %d ms, at least %d needed for a verdict; %s stays unwatched: watch it again under load "
                                    + "(swap:watch) or swap back if in doubt", f.calls(), w.settings.windowMillis(), w.settings.config().minCalls, out[i].to),
                            "inconclusive", f);
                    history.post(SwapConstants.TOPIC_WATCH_INCONCLUSIVE, w.entry, out[i], out[i].reason, w.eventProperties(f));
                } else if (crossed == null) {
                    out[i] = verdict(w, out[i], SwapOutcome.COMPLETED, String.format(java.util.Locale.ROOT,
                            "watch passed: %d calls in %d ms, error rate %.1f%% (baseline %.1f%%), p99 %.1f us (baseline %.1f us)", f.calls(),
                            w.settings.windowMillis(), 100 * f.errorRate(), 100 * w.baseline.errorRate(), f.p99Micros(), w.baseline.p99Micros()),
                            "passed", f);
                    history.post(SwapConstants.TOPIC_WATCH_PASSED, w.entry, out[i], out[i].reason, w.eventProperties(f));
                } else {
                    out[i] = revert(w, out[i], crossed, f); // with the counter still on: its figures in all include the swap back
                }
                w.remove();
            }
        }
        return List.of(out);
    }

    /** How many times a swap back is tried when it rolls back (quiescence timed out) or meets another swap. */
    static final int REVERT_ATTEMPTS = 3;

    /**
     * How a watched entry goes back when its watch crosses a threshold. The default swaps it back to
     * the implementation it had before the watched swap; an in-place update goes back by updating
     * its bundle to the previous revision. Either way the move is the engine's protocol.
     */
    public interface Reverter {
        /**
         * Moves {@code entry} back, with its current state. Called on a safe-swap worker, with the watch's
         * call counter still on the entry.
         *
         * @param watched the instance the watch watched (the entry may have left it already, when one revert moves several entries)
         * @return the move's result: {@code COMPLETED} once the entry runs its previous implementation again
         */
        SwapResult revert(EntryImpl<?> entry, Object watched, String crossed);

        /** @return where the entry went back to, for the verdict, e.g. "its bundle's previous revision" */
        String target(EntryImpl<?> entry);

        /**
         * @return why this reverter already moved its entries back, when one revert moves several
         *         entries (an in-place update's bundle goes back as a whole): the other entries' watches then
         *         end as reverted too; {@code null} if it has not
         */
        default String revertedBecause() {
            return null;
        }
    }

    /** The default {@link Reverter} of a watch: a swap back to the implementation before the watched swap. */
    private final class SwapBack implements Reverter {
        private final Watch w;

        SwapBack(Watch w) {
            this.w = w;
        }

        @Override
        public String target(EntryImpl<?> entry) {
            return w.previousName + " " + w.previousVersion;
        }

        @Override
        public SwapResult revert(EntryImpl<?> entry, Object watched, String crossed) {
            // by its swap.impl.version property, or, for an OSGi implementation without one (its version is then its bundle's),
            // by its bundle; outside OSGi (no bundle, e.g. the test kit's engine) by the property only
            String filter = w.previousBundleId < 0
                    ? "(&(" + SwapConstants.IMPL_NAME + "=" + escape(w.previousName) + ")(" + SwapConstants.IMPL_VERSION + "=" + escape(w.previousVersion) + "))"
                    : "(&(" + SwapConstants.IMPL_NAME + "=" + escape(w.previousName) + ")(|(" + SwapConstants.IMPL_VERSION + "="
                    + escape(w.previousVersion) + ")(&(!(" + SwapConstants.IMPL_VERSION + "=*))(service.bundleid=" + w.previousBundleId + "))))";
            // A bad implementation must not stay because one attempt timed out (its callers can keep the
            // old instance busy) or met another swap: the swap back is tried up to REVERT_ATTEMPTS times.
            SwapResult back = null;
            for (int attempt = 1; attempt <= REVERT_ATTEMPTS; attempt++) {
                back = engine.execute(entry, () -> source.resolve(entry.type(), filter, null), null,
                        "swap back after a watch: " + crossed + (attempt > 1 ? " (attempt " + attempt + ")" : ""), w.settings.timeoutMillis());
                boolean transient_ = back.outcome == SwapOutcome.ROLLED_BACK
                        || (back.outcome == SwapOutcome.REFUSED && back.reason != null && back.reason.contains("mid-swap"));
                if (!transient_) {
                    break;
                }
            }
            return back;
        }
    }

    /** Moves the entry back ({@code w}'s reverter) with its current state, and records the verdict. */
    private SwapResult revert(Watch w, SwapResult r, String crossed, Watch.Figures f) {
        Reverter reverter = w.reverter != null ? w.reverter : new SwapBack(w);
        String previous = reverter.target(w.entry);
        SwapResult back;
        try {
            back = reverter.revert(w.entry, w.watched, crossed);
        } catch (RuntimeException ex) {
            back = result(w.entry, SwapOutcome.FAILED, null, String.valueOf(ex.getMessage()));
        }
        if (back.outcome == SwapOutcome.COMPLETED) {
            String how = reverter instanceof SwapBack ? "swapped back to " : "moved back to ";
            SwapResult v = verdict(w, r, SwapOutcome.REVERTED, "watch: " + crossed + "; " + how + previous + " with the current state; "
                    + inAll(w), "reverted", f);
            history.post(SwapConstants.TOPIC_REVERTED, w.entry, v, v.reason, w.eventProperties(f));
            return v;
        }
        SwapResult v = verdict(w, r, SwapOutcome.COMPLETED, "watch: " + crossed + "; the " + (reverter instanceof SwapBack ? "swap" : "move") + " back to "
                + previous + " did not run (" + back.outcome + ": "
                + back.reason + "): the entry stays on " + r.to, "revert failed", f);
        history.post(SwapConstants.TOPIC_REVERT_FAILED, w.entry, v, v.reason, w.eventProperties(f));
        return v;
    }

    // ---------------------------------------------------------------- watches of moves made elsewhere

    /**
     * Watches begun before another path moves their entries (an in-place update of their bundle):
     * {@link #begin} measures the baseline and leaves each entry's call counter on; {@link #judge}
     * watches the entries once they moved; {@link #drop} takes the monitors off if they never do.
     */
    public static final class Watching {
        private final List<Watch> watches;

        private Watching(List<Watch> watches) {
            this.watches = watches;
        }

        /** @return the watched entries */
        public List<EntryImpl<?>> entries() {
            List<EntryImpl<?>> l = new ArrayList<>();
            for (Watch w : watches) {
                l.add(w.entry);
            }
            return l;
        }
    }

    /**
     * Measures the baseline of {@code entries} now (this blocks for the configured baseline time)
     * for a move that another path makes next.
     *
     * @throws SwapException if the monitors cannot be put on (then none is)
     */
    public Watching begin(List<EntryImpl<?>> entries, SwapOptions options) {
        Settings s = Settings.of(config, options);
        List<Watch> ws = new ArrayList<>();
        for (EntryImpl<?> e : entries) {
            ws.add(new Watch(e, s));
        }
        if (!ws.isEmpty()) {
            baseline(ws);
        }
        return new Watching(ws);
    }

    /** Takes the monitors of {@code w} off: its entries never moved. */
    public void drop(Watching w) {
        for (Watch x : w.watches) {
            x.remove();
        }
    }

    /**
     * Watches the entries of {@code w} that moved ({@code moved}: each entry's move, as recorded in
     * the history; an entry without one, or whose move did not complete, is not watched), on a
     * safe-swap worker; an entry that crosses a threshold goes back with {@code reverter}.
     *
     * @return the verdicts of the watched entries, in order, each also recorded in the history in place of its move
     */
    public CompletionStage<List<SwapResult>> judge(Watching w, Map<Long, SwapResult> moved, Reverter reverter) {
        List<Watch> ws = new ArrayList<>();
        List<SwapResult> done = new ArrayList<>();
        for (Watch x : w.watches) {
            SwapResult r = moved.get(x.entry.id());
            if (r != null && r.outcome == SwapOutcome.COMPLETED) {
                x.reverter = reverter;
                ws.add(x);
                done.add(r);
            } else {
                x.remove();
            }
        }
        CompletableFuture<List<SwapResult>> f = new CompletableFuture<>();
        if (ws.isEmpty()) {
            f.complete(List.of());
            return f;
        }
        workers.execute(() -> {
            try {
                f.complete(watch(ws, done));
            } catch (RuntimeException | Error ex) {
                for (Watch x : ws) {
                    x.remove();
                }
                f.completeExceptionally(ex);
            }
        });
        return f;
    }

    /** What the callers saw from the start of the swap until now (the swap back included), in words. */
    private static String inAll(Watch w) {
        Watch.Figures all = w.inAll();
        return String.format(java.util.Locale.ROOT, "in all %d of %d calls threw from the start of the swap until the swap back completed "
                + "(every call through the entry's handle; a call that failed before reaching it, e.g. a caller's own timeout, is not seen)", all.thrown(),
                all.calls());
    }

    private SwapResult verdict(Watch w, SwapResult r, SwapOutcome outcome, String why, String verdict, Watch.Figures f) {
        SwapResult v = copy(r);
        v.outcome = outcome;
        v.reason = (r.reason == null ? "" : r.reason + "; ") + why;
        Map<String, Object> figures = new java.util.LinkedHashMap<>();
        if (r.figures != null) {
            figures.putAll(r.figures);
        }
        figures.putAll(w.figures(verdict, f));
        v.figures = figures;
        history.replace(w.entry, r, v);
        return v;
    }

    /** Format names, each by-reference one marked. */
    private static String describe(List<StateFormat<?>> formats) {
        List<String> l = new ArrayList<>();
        for (StateFormat<?> f : formats) {
            l.add(f.name() + (f.isByReference() ? " (by reference)" : ""));
        }
        return l.toString();
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("*", "\\*").replace("(", "\\(").replace(")", "\\)");
    }

    // ---------------------------------------------------------------- batches

    @Override
    public CompletionStage<BatchResult> batch(Batch batch) {
        SwapOptions o = batch.options();
        if (o.isCanary()) {
            return CompletableFuture.completedFuture(refused(batch, "a canary is for one entry: swap the entries one by one with a canary, "
                    + "or ask the batch for a watch only"));
        }
        List<EntryImpl<?>> entries;
        try {
            if (batch.target() == null || batch.target().isBlank()) {
                throw new SwapException("a batch needs a target: Batch...to(\"name\") or to(\"(filter)\")");
            }
            entries = engine.select(batch);
            if (entries.isEmpty()) {
                throw new SwapException("the batch selects no entry; swap:list shows the entries");
            }
        } catch (SwapException ex) {
            return CompletableFuture.completedFuture(refused(batch, ex.getMessage()));
        }
        Settings s = Settings.of(config, o);
        CompletableFuture<BatchResult> f = new CompletableFuture<>();
        workers.execute(() -> {
            try {
                f.complete(runBatch(batch, entries, s));
            } catch (RuntimeException | Error ex) {
                f.complete(refused(batch, "safe batch failed: " + ex));
            }
        });
        return f;
    }

    private BatchResult runBatch(Batch batch, List<EntryImpl<?>> entries, Settings s) {
        Map<Long, Watch> watches = new HashMap<>();
        List<Watch> all = new ArrayList<>();
        for (EntryImpl<?> e : entries) {
            Watch w = new Watch(e, s);
            watches.put(e.id(), w);
            all.add(w);
        }
        try {
            baseline(all);
        } catch (SwapException ex) {
            return refused(batch, "the watch cannot run: " + ex.getMessage());
        }
        List<Long> ids = new ArrayList<>();
        for (EntryImpl<?> e : entries) {
            ids.add(e.id());
        }
        Batch plain = Batch.of(ids).to(batch.target()).timeout(batch.timeoutMillis()).reason(batch.reason())
                .options(SwapOptions.plain().transferTimeout(s.transferTimeoutMillis()));
        if (batch.isAtomic()) {
            plain.atomic();
        }
        BatchResult r = engine.swap(plain).toCompletableFuture().join();
        List<Watch> ws = new ArrayList<>();
        List<SwapResult> done = new ArrayList<>();
        List<Integer> at = new ArrayList<>();
        for (int i = 0; i < r.results.size(); i++) {
            SwapResult x = r.results.get(i);
            if (x.outcome == SwapOutcome.COMPLETED) {
                ws.add(watches.get(x.entryId));
                done.add(x);
                at.add(i);
            }
        }
        for (Watch w : all) {
            if (!ws.contains(w)) {
                w.remove(); // its swap did not complete: nothing to watch
            }
        }
        if (ws.isEmpty()) {
            return r;
        }
        List<SwapResult> verdicts = watch(ws, done);
        List<SwapResult> results = new ArrayList<>(r.results);
        for (int k = 0; k < at.size(); k++) {
            results.set(at.get(k), verdicts.get(k));
            if (verdicts.get(k).outcome == SwapOutcome.REVERTED) {
                r.reverted++;
                r.completed--;
            }
        }
        r.results = List.copyOf(results);
        if (r.reverted > 0) {
            r.outcome = SwapOutcome.REVERTED;
            if (r.reason == null) {
                for (SwapResult x : results) {
                    if (x.outcome == SwapOutcome.REVERTED) {
                        r.reason = "entry " + x.entryId + " REVERTED: " + x.reason;
                        break;
                    }
                }
            }
        }
        return r;
    }

    private static BatchResult refused(Batch batch, String why) {
        BatchResult r = new BatchResult();
        r.atomic = batch.isAtomic();
        r.outcome = SwapOutcome.REFUSED;
        r.reason = why;
        r.results = List.of();
        return r;
    }

    // ---------------------------------------------------------------- helpers

    private static void sleep(long nanos) {
        long end = System.nanoTime() + nanos;
        for (long left = nanos; left > 0; left = end - System.nanoTime()) {
            LockSupport.parkNanos(left);
            if (Thread.currentThread().isInterrupted()) {
                return;
            }
        }
    }

    private static SwapResult result(EntryImpl<?> e, SwapOutcome outcome, Implementation to, String why) {
        SwapResult r = new SwapResult();
        r.entryId = e.id();
        r.outcome = outcome;
        r.reason = why;
        r.from = e.implementationLabel();
        r.to = to == null ? null : to.label();
        r.endedAtMillis = System.currentTimeMillis();
        return r;
    }

    static SwapResult copy(SwapResult r) {
        SwapResult c = new SwapResult();
        c.entryId = r.entryId;
        c.outcome = r.outcome;
        c.reason = r.reason;
        c.from = r.from;
        c.to = r.to;
        c.format = r.format;
        c.instantiateNanos = r.instantiateNanos;
        c.forwardNanos = r.forwardNanos;
        c.blockedNanos = r.blockedNanos;
        c.transferNanos = r.transferNanos;
        c.copyNanos = r.copyNanos;
        c.copiedUnits = r.copiedUnits;
        c.deltaRounds = r.deltaRounds;
        c.totalNanos = r.totalNanos;
        c.waitedCalls = r.waitedCalls;
        c.longestWaitNanos = r.longestWaitNanos;
        c.endedAtMillis = r.endedAtMillis;
        c.figures = r.figures;
        c.mismatches = r.mismatches;
        return c;
    }
}
