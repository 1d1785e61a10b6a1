package swap.bench;

import java.util.ArrayList;
import java.util.Collection;
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
 * Runs {@link FcmWorkloadBenchmark} for every workload, both implementations and 1, 2, 4 and 8
 * threads in one go, and prints the README table: the median of the measured iterations of each
 * cell (operations per second), the ratio distributed / shared, and the spread of each cell's
 * iterations ((max - min) / median), which shows how much the machine's other load moved it.
 *
 * <p>{@code java -cp swap.bench/target/benchmarks.jar swap.bench.FcmWorkloadTable [threads...]}
 * (default threads 1 2 4 8). Each cell: 1 fork, 2 warm-up and 5 measured iterations of 1 s.
 */
public final class FcmWorkloadTable {

    public static void main(String[] args) throws Exception {
        int[] threads = args.length == 0 ? new int[] {1, 2, 4, 8} : java.util.Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
        String[] workloads = {"postmark", "sdet", "search"};
        String[] impls = {"shared", "distributed", "auto"};
        Map<String, Double> median = new LinkedHashMap<>();
        Map<String, Double> spread = new LinkedHashMap<>();
        for (String w : workloads) {
            for (int t : threads) {
                ChainedOptionsBuilder o = new OptionsBuilder()
                        .include(FcmWorkloadBenchmark.class.getName() + "." + w + "$")
                        .param("impl", impls)
                        .threads(t)
                        .measurementIterations(5)
                        .verbosity(VerboseMode.SILENT);
                Collection<RunResult> results = new Runner(o.build()).run();
                for (RunResult r : results) {
                    String impl = r.getParams().getParam("impl");
                    List<Double> scores = scores(r);
                    double m = median(scores);
                    double sp = (scores.get(scores.size() - 1) - scores.get(0)) / m;
                    median.put(w + "/" + impl + "/" + t, m);
                    spread.put(w + "/" + impl + "/" + t, sp);
                    System.err.printf("%-9s %-12s t=%d  median %,.0f ops/s, iterations %s%n", w, impl, t, m, scores);
                }
            }
        }
        StringBuilder b = new StringBuilder();
        b.append("| workload | threads | shared (ops/s) | distributed (ops/s) | auto (ops/s) | distributed / shared | auto / better static | spread shared / distributed / auto |\n");
        b.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (String w : workloads) {
            for (int t : threads) {
                double s = median.get(w + "/shared/" + t);
                double d = median.get(w + "/distributed/" + t);
                double a = median.get(w + "/auto/" + t);
                b.append(String.format("| %s | %d | %,.0f | %,.0f | %,.0f | %.2f | %.2f | %.0f %% / %.0f %% / %.0f %% |%n", w, t, s, d, a, d / s,
                        a / Math.max(s, d), 100 * spread.get(w + "/shared/" + t), 100 * spread.get(w + "/distributed/" + t),
                        100 * spread.get(w + "/auto/" + t)));
            }
        }
        System.out.print(b);
    }

    /** The measured iterations' scores, sorted. */
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
