package swap.kernel;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

import swap.api.BatchResult;
import swap.api.StateFormat;
import swap.api.SwapOutcome;
import swap.api.SwapResult;
import swap.api.TransferContext;

/**
 * The swap protocol of docs/design.md, run over the jobs of one request: a single swap is a batch
 * of one. Every job is prepared (instantiate, negotiate), every mediator published, then one
 * quiescence pass ({@link Quiescence}) serves them all; then each job is blocked, drained,
 * transferred and completed or rolled back.
 *
 * <p>An <em>atomic</em> batch (a group) is all-or-nothing: if any job is refused or fails to prepare,
 * none publishes; otherwise all are blocked and drained together, all transfer, and only when every
 * import succeeded do all switch; any timeout or failed export or import rolls every job back, each
 * keeping its old instance and state (an export never changes the old instance).
 *
 * <p>Runs on the calling thread; thread-safe (one request's jobs are used by that thread only).
 */
public final class SwapProtocol {

    private final Table table;
    private final History history;
    private final ForkJoinPool importers;
    private final ImplementationSource gate;
    final Pins pins = new Pins();

    SwapProtocol(Table table, History history, ForkJoinPool importers, ImplementationSource gate) {
        this.table = table;
        this.history = history;
        this.importers = importers;
        this.gate = gate;
    }

    /** One request: the jobs, their targets, and how to run them. */
    public record Request(List<SwapJob> jobs, Function<SwapJob, Supplier<Implementation>> target, StateFormat<?> forced, boolean atomic,
            long timeoutMillis, long batchId, long transferTimeoutMillis) {

        /** A request whose transfer has the default limit. */
        public Request(List<SwapJob> jobs, Function<SwapJob, Supplier<Implementation>> target, StateFormat<?> forced, boolean atomic,
                long timeoutMillis, long batchId) {
            this(jobs, target, forced, atomic, timeoutMillis, batchId, 0);
        }
    }

    /** The transfer limit of a request that sets none, in ms (&gt; 0). */
    volatile long defaultTransferMillis = Engine.DEFAULT_TRANSFER_TIMEOUT_MILLIS;

    /** Runs a request. Never throws; every job's result is filled in and recorded. */
    BatchResult run(Request q) {
        long start = System.nanoTime();
        BatchResult b = new BatchResult();
        b.batchId = q.batchId;
        b.atomic = q.atomic;
        List<SwapJob> ready = new ArrayList<>();
        try {
            SwapJob refusedBy = null;
            for (SwapJob j : q.jobs) {
                if (j.prepare(q.target.apply(j), q.forced, gate, pins) == null) {
                    ready.add(j);
                } else if (refusedBy == null) {
                    refusedBy = j;
                }
            }
            if (q.atomic && refusedBy != null) {
                String why = "the atomic group did not start: entry " + refusedBy.entry.id() + ": " + refusedBy.result.reason;
                for (SwapJob j : ready) {
                    j.abandon(refusedBy.result.outcome, why);
                }
                b.reason = why;
            } else {
                swap(ready, q, b);
            }
        } catch (RuntimeException | Error ex) {
            // A bug or a VM error in the protocol itself: undo what is still open, never leave a mediator in place.
            for (SwapJob j : ready) {
                if (!j.ended()) {
                    j.rollback("swap failed: " + ex);
                }
            }
        } finally {
            for (SwapJob j : q.jobs) {
                j.unclaim();
            }
        }
        List<SwapResult> results = new ArrayList<>(q.jobs.size());
        for (SwapJob j : q.jobs) {
            results.add(history.record(j.entry, j.result, q.batchId));
            switch (j.result.outcome) {
                case COMPLETED -> b.completed++;
                case ROLLED_BACK -> b.rolledBack++;
                case FAILED -> b.failed++;
                default -> b.refused++;
            }
        }
        b.results = results;
        b.outcome = b.completed == results.size() ? SwapOutcome.COMPLETED : SwapOutcome.ROLLED_BACK;
        if (b.reason == null && b.outcome != SwapOutcome.COMPLETED) {
            for (SwapResult r : results) {
                if (r.outcome != SwapOutcome.COMPLETED) {
                    b.reason = "entry " + r.entryId + " " + r.outcome + ": " + r.reason;
                    break;
                }
            }
        }
        b.totalNanos = System.nanoTime() - start;
        return b;
    }

