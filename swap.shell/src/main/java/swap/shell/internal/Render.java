package swap.shell.internal;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import swap.api.EntryDTO;
import swap.api.ImplementationDTO;
import swap.api.PolicyDTO;
import swap.api.SwapConstants;
import swap.api.SwapResult;

/** The console rendering of the shell's DTOs: {@code lb}-style tables and {@code key: value} blocks. Stateless. */
final class Render {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss", Locale.ROOT).withZone(ZoneId.systemDefault());

    private Render() {
    }

    // ------------------------------------------------------------------ entries

    static String entries(List<EntryDTO> entries) {
        Table t = new Table("ID", "Interface", "Implementation", "Version", "Bundle", "State", "Swaps", "Rollbacks", "Last swap");
        t.rightAligned(0, 6, 7);
        for (EntryDTO e : entries) {
            t.row(String.valueOf(e.id), e.iface, e.implementation, e.version, orDash(e.bundle), e.state,
                    String.valueOf(e.swaps), String.valueOf(e.rollbacks), lastSwap(e.lastSwap));
        }
        String table = t.render(entries.isEmpty() ? "no entries: fcm:open PATH opens a file, swap:create INTERFACE TARGET creates a component" : null);
        StringBuilder why = new StringBuilder();
        for (EntryDTO e : entries) {
            if (e.stateReason != null) {
                why.append("\nentry ").append(e.id).append(' ').append(e.state).append(": ").append(e.stateReason);
            }
        }
        return table + why;
    }

    static String lastSwap(SwapResult r) {
        if (r == null) {
            return "-";
        }
        return r.outcome + " " + time(r.endedAtMillis) + (r.to == null ? "" : " to " + r.to);
    }

    static String entryLine(EntryDTO e) {
        return "entry " + e.id + " " + e.iface + " -> " + e.implementation + " " + e.version + " " + e.state;
    }

    static String entry(EntryDTO e) {
        Block b = new Block();
        b.add("entry", String.valueOf(e.id));
        b.add("interface", e.iface);
        b.add("implementation", e.implementation + " " + e.version);
        b.add("bundle", orDash(e.bundle));
        b.add("state", e.state + (e.stateReason == null ? "" : ": " + e.stateReason));
        b.add("revision", e.revision == null ? "-" : "bundle " + e.bundleId + " " + e.revision);
        b.add("swaps", e.swaps + " completed, " + e.rollbacks + " rolled back, " + e.failures + " failed");
        b.add("interposers", list(e.interposers));
        b.add("exports", list(e.exportFormats));
        b.add("imports", list(e.importFormats));
        b.add("last swap", e.lastSwap == null ? "-" : resultLine(e.lastSwap));
        if (e.lastSwap != null && e.lastSwap.copyNanos > 0) {
            b.add("last copy", String.format(Locale.ROOT, "%,d units copied while serving in %s, %d delta round(s); calls held %s, transfer %s",
                    e.lastSwap.copiedUnits, ms(e.lastSwap.copyNanos), e.lastSwap.deltaRounds, ms(e.lastSwap.blockedNanos),
                    ms(e.lastSwap.transferNanos)));
        }
        if (e.safety != null) {
            b.add("in progress", e.safety);
        }
        if (e.transfer != null) {
            b.add("transfer", e.transfer);
        }
        return b.toString();
    }

    // ------------------------------------------------------------------ implementations

    static String implementations(Dtos.ImplementationTable impls) {
        Table t = new Table("Interface", "Name", "Version", "Bundle", "Service", "Characteristics", "Exports", "Imports", "Entries", "Trust");
        for (Dtos.Implementation i : impls) {
            ImplementationDTO d = i.implementation;
            t.row(d.iface, d.name, d.version, d.bundle == null ? "-" : d.bundle + " [" + d.bundleId + "]", String.valueOf(d.serviceId), characteristics(d.properties),
                    i.exportFormats == null ? "?" : String.join(",", i.exportFormats),
                    i.importFormats == null ? "?" : String.join(",", i.importFormats),
                    i.entries.isEmpty() ? "-" : joinLongs(i.entries),
                    d.refused == null ? "trusted" : "REFUSED: " + d.refused);
        }
        String empty = impls.iface == null ? "no implementations registered: install and start a bundle that provides one"
                : "no implementation of " + impls.iface + " registered: install and start a bundle that provides one";
        return t.render(impls.isEmpty() ? empty : null)
                + (impls.stream().anyMatch(i -> i.exportFormats == null) ? "\n(? = formats known once an entry runs the implementation)" : "");
    }

