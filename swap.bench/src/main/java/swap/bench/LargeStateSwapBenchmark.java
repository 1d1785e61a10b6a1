package swap.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.HdrHistogram.Histogram;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

import swap.api.StateFormat;
import swap.api.SwapOutcome;
import swap.api.SwapResult;
import swap.example.store.CopyingSessionStore;
import swap.example.store.api.SessionStore;
import swap.kernel.Engine;
import swap.kernel.StandaloneSource;

/**
 * Swapping a session store of {@code size} sessions (a {@code ConcurrentHashMap}, the example
 * {@link CopyingSessionStore}) back and forth while 4 caller threads call it as fast as they can
 * (3 reads, then 1 increment, on random sessions). With {@code preCopy=true} the map is copied while
 * the store serves and only the sessions written meanwhile are carried while calls are held
 * ({@code PreCopyComponent}); with {@code preCopy=false} the same store, with the capability
 * switched off, exports and imports the whole map while calls are held (the plain transfer).
 *
 * <p>JMH's single-shot time is the time to complete one swap. Each fork prints, over the measurement
 * iterations: {@code caller-wait} (the longest time any caller was held by the mediator in each
 * swap, as {@code SwapUnderLoadBenchmark}), {@code held} (the Blocked phase's length: draining the
 * calls in flight plus the transfer while calls are held, the latter also shown alone) and
 * {@code copy} (the copy while serving),
 * each as p50, p99 and max in an HdrHistogram. Issue 22's goal: caller-wait p99 &lt;= 10 ms at 1 M
 * sessions with the capability.
 *
 * <p>10 M sessions need a larger heap than the fork's default 4 GiB (the setup refuses, saying so):
 * {@code -p size=10000000 -jvmArgsAppend -Xmx8g} (measured in docs/measurements.md, issue 22).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 20)
@Fork(value = 1, jvmArgsAppend = "-Xmx4g")
@Threads(1)
public class LargeStateSwapBenchmark {

    static final int CALLERS = 4;

    @Param("1000000")
    public int size;

    @Param({"true", "false"})
    public boolean preCopy;

    /** Each caller's every {@code writeEvery}-th call is an increment, the others reads (4: 25 % writes). */
    @Param("4")
    public int writeEvery;

    private Engine engine;
    private long id;
    private int i;
    private volatile boolean running;
    private final List<Thread> callers = new ArrayList<>();
    private final Histogram callerWait = new Histogram(TimeUnit.SECONDS.toNanos(600), 3);
    private final Histogram held = new Histogram(TimeUnit.SECONDS.toNanos(600), 3);
    private final Histogram copy = new Histogram(TimeUnit.SECONDS.toNanos(600), 3);
    private final Histogram lastTransfer = new Histogram(TimeUnit.SECONDS.toNanos(600), 3);
    private long rolledBack;
    private String lastProblem;
    private boolean measuring;
    private static final String[] TARGETS = {"b", "a"};

    /** The same store without the capability: its state moves with exportState/importState while calls are held. */
    static final class PlainTransferStore extends CopyingSessionStore {
        PlainTransferStore(String version) {
            super(65_536, version);
        }

        @Override
        public List<StateFormat<?>> preCopyFormats() {
            return List.of();
        }
    }

    /** Heap a session may take at the peak of a swap (old store, new store, and without pre-copy the exported copy), bytes; a bound, not a measurement. */
    static final long BYTES_PER_SESSION = 600;

    @Setup(Level.Trial)
    public void setUp() {
        long heap = Runtime.getRuntime().maxMemory();
        if (size <= 0 || (double) size * BYTES_PER_SESSION > heap) {
            throw new IllegalArgumentException(size <= 0 ? "size must be > 0 sessions, e.g. -p size=1000000"
                    : String.format(java.util.Locale.ROOT, "size %,d wants a heap of %.1f GiB (%d bytes a session), this fork has %.1f GiB: add -jvmArgsAppend -Xmx%dg",
                            size, size * (double) BYTES_PER_SESSION / (1L << 30), BYTES_PER_SESSION, heap / (double) (1L << 30),
                            Math.max(4, (long) Math.ceil(size * (double) BYTES_PER_SESSION / (1L << 30)) + 2)));
        }
        StandaloneSource source = new StandaloneSource();
        for (String name : TARGETS) {
            source.add(SessionStore.class, name, "1.0.0", preCopy ? () -> new CopyingSessionStore(65_536, name) : () -> new PlainTransferStore(name));
        }
        engine = new Engine(source);
        engine.configure(60_000, 256);
        engine.transferTimeout(600_000);
        var e = engine.create(SessionStore.class, "a");
        id = e.id();
        SessionStore h = e.handle();
        for (int k = 0; k < size; k++) {
            h.put("session-" + k, k);
        }
        running = true;
        for (int t = 0; t < CALLERS; t++) {
            long seed = t;
            Thread th = new Thread(() -> {
                SplittableRandom rnd = new SplittableRandom(seed);
                long sink = 0;
                int n = 0;
                while (running) {
                    String key = "session-" + rnd.nextInt(size);
                    sink += ++n % writeEvery == 0 ? h.increment(key) : h.get(key);
                }
                if (sink == 42) {
                    System.out.print("");
                }
            }, "caller-" + t);
            th.setDaemon(true);
            callers.add(th);
            th.start();
        }
    }

    @Setup(Level.Iteration)
    public void iteration(IterationParams params) {
        measuring = params.getType() == IterationType.MEASUREMENT;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
        System.out.printf("%nsize %,d preCopy %s writeEvery %d over the measurement iterations (ms): caller-wait p50 %.3f p99 %.3f max %.3f;"
                + " held p50 %.3f p99 %.3f max %.3f (of which the transfer while held p50 %.3f p99 %.3f); copy p50 %.1f p99 %.1f; %d swaps, %d rolled back%s%n",
                size, preCopy, writeEvery, ms(callerWait, 50), ms(callerWait, 99), callerWait.getMaxValue() / 1e6, ms(held, 50), ms(held, 99),
                held.getMaxValue() / 1e6, ms(lastTransfer, 50), ms(lastTransfer, 99), ms(copy, 50), ms(copy, 99), callerWait.getTotalCount(), rolledBack,
                lastProblem == null ? "" : " (" + lastProblem + ")");
        running = false;
        for (Thread t : callers) {
            t.join();
        }
        engine.shutdown();
    }

    private static double ms(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1e6;
    }

    @Benchmark
    public SwapResult swapLargeState() {
        SwapResult r = engine.swap(id, TARGETS[i++ & 1], null).toCompletableFuture().join();
        if (!measuring) {
            return r;
        }
        if (r.outcome == SwapOutcome.COMPLETED) {
            callerWait.recordValue(Math.min(r.longestWaitNanos, callerWait.getHighestTrackableValue()));
            held.recordValue(Math.min(r.blockedNanos + r.transferNanos - r.copyNanos, held.getHighestTrackableValue()));
            copy.recordValue(Math.min(r.copyNanos, copy.getHighestTrackableValue()));
            lastTransfer.recordValue(Math.min(r.transferNanos - r.copyNanos, lastTransfer.getHighestTrackableValue()));
        } else {
            rolledBack++;
            lastProblem = r.reason;
        }
        return r;
    }
}
