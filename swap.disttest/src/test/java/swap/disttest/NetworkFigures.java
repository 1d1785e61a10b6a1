package swap.disttest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.HdrHistogram.Histogram;

/**
 * The figures of one network run (issue 26), the same for this platform ({@link NetworkExampleIT}) and for
 * the restart-behind-a-proxy setup ({@link ProxyRestartIT}): printed as text ({@code figures.txt}) and as
 * {@code key=value} lines ({@code figures.properties}, which {@code swap.disttest/network-compare.sh} puts
 * side by side).
 */
final class NetworkFigures {
    private final Map<String, String> values = new LinkedHashMap<>();
    private final StringBuilder text = new StringBuilder();

    /**
     * @param setup        what served the load (one line)
     * @param kinds        what one upgrade was
     * @param carried      upgrades after which the probe client's counter went on by exactly one
     * @param transcript   one line per upgrade
     */
    NetworkFigures(String setup, int connections, int upgrades, String kinds, HttpLoad load, NetworkExampleIT.Probe before,
            NetworkExampleIT.Probe after, int carried, List<String> transcript, long gapMicros) {
        transcript.forEach(l -> text.append(l).append('\n'));
        line("setup", "setup", setup);
        line("connections", "connections", Integer.toString(connections));
        line("upgrades", "upgrades", upgrades + " (" + kinds + ")");
        line("answers", "answers counted", String.format("%,d", load.ok()) + " (" + load.implementations() + ")");
        line("failed", "requests failed", load.failed() + " (" + load.limited() + " of them 429 rate limited, " + load.lost()
                + " lost with their connection)");
        line("limited", "429 rate limited", Long.toString(load.limited()));
        line("lost", "requests lost", Long.toString(load.lost()));
        line("dropped", "connections dropped", Long.toString(load.dropped()));
        line("breaks", "counter breaks", load.counterBreaks() + " (an answer whose per-client request=N is not the previous N + 1)");
        line("cacheLost", "cached pages lost", Long.toString(load.cacheLosses()));
        line("steady", "latency, steady state", HttpLoad.latency(load.steady()));
        line("upgrade", "latency, upgrade + 1 s", HttpLoad.latency(load.upgrade()));
        line("ratio", "p99 upgrade / steady", String.format("%.2f", p99(load.upgrade()) / Math.max(1, p99(load.steady()))));
        line("busiest", "busiest client second", load.busiestSecond() + " requests; client gap "
                + (gapMicros > 0 ? "at least " + gapMicros + " us" : "none"));
        line("probe", "probe client counter", before.request() + " before, " + after.request() + " after (" + (upgrades + 1)
                + " probes between); went on by one across " + carried + " of " + upgrades + " upgrades");
        line("carried", "counter carried", carried + "/" + upgrades);
        line("cache", "cache entries", before.cache() + " before, " + after.cache() + " after");
        line("problems", "first problems", String.join("\n                            ", load.problems()));
        values.put("steadyP50", ms(load.steady(), 50));
        values.put("steadyP99", ms(load.steady(), 99));
        values.put("steadyMax", String.format("%.1f", load.steady().getMaxValue() / 1e6));
        values.put("upgradeP50", ms(load.upgrade(), 50));
        values.put("upgradeP99", ms(load.upgrade(), 99));
        values.put("upgradeMax", String.format("%.1f", load.upgrade().getMaxValue() / 1e6));
        values.put("ok", Long.toString(load.ok()));
    }

    private void line(String key, String label, String value) {
        values.put(key, value.lines().findFirst().orElse(""));
        text.append(String.format("%-28s%s%n", label, value));
    }

    private static double p99(Histogram h) {
        return h.getValueAtPercentile(99);
    }

    private static String ms(Histogram h, double percentile) {
        return String.format("%.1f", h.getValueAtPercentile(percentile) / 1e6);
    }

    String text() {
        return text.toString();
    }

    /** Writes figures.txt and figures.properties into {@code dir}. */
    void write(Path dir) throws IOException {
        Files.writeString(dir.resolve("figures.txt"), text());
        StringBuilder p = new StringBuilder();
        values.forEach((k, v) -> p.append(k).append('=').append(v.replace("\\", "\\\\")).append('\n'));
        Files.writeString(dir.resolve("figures.properties"), p);
    }
}