    /** The service properties an operator can select on: everything but the framework's and DS's own. */
    static String characteristics(Map<String, Object> properties) {
        List<String> l = new ArrayList<>();
        if (properties != null) {
            for (Map.Entry<String, Object> p : properties.entrySet()) {
                String k = p.getKey();
                if (k.startsWith("service.") || k.startsWith("component.") || k.startsWith("osgi.ds.") || k.equals("objectClass")
                        || k.equals("swap.impl.name") || k.equals("swap.impl.version")) {
                    continue;
                }
                l.add(k + "=" + value(p.getValue()));
            }
        }
        return l.isEmpty() ? "-" : String.join(" ", l);
    }

    // ------------------------------------------------------------------ swap results

    static String result(SwapResult r) {
        Block b = new Block();
        b.add("entry", String.valueOf(r.entryId));
        b.add("outcome", String.valueOf(r.outcome));
        b.add("from", orDash(r.from));
        b.add("to", orDash(r.to));
        b.add("format", orDash(r.format));
        if (r.instantiateNanos == 0 && r.forwardNanos == 0 && r.blockedNanos == 0 && r.transferNanos == 0) {
            // nothing was swapped (refused, or a canary that did not commit): no phases to show
            b.add("phases", "none: the entry was not swapped" + (r.totalNanos > 0 ? " (took " + ms(r.totalNanos) + ")" : ""));
        } else {
            b.add("phases", "instantiate " + ms(r.instantiateNanos) + ", forward " + ms(r.forwardNanos) + ", blocked "
                    + ms(r.blockedNanos) + ", transfer " + ms(r.transferNanos) + ", total " + ms(r.totalNanos));
        }
        b.add("held calls", r.waitedCalls + " (longest " + ms(r.longestWaitNanos) + ")");
        b.add("ended", time(r.endedAtMillis));
        b.add("reason", orDash(r.reason));
        if (r.figures != null) {
            b.add("figures", r.figures.toString());
        }
        if (r.mismatches != null) {
            for (swap.api.MismatchDTO m : r.mismatches) {
                b.add("mismatch", m.toString());
            }
        }
        return b.toString();
    }

    static String resultLine(SwapResult r) {
        return r.outcome + " " + time(r.endedAtMillis) + " " + orDash(r.from) + " -> " + orDash(r.to) + ", format " + orDash(r.format)
                + ", " + ms(r.totalNanos) + (r.reason == null ? "" : ": " + r.reason);
    }

    static String history(List<SwapResult> results) {
        Table t = new Table("Ended", "Entry", "Outcome", "From", "To", "Format", "Total", "Reason");
        t.rightAligned(1, 6);
        for (SwapResult r : results) {
            t.row(time(r.endedAtMillis), String.valueOf(r.entryId), String.valueOf(r.outcome), orDash(r.from), orDash(r.to),
                    orDash(r.format), ms(r.totalNanos), orDash(r.reason));
        }
        return t.render(results.isEmpty() ? "no swaps yet" : null);
    }

    // ------------------------------------------------------------------ stats, load, policies, monitors

    static String stats(Dtos.Stats s) {
        Block b = new Block();
        EntryDTO e = s.entry;
        b.add("entry", e.id + " " + e.iface + " -> " + e.implementation + " " + e.version + " " + e.state);
        b.add("swaps", e.swaps + " completed, " + e.rollbacks + " rolled back, " + e.failures + " failed");
        b.add("last swap", e.lastSwap == null ? "-" : resultLine(e.lastSwap));
        if (s.cache != null) {
            b.add("cache", map(s.cache));
        }
        if (s.load != null) {
            b.add("load", loadLine(s.load));
        }
        if (s.monitors.isEmpty() && s.silentMonitors.isEmpty()) {
            b.add("monitors", "none: swap:interpose " + e.id + " MONITOR adds one (swap:monitors lists them)");
        }
        for (Map.Entry<String, Map<String, Object>> m : s.monitors.entrySet()) {
            b.add("monitor " + m.getKey(), m.getValue().isEmpty() ? "(exposes no statistics)" : map(m.getValue()));
        }
        for (String name : s.silentMonitors) {
            b.add("monitor " + name, "(measures nothing)");
        }
        return b.toString();
    }

