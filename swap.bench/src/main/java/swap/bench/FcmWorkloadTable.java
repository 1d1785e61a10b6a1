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
 * cell (operations per second) and the ratio distributed / shared.
 *
 * <p>{@code java -cp swap.bench/target/benchmarks.jar swap.bench.FcmWorkloadTable [threads...]}
 * (default threads 1 2 4 8). Each cell: 1 fork, 2 warm-up and 3 measured iterations of 1 s.
 */
public final class FcmWorkloadTable {

    public static void main(String[] args) throws Exception {
        int[] threads = args.length == 0 ? new int[] {1, 2, 4, 8} : java.util.Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
        String[] workloads = {"postmark", "sdet", "search"};
        String[] impls = {"shared", "distributed"};
        Map<String, Double> median = new LinkedHashMap<>();
        for (String w : workloads) {
            for (int t : threads) {
                ChainedOptionsBuilder o = new OptionsBuilder()
                        .include(FcmWorkloadBenchmark.class.getName() + "." + w + "$")
                        .param("impl", impls)
                        .threads(t)
                        .verbosity(VerboseMode.SILENT);
                Collection<RunResult> results = new Runner(o.build()).run();
                for (RunResult r : results) {
                    String impl = r.getParams().getParam("impl");
                    double m = medianOf(r);
                    median.put(w + "/" + impl + "/" + t, m);
                    System.err.printf("%-9s %-12s t=%d  median %,.0f ops/s%n", w, impl, t, m);
                }
            }
        }
        StringBuilder b = new StringBuilder();
        b.append("| workload | threads | shared (ops/s) | distributed (ops/s) | distributed / shared |\n");
        b.append("|---|---:|---:|---:|---:|\n");
        for (String w : workloads) {
            for (int t : threads) {
                double s = median.get(w + "/shared/" + t);
                double d = median.get(w + "/distributed/" + t);
                b.append(String.format("| %s | %d | %,.0f | %,.0f | %.2f |%n", w, t, s, d, d / s));
            }
        }
        System.out.print(b);
    }

    static double medianOf(RunResult r) {
        List<Double> scores = new ArrayList<>();
        for (BenchmarkResult br : r.getBenchmarkResults()) {
            for (IterationResult ir : br.getIterationResults()) {
                scores.add(ir.getPrimaryResult().getScore());
            }
        }
        scores.sort(Double::compare);
        int n = scores.size();
        return n % 2 == 1 ? scores.get(n / 2) : (scores.get(n / 2 - 1) + scores.get(n / 2)) / 2;
    }
}
