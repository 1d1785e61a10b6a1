package swap.bench;

import java.util.SplittableRandom;

import swap.api.EntryDTO;

/**
 * {@link FcmWorkloadBenchmark#phased}, phase by phase: how fast each implementation runs the
 * one-thread phase and the four-thread phase, and where {@code auto} is at each change. The
 * benchmark's score is operations per second over both phases; this shows what it is made of (and
 * so the best {@code auto} could reach: the better one-thread rate and the better four-thread rate).
 *
 * <p>{@code java -cp swap.bench/target/benchmarks.jar swap.bench.FcmPhaseTimes [ROUNDS [IMPL...]]},
 * default 5 rounds of shared, distributed and auto, each in a fresh set-up in this JVM (the first
 * round includes the JIT's warm-up).
 */
public final class FcmPhaseTimes {

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        String[] impls = args.length > 1 ? java.util.Arrays.copyOfRange(args, 1, args.length) : new String[] {"shared", "distributed", "auto"};
        for (String impl : impls) {
            run(impl, rounds);
        }
    }

    static void run(String impl, int rounds) throws Exception {
        FcmWorkloadBenchmark b = new FcmWorkloadBenchmark();
        b.impl = impl;
        b.dir = "";
        b.partitions = 0;
        b.workload = "phased";
        b.setUp();
        System.gc();
        int n = FcmWorkloadBenchmark.PHASE_OPS;
        SplittableRandom rnd = new SplittableRandom(1);
        byte[] buf = new byte[FcmWorkloadBenchmark.PAGE];
        long sum = 0;
        try {
            for (int r = 0; r < rounds; r++) {
                String atStart = where(b);
                long t0 = System.nanoTime();
                sum += b.onePhase(rnd, buf);
                long t1 = System.nanoTime();
                String atChange = where(b);
                sum += b.manyPhase(rnd);
                long t2 = System.nanoTime();
                System.out.printf("%-11s round %d: 1 thread %.2f M ops/s (%s), %d threads %.2f M ops/s (%s), both %.2f M ops/s%n", impl, r,
                        n * 1e3 / (t1 - t0), atStart, FcmWorkloadBenchmark.PHASE_THREADS, n * 1e3 / (t2 - t1), atChange, 2 * n * 1e3 / (t2 - t0));
            }
        } finally {
            b.tearDown();
        }
        if (sum == 42) {
            System.out.println();
        }
    }

    /** The phased file's implementation and swap count now. */
    static String where(FcmWorkloadBenchmark b) {
        for (EntryDTO d : b.engine.list()) {
            return d.implementation + ", " + d.swaps + " swaps";
        }
        return "?";
    }
}