    private void swap(List<SwapJob> all, Request q, BatchResult b) {
        if (all.isEmpty()) {
            return;
        }
        // 2a. Copy: while calls still run on the old instances (PreCopyComponent); the transfer's limit starts here.
        long limit = q.transferTimeoutMillis > 0 ? q.transferTimeoutMillis : defaultTransferMillis;
        List<SwapJob> jobs = new ArrayList<>(all.size());
        for (SwapJob j : all) {
            j.begin();
            history.started(j.entry, j.result, q.batchId);
        }
        for (SwapJob j : all) {
            String problem = j.preCopy(limit, new Context(j.entry.id()), history, q.batchId);
            if (problem == null) {
                jobs.add(j);
            } else if (q.atomic) {
                // all or nothing: nothing was published yet, every job's old instance still serves
                String why = "atomic group rolled back: entry " + j.entry.id() + ": " + problem;
                for (SwapJob k : all) {
                    k.rollback(k == j ? problem : why);
                }
                return;
            } else {
                j.rollback(problem);
            }
        }
        if (jobs.isEmpty()) {
            return;
        }
        // 2b. Publish: the quiescence timeout counts from here, after the copy.
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(q.timeoutMillis);
        List<SwapJob> live = new ArrayList<>(jobs.size());
        for (SwapJob j : jobs) {
            if (j.parked() == null) {
                j.count(); // every handle class counts before the first mediator is published
            }
        }
        for (SwapJob j : jobs) {
            if (j.parked() == null) { // a parked entry's calls already wait in its park: no mediator, nothing to drain
                j.publish();
                live.add(j);
            }
        }
        // 3. Forward: one quiescence pass for every job.
        long t = System.nanoTime();
        Map<SwapJob, String> late = live.isEmpty() ? Map.of() : Quiescence.await(live, deadline);
        long forward = System.nanoTime() - t;
        b.quiescenceNanos = forward;
        for (SwapJob j : jobs) {
            j.result.forwardNanos = forward;
        }
        if (q.atomic) {
            group(jobs, q, late, deadline);
            return;
        }
        for (SwapJob j : jobs) {
            String problem = late.get(j);
            if (problem != null) {
                j.rollback("timed out after " + q.timeoutMillis + " ms in the forward phase: " + problem);
                continue;
            }
            // 4. Blocked, 5. transfer, 6. complete: entry by entry.
            j.block();
            problem = j.drain(deadline, q.timeoutMillis);
            if (problem == null) {
                problem = j.transfer(new Context(j.entry.id()));
            }
            if (problem == null) {
                j.commit(table);
            } else {
                j.rollback(problem);
            }
        }
    }

    /** An atomic group: every job blocks, drains and transfers; then all switch, or all roll back. */
    private void group(List<SwapJob> jobs, Request q, Map<SwapJob, String> late, long deadline) {
        String problem = null;
        SwapJob culprit = null;
        if (!late.isEmpty()) {
            culprit = late.keySet().iterator().next();
            problem = "timed out after " + q.timeoutMillis + " ms in the forward phase: " + late.get(culprit);
        }
        if (problem == null) {
            for (SwapJob j : jobs) {
                j.block();
            }
            for (SwapJob j : jobs) {
                problem = j.drain(deadline, q.timeoutMillis);
                if (problem != null) {
                    culprit = j;
                    break;
                }
            }
        }
        if (problem == null) {
            for (SwapJob j : jobs) {
                problem = j.transfer(new Context(j.entry.id()));
                if (problem != null) {
                    culprit = j;
                    break;
                }
            }
        }
        if (problem == null) {
            for (SwapJob j : jobs) {
                j.commit(table);
            }
            return;
        }
        String why = "atomic group rolled back: entry " + culprit.entry.id() + ": " + problem;
        for (SwapJob j : jobs) {
            j.rollback(j == culprit ? problem : why);
        }
    }