    /**
     * {@code fcm:stat}: one row per open file. The counter columns are {@link FileStats#counters}'s
     * entries under their names (those of {@code swap:stats ID}'s cache line), rendered by {@link #value}.
     */
    static String fileStats(Dtos.FileStatTable files) {
        String[] counters = {FileStats.HITS, FileStats.MISSES, FileStats.READ_AHEAD, FileStats.READ_AHEAD_WASTED};
        Table t = new Table("ID", "Path", "Implementation", counters[0], counters[1], counters[2], counters[3], "Pattern");
        t.rightAligned(0, 3, 4, 5, 6);
        StringBuilder why = new StringBuilder();
        for (Dtos.FileStat f : files) {
            String[] row = new String[8];
            row[0] = String.valueOf(f.id);
            row[1] = orDash(f.path);
            row[2] = orDash(f.implementation);
            for (int i = 0; i < counters.length; i++) {
                Object v = f.cache == null ? null : f.cache.get(counters[i]);
                row[3 + i] = v == null ? "?" : value(v);
            }
            row[7] = f.pattern == null ? "-" : f.pattern;
            t.row(row);
            if (f.cache != null && f.cache.containsKey(FileStats.UNAVAILABLE)) {
                why.append("\nentry ").append(f.id).append(": counters unavailable: ").append(f.cache.get(FileStats.UNAVAILABLE));
            }
        }
        String table = t.render(files.isEmpty() ? "no open files: fcm:open PATH opens one" : null);
        boolean monitored = files.stream().anyMatch(f -> f.pattern != null);
        String note = files.isEmpty() || monitored ? ""
                : "\n(Pattern: the access-pattern monitor's class; swap:interpose ID access-pattern puts it on a file)";
        return table + why + note;
    }

    static String loadLine(Dtos.Load l) {
        return (l.running ? "running" : "ended") + ", " + l.threads + " thread(s) for " + l.seconds + " s, "
                + l.reads + " reads, " + l.writes + " writes, " + l.errors + " errors, "
                + String.format(Locale.ROOT, "%.0f ops/s", l.opsPerSecond) + " over " + l.elapsedMillis + " ms"
                + (l.lastError == null ? "" : "; last error: " + l.lastError);
    }

    static String load(Dtos.Load l) {
        return "load on entry " + l.entryId + ": " + loadLine(l) + (l.running ? " (swap:stats " + l.entryId + " shows progress)" : "");
    }

    static String policies(Dtos.PolicyTable policies) {
        Table t = new Table("Name", "Enabled", "Entry", "Evaluations", "Last decision");
        t.rightAligned(2, 3);
        for (PolicyDTO p : policies) {
            t.row(p.name, p.enabled ? "on" : "off", p.entryId < 0 ? "-" : String.valueOf(p.entryId), String.valueOf(p.evaluations),
                    p.lastDecision == null ? "-" : time(p.lastDecisionAtMillis) + " " + p.lastDecision);
        }
        String empty = !policies.runner ? "no policy runner: bundle swap.monitor provides it"
                : "no policies configured (configuration PID swap.policy)";
        return t.render(policies.isEmpty() ? empty : null);
    }

    static String monitors(Dtos.MonitorTable monitors) {
        Table t = new Table("Name", "On entries");
        for (Dtos.Monitor m : monitors) {
            t.row(m.name, m.entries.isEmpty() ? "-" : joinLongs(m.entries));
        }
        return t.render(monitors.isEmpty() ? "no monitors registered (swap.api.Interposer services with the property "
                + SwapConstants.INTERPOSER_NAME + ")" : null);
    }

    static String health(Dtos.Health h) {
        Block b = new Block();
        b.add("status", h.status);
        for (String[] m : h.messages) {
            b.add(m[0], m[1]);
        }
        return b.toString();
    }

    static String opened(Dtos.Opened o) {
        return "entry " + o.id + ": " + o.path + " (" + o.implementation + ", " + o.size + " bytes)";
    }

