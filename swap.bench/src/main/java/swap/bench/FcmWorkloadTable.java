package swap.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Runs {@link FcmWorkloadBenchmark} for the rows of docs/file-cache.md (workload and threads) with the three
 * implementations {@code shared}, {@code distributed} and {@code auto}, and prints the table: per
 * cell the median of every measured iteration of every fork (operations per second) and the spread
 * ((max - min) / median over those iterations), the ratios shared / distributed,
 * distributed / shared, and auto / the better static (and, for {@code phased}, auto / each static),
 * and the machine's mean load average while the row ran. The forks of a row are interleaved
 * (shared, distributed, auto, shared, ...), so each ratio compares cells measured over the same
 * stretch of time on the same machine.
 *
 * <p>{@code java -cp swap.bench/target/benchmarks.jar swap.bench.FcmWorkloadTable [FORKS [ROW...]]},
 * a row being {@code workload:threads}; default 3 forks and the rows postmark:1, sdet:1, sdet:4,
 * search:1, search:4, cached:1, cached:4, phased:1. Each fork: 2 warm-up (postmark 6) and 5
 * measured iterations of 1 s ({@code phased}: 1 and 3 iterations, each at least one invocation of
 * two phases), with a full collection before each iteration (JMH's {@code -gc true}): without it a
 * fork's throughput moved by up to 2 x from one iteration to the next with the same compiled code
 * (sdet, one thread, shared: 4.4 to 8.3 M operations/s), as collections moved the cached pages.
 */
public final class FcmWorkloadTable {

    static final String[] DEFAULT_ROWS = {"postmark:1", "sdet:1", "sdet:4", "search:1", "search:4", "cached:1", "cached:4", "phased:1"};

    public static void main(String[] args) throws Exception {
        int forks = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        String[] rows = args.length > 1 ? java.util.Arrays.copyOfRange(args, 1, args.length) : DEFAULT_ROWS;
        String[] impls = {"shared", "distributed", "auto"};
        Map<String, Double> median = new LinkedHashMap<>();
        Map<String, Double> spread = new LinkedHashMap<>();
        StringBuilder b = new StringBuilder();
        b.append("| workload | threads | shared (ops/s) | distributed (ops/s) | auto (ops/s) | shared / distributed | distributed / shared | auto / better static | spread shared / distributed / auto | load average |\n");
        b.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        for (String row : rows) {
            String w = row.substring(0, row.indexOf(':'));
            int t = Integer.parseInt(row.substring(row.indexOf(':') + 1));
            Map<String, List<Double>> all = new LinkedHashMap<>();
            double load = 0;
            // Forks interleaved (shared, distributed, auto, shared, ...), so that every implementation
            // samples the same stretches of the machine's other load.
            for (int f = 0; f < forks; f++) {
                for (String impl : impls) {
                    ChainedOptionsBuilder o = new OptionsBuilder()
                            .include(FcmWorkloadBenchmark.class.getName() + "." + w + "$")
                            .param("impl", impl)
                            .threads(t)
                            .forks(1)
                            .shouldDoGC(true)
                            .verbosity(VerboseMode.SILENT);
                    if (!w.equals("phased")) {
                        o.warmupIterations(w.equals("postmark") ? FcmWorkloadBenchmark.POSTMARK_WARMUPS : 2).measurementIterations(5);
                    }
                    load += os.getSystemLoadAverage();
                    for (RunResult r : new Runner(o.build()).run()) {
                        all.computeIfAbsent(impl, k -> new ArrayList<>()).addAll(scores(r));
                    }
                }
            }
            for (String impl : impls) {
                List<Double> scores = all.get(impl);
                scores.sort(Double::compare);
                double m = median(scores);
                median.put(row + "/" + impl, m);
                spread.put(row + "/" + impl, (scores.get(scores.size() - 1) - scores.get(0)) / m);
                System.err.printf("%-9s %-12s t=%d  median %,.0f ops/s, iterations %s%n", w, impl, t, m, scores);
            }
            double s = median.get(row + "/shared");
            double d = median.get(row + "/distributed");
            double a = median.get(row + "/auto");
            String autoRatio = String.format("%.2f", a / Math.max(s, d));
            if (w.equals("phased")) {
                autoRatio += String.format(" (%.2f x shared, %.2f x distributed)", a / s, a / d);
            }
            b.append(String.format("| %s | %d | %,.0f | %,.0f | %,.0f | %.2f | %.2f | %s | %.0f %% / %.0f %% / %.0f %% | %.1f |%n", w, t, s, d, a, s / d, d / s,
                    autoRatio, 100 * spread.get(row + "/shared"), 100 * spread.get(row + "/distributed"), 100 * spread.get(row + "/auto"),
                    load / (forks * impls.length)));
            System.err.print(b);
        }
        System.out.print(b);
    }

    /** The measured iterations' scores of every fork, sorted. */
    static List<Double> scores(RunResult r) {
        List<Double> scores = new ArrayList<>();
        for (BenchmarkResult br : r.getBenchmarkResults()) {
            for (IterationResult ir : br.getIterationResults()) {
                scores.add(ir.getPrimaryResult().getScore());
            }
        }
        scores.sort(Double::compare);
        return scores;
    }

    static double median(List<Double> scores) {
        int n = scores.size();
        return n % 2 == 1 ? scores.get(n / 2) : (scores.get(n / 2 - 1) + scores.get(n / 2)) / 2;
    }
}