    /**
     * Copies {@code job}'s entry's state into the replacement {@code job} prepared, with the
     * protocol's steps up to the transfer (copy, mediator, quiescence, blocked, export, import), then
     * puts the running instance back: the entry keeps running on it, with its state, and the
     * replacement holds a copy (a canary's). If both instances can pre-copy
     * ({@link SwapJob#preCopy}, the swap's own copy step), the state is copied while the entry serves
     * and only the last delta while calls are held; that delta is exported by value
     * ({@code StateCopy.exportDelta()}, never {@code exportLastDelta()}, which may hand the changes
     * over by reference), since the old instance serves on. {@code quiescent} runs while the entry is
     * quiescent, before the export. The job must have been prepared; the caller unclaims it.
     *
     * @param transferTimeoutMillis the transfer's limit (&lt;= 0: the engine's default), counted from the start of the copy as in a swap
     * @return {@code null} if copied, else why not
     */
    String copy(SwapJob job, long timeoutMillis, long transferTimeoutMillis, Runnable quiescent) {
        long limit = transferTimeoutMillis > 0 ? transferTimeoutMillis : defaultTransferMillis;
        String problem;
        try {
            job.serveOn();
            // the copy step of a swap: while the entry serves; the progress events carry no batch
            problem = job.preCopy(limit, new Context(job.entry.id()), history, 0);
            if (problem == null) {
                long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis); // from the end of the copy, as in a swap
                job.publish();
                Map<SwapJob, String> late = Quiescence.await(List.of(job), deadline);
                problem = late.isEmpty() ? null : "timed out after " + timeoutMillis + " ms in the forward phase: " + late.get(job);
                if (problem == null) {
                    job.block();
                    problem = job.drain(deadline, timeoutMillis);
                }
                quiescent.run();
                if (problem == null) {
                    problem = job.transfer(new Context(job.entry.id()));
                }
            }
        } catch (RuntimeException | Error ex) {
            problem = "the copy failed: " + ex;
        }
        job.keepOld(problem == null ? "state copied" : problem); // the running instance is published again; the replacement is kept
        return problem;
    }

    /**
     * A dry run: every job is prepared (trust gate, instantiation, negotiation) and given up, so
     * nothing visible changes; each result says whether its entry would move ({@code COMPLETED}:
     * it would) and is not recorded.
     */
    BatchResult dryRun(Request q) {
        BatchResult b = new BatchResult();
        b.batchId = q.batchId;
        b.atomic = q.atomic;
        List<SwapResult> results = new ArrayList<>();
        for (SwapJob j : q.jobs) {
            try {
                if (j.prepare(q.target.apply(j), q.forced, gate, pins) == null) {
                    j.abandon(SwapOutcome.COMPLETED, "would move: " + j.result.reason);
                    b.completed++;
                } else {
                    b.refused++;
                }
            } finally {
                j.unclaim();
            }
            results.add(j.result);
        }
        b.results = results;
        b.outcome = b.refused == 0 ? SwapOutcome.COMPLETED : SwapOutcome.REFUSED;
        return b;
    }

    /** What an importer may use: the shared import pool. */
    public final class Context implements TransferContext {
        private final long id;

        Context(long id) {
            this.id = id;
        }

        @Override
        public Executor executor() {
            return importers;
        }

        @Override
        public int parallelism() {
            return importers.getParallelism();
        }

        @Override
        public long entryId() {
            return id;
        }
    }
}