    static String read(Dtos.Read r) {
        if (r.count < 0) {
            return "(end of file: nothing to read at offset " + r.offset + (r.size >= 0 ? ", the file has " + r.size + " bytes" : "") + ")";
        }
        String shortRead = null;
        if (r.count < r.requested) {
            long end = r.offset + r.count;
            shortRead = "(" + r.count + " of " + r.requested + " bytes read: "
                    + (r.size >= 0 && end < r.size ? "fcm:read " + r.id + " " + end + " " + (r.requested - r.count) + " reads the rest)"
                            : "the file ends at offset " + end + ")");
        }
        if (r.count == 0) {
            return shortRead != null ? shortRead : "(0 bytes read at " + r.offset + ")";
        }
        String text;
        if (r.zeros) {
            text = "(" + r.count + " zero bytes at " + r.offset + ")";
        } else {
            // other control characters (e.g. a NUL inside text) would print as nothing: show them as '.'
            StringBuilder b = new StringBuilder(r.text.length());
            r.text.codePoints().forEach(c -> b.appendCodePoint(Character.isISOControl(c) && c != '\n' && c != '\t' ? '.' : c));
            text = b.toString();
        }
        return shortRead == null ? text : text + "\n" + shortRead;
    }

    // ------------------------------------------------------------------ helpers

    static String ms(long nanos) {
        return String.format(Locale.ROOT, "%.3f ms", nanos / 1e6);
    }

    static String time(long epochMillis) {
        return epochMillis <= 0 ? "-" : TIME.format(Instant.ofEpochMilli(epochMillis));
    }

    static String orDash(String s) {
        return s == null || s.isEmpty() ? "-" : s;
    }

    static String list(List<String> l) {
        return l == null || l.isEmpty() ? "-" : String.join(", ", l);
    }

    static String joinLongs(List<Long> l) {
        List<String> s = new ArrayList<>();
        for (Long x : l) {
            s.add(String.valueOf(x));
        }
        return String.join(",", s);
    }

    static String value(Object v) {
        if (v instanceof Object[]) {
            List<String> l = new ArrayList<>();
            for (Object o : (Object[]) v) {
                l.add(String.valueOf(o));
            }
            return String.join(",", l);
        }
        if (v instanceof Double || v instanceof Float) {
            return String.format(Locale.ROOT, "%.3f", ((Number) v).doubleValue());
        }
        return String.valueOf(v);
    }

    static String map(Map<String, Object> m) {
        List<String> l = new ArrayList<>();
        for (Map.Entry<String, Object> e : m.entrySet()) {
            l.add(e.getKey() + "=" + value(e.getValue()));
        }
        return String.join(" ", l);
    }

    /** An {@code lb}-style table: columns separated by {@code |}, widths fitted to the content. */
    static final class Table {
        private final String[] header;
        private final List<String[]> rows = new ArrayList<>();
        private final boolean[] right;

        Table(String... header) {
            this.header = header;
            this.right = new boolean[header.length];
        }

        void rightAligned(int... columns) {
            for (int c : columns) {
                right[c] = true;
            }
        }

        void row(String... cells) {
            String[] r = new String[header.length];
            for (int i = 0; i < r.length; i++) {
                r[i] = i < cells.length && cells[i] != null ? ShellException.oneLine(cells[i]) : "";
            }
            rows.add(r);
        }

        String render(String whenEmpty) {
            int[] w = new int[header.length];
            for (int i = 0; i < w.length; i++) {
                w[i] = header[i].length();
                for (String[] r : rows) {
                    w[i] = Math.max(w[i], r[i].length());
                }
            }
            StringBuilder b = new StringBuilder();
            line(b, header, w);
            for (String[] r : rows) {
                b.append('\n');
                line(b, r, w);
            }
            if (whenEmpty != null) {
                b.append('\n').append(whenEmpty);
            }
            return b.toString();
        }

        private void line(StringBuilder b, String[] cells, int[] w) {
            for (int i = 0; i < cells.length; i++) {
                if (i > 0) {
                    b.append('|');
                }
                String c = cells[i];
                boolean last = i == cells.length - 1;
                if (right[i]) {
                    b.append(" ".repeat(w[i] - c.length())).append(c);
                } else {
                    b.append(c);
                    if (!last) {
                        b.append(" ".repeat(w[i] - c.length()));
                    }
                }
            }
        }
    }

    /** {@code key   value} lines, keys padded to one width. */
    static final class Block {
        private final List<String[]> lines = new ArrayList<>();

        void add(String key, String value) {
            lines.add(new String[] {key, value});
        }

        @Override
        public String toString() {
            int w = 0;
            for (String[] l : lines) {
                w = Math.max(w, l[0].length());
            }
            StringBuilder b = new StringBuilder();
            for (String[] l : lines) {
                if (b.length() > 0) {
                    b.append('\n');
                }
                b.append(l[0]).append(" ".repeat(w - l[0].length() + 2)).append(l[1]);
            }
            return b.toString();
        }
    }
}
