package swap.webconsole.internal;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

import swap.api.EntryDTO;
import swap.api.ImplementationDTO;
import swap.api.JournalRecordDTO;
import swap.api.SwapResult;
import swap.api.SwappableServiceDTO;

/**
 * The HTML of each page's content (the Web Console draws the frame around it): plain data in, escaped
 * HTML out, no OSGi and no service call. Forms of actions ask with GET for the confirmation page
 * ({@link #confirm}); only its POST form, with its confirm box ticked, performs the action. Stateless.
 */
final class Pages {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS", Locale.ROOT).withZone(ZoneId.systemDefault());

    private Pages() {
    }

    /** The entries, those whose row contains {@code filter} (any case) only; with each entry's actions. */
    static String entries(List<EntryDTO> all, String filter, Map<String, List<String>> targetsByInterface) {
        StringBuilder b = new StringBuilder();
        b.append("<form method=\"get\" class=\"swap-filter\"><label>Filter <input type=\"text\" name=\"q\" id=\"swap-filter\" value=\"")
                .append(Html.attr(filter)).append("\" placeholder=\"text in any column\"></label> <input type=\"submit\" value=\"Filter\"></form>");
        List<EntryDTO> shown = new ArrayList<>();
        for (EntryDTO e : all) {
            if (filter == null || filter.isBlank() || row(e).toLowerCase(Locale.ROOT).contains(filter.trim().toLowerCase(Locale.ROOT))) {
                shown.add(e);
            }
        }
        b.append("<p class=\"swap-count\">").append(shown.size()).append(" of ").append(all.size()).append(" entries</p>");
        b.append("<table class=\"tablelayout nicetable\" id=\"swap-entries\"><thead><tr><th>ID</th><th>Interface</th><th>Implementation</th><th>Version</th>"
                + "<th>Bundle</th><th>State</th><th>Swaps</th><th>Rollbacks</th><th>Failures</th><th>Interposers</th><th>Safety</th><th>Actions</th></tr></thead><tbody>");
        for (EntryDTO e : shown) {
            b.append("<tr data-entry=\"").append(e.id).append("\"><td>").append(e.id).append("</td><td>").append(Html.text(e.iface)).append("</td><td>")
                    .append(Html.text(e.implementation)).append("</td><td>").append(Html.text(e.version)).append("</td><td>").append(Html.text(e.bundle))
                    .append(e.bundleId >= 0 ? " [" + e.bundleId + "]" : "").append("</td><td>").append(Html.text(e.state))
                    .append(e.stateReason == null ? "" : "<br><small>" + Html.text(e.stateReason) + "</small>").append("</td><td>").append(e.swaps)
                    .append("</td><td>").append(e.rollbacks).append("</td><td>").append(e.failures).append("</td><td>")
                    .append(Html.text(e.interposers == null || e.interposers.isEmpty() ? null : String.join(", ", e.interposers))).append("</td><td>")
                    .append(Html.text(e.safety)).append("</td><td>");
            // swap / watch / canary to a target: a GET form that shows the confirmation page
            b.append("<form method=\"get\" class=\"swap-action\">").append(Html.hidden("id", e.id)).append("<select name=\"target\" aria-label=\"target\">");
            for (String t : targetsByInterface.getOrDefault(e.iface, List.of())) {
                b.append("<option value=\"").append(Html.attr(t)).append("\"").append('>')
                        .append(Html.text(t)).append("</option>");
            }
            b.append("</select> <button type=\"submit\" name=\"action\" value=\"swap\">Swap</button> <button type=\"submit\" name=\"action\" value=\"watch\">Watch</button>"
                    + " <button type=\"submit\" name=\"action\" value=\"canary\">Canary</button></form>");
            b.append("<form method=\"get\" class=\"swap-action\">").append(Html.hidden("id", e.id))
                    .append("<button type=\"submit\" name=\"action\" value=\"release\">Release</button></form>");
            b.append("</td></tr>");
        }
        b.append("</tbody></table>");
        return b.toString();
    }

    private static String row(EntryDTO e) {
        return e.id + " " + e.iface + " " + e.implementation + " " + e.version + " " + e.bundle + " " + e.bundleId + " " + e.state + " "
                + (e.interposers == null ? "" : String.join(" ", e.interposers)) + " " + e.safety;
    }

    /** Every registered implementation with the trust policy's verdict and the entries that run on it; an upgrade form per bundle. */
    static String implementations(List<ImplementationDTO> impls, List<EntryDTO> entries) {
        StringBuilder b = new StringBuilder();
        b.append("<table class=\"tablelayout nicetable\" id=\"swap-implementations\"><thead><tr><th>Interface</th><th>Name</th><th>Version</th><th>Bundle</th>"
                + "<th>Service</th><th>Trust</th><th>Entries</th></tr></thead><tbody>");
        Map<Long, String> bundles = new TreeMap<>();
        for (ImplementationDTO d : impls) {
            List<Long> on = new ArrayList<>();
            for (EntryDTO e : entries) {
                if (Objects.equals(e.iface, d.iface) && Objects.equals(e.implementation, d.name) && Objects.equals(e.version, d.version)
                        && Objects.equals(e.bundle, d.bundle)) {
                    on.add(e.id);
                }
            }
            bundles.put(d.bundleId, d.bundle + " " + d.version);
            b.append("<tr><td>").append(Html.text(d.iface)).append("</td><td>").append(Html.text(d.name)).append("</td><td>").append(Html.text(d.version))
                    .append("</td><td>").append(Html.text(d.bundle)).append(" [").append(d.bundleId).append("]</td><td>").append(d.serviceId).append("</td>")
                    .append(d.refused == null ? "<td class=\"swap-trusted\">trusted</td>" : "<td class=\"swap-refused\">refused: " + Html.text(d.refused) + "</td>")
                    .append("<td>").append(on.isEmpty() ? "-" : Html.text(on.toString().replaceAll("[\\[\\]]", ""))).append("</td></tr>");
        }
        b.append("</tbody></table>");
        b.append("<h3>Upgrade an implementation bundle</h3><p>Installs the new version beside the running one and moves every entry of the old bundle to it as"
                + " one atomic group (as <code>swap:upgrade</code>).</p>");
        b.append("<form method=\"get\" class=\"swap-action\" id=\"swap-upgrade\"><input type=\"hidden\" name=\"action\" value=\"upgrade\">"
                + "<label>Bundle <select name=\"bundle\">");
        for (Map.Entry<Long, String> e : bundles.entrySet()) {
            b.append("<option value=\"").append(e.getKey()).append("\">").append(e.getKey()).append(" ").append(Html.text(e.getValue())).append("</option>");
        }
        b.append("</select></label> <label>URL of the new version <input type=\"text\" name=\"location\" size=\"60\" placeholder=\"file:/path/to/new-version.jar\"></label>"
                + " <label><input type=\"checkbox\" name=\"dryrun\" value=\"true\"> dry run</label> <button type=\"submit\">Upgrade</button></form>");
        return b.toString();
    }

    /** The swappable services (OSGi services whose provider can be swapped behind their consumers). */
    static String services(List<SwappableServiceDTO> services, boolean available) {
        if (!available) {
            return "<p class=\"swap-empty\">No swappable-services service: bundle swap.core is not active; lb shows it.</p>";
        }
        if (services.isEmpty()) {
            return "<p class=\"swap-empty\">No swappable service is registered.</p>";
        }
        StringBuilder b = new StringBuilder("<table class=\"tablelayout nicetable\" id=\"swap-services\"><thead><tr><th>Interfaces</th><th>Front service</th>"
                + "<th>Original service</th><th>Scope</th><th>Provider</th><th>State</th><th>Entries</th><th>Consumers</th><th>Moves</th><th>Last move</th></tr></thead><tbody>");
        for (SwappableServiceDTO s : services) {
            b.append("<tr><td>").append(Html.text(s.interfaces == null ? null : String.join(", ", s.interfaces))).append("</td><td>").append(s.frontServiceId)
                    .append("</td><td>").append(s.originalServiceId).append("</td><td>").append(Html.text(s.scope)).append("</td><td>")
                    .append(Html.text(s.providerBundle)).append(' ').append(Html.text(s.providerVersion)).append(" [").append(s.providerBundleId).append("]</td><td>")
                    .append(Html.text(s.state)).append("</td><td>").append(Html.text(s.entryIds)).append("</td><td>")
                    .append(Html.text(s.consumers == null ? null : String.join(", ", s.consumers))).append("</td><td>").append(s.moves).append("</td><td>")
                    .append(Html.text(s.lastMove)).append("</td></tr>");
        }
        return b.append("</tbody></table>").toString();
    }

    /** The timeline chart and, below it, the swap manager's recent history as a table. */
    static String timeline(List<Timeline.Event> events, List<SwapResult> history) {
        StringBuilder b = new StringBuilder("<p>Swaps, rollbacks, reverts and upgrades over time, coloured by outcome; hover over a dot for its details.</p>");
        b.append(Timeline.svg(events));
        b.append("<h3>Recent swaps</h3><table class=\"tablelayout nicetable\" id=\"swap-history\"><thead><tr><th>Ended</th><th>Entry</th><th>From</th><th>To</th>"
                + "<th>Outcome</th><th>Format</th><th>Total ms</th><th>Reason</th></tr></thead><tbody>");
        for (SwapResult s : history) {
            b.append("<tr><td>").append(TIME.format(Instant.ofEpochMilli(s.endedAtMillis))).append("</td><td>").append(s.entryId).append("</td><td>")
                    .append(Html.text(s.from)).append("</td><td>").append(Html.text(s.to)).append("</td><td>").append(Html.text(s.outcome)).append("</td><td>")
                    .append(Html.text(s.format)).append("</td><td>").append(String.format(Locale.ROOT, "%.3f", s.totalNanos / 1e6)).append("</td><td>")
                    .append(Html.text(s.reason)).append("</td></tr>");
        }
        return b.append("</tbody></table>").toString();
    }

    /** The newest journal records, newest first (as swap:journal shows them). */
    static String journal(List<JournalRecordDTO> records, long skipped, int n) {
        StringBuilder b = new StringBuilder("<form method=\"get\"><label>Records <input type=\"number\" min=\"0\" name=\"n\" value=\"").append(n)
                .append("\"></label> <input type=\"submit\" value=\"Show\"></form>");
        if (skipped > 0) {
            b.append("<p class=\"swap-warning\">").append(skipped).append(" torn or corrupt record(s) skipped (a crash cut a write short)</p>");
        }
        b.append("<table class=\"tablelayout nicetable\" id=\"swap-journal\"><thead><tr><th>Seq</th><th>Time</th><th>Kind</th><th>Initiator</th><th>Entry</th><th>Key</th>"
                + "<th>From</th><th>To</th><th>Format</th><th>Outcome</th><th>Reason</th></tr></thead><tbody>");
        for (JournalRecordDTO r : records) {
            b.append("<tr><td>").append(r.seq).append("</td><td>").append(TIME.format(Instant.ofEpochMilli(r.timeMillis))).append("</td><td>").append(Html.text(r.kind))
                    .append("</td><td>").append(Html.text(r.initiator)).append("</td><td>").append(r.entryId < 0 ? "-" : String.valueOf(r.entryId)).append("</td><td>")
                    .append(Html.text(r.key)).append("</td><td>").append(Html.text(r.from)).append("</td><td>").append(Html.text(r.to)).append("</td><td>")
                    .append(Html.text(r.format)).append("</td><td>").append(Html.text(r.outcome)).append("</td><td>").append(Html.text(r.reason)).append("</td></tr>");
        }
        b.append("</tbody></table>");
        if (records.isEmpty()) {
            b.append("<p class=\"swap-empty\">The journal has no record yet.</p>");
        }
        return b.toString();
    }

    /** The swap health check's result: overall status and its messages (what swap:health prints). */
    static String health(String status, List<String[]> messages) {
        StringBuilder b = new StringBuilder("<p>Status: <strong id=\"swap-health-status\">").append(Html.text(status)).append("</strong></p>");
        b.append("<table class=\"tablelayout nicetable\" id=\"swap-health\"><thead><tr><th>Status</th><th>Message</th></tr></thead><tbody>");
        for (String[] m : messages) {
            b.append("<tr><td>").append(Html.text(m[0])).append("</td><td>").append(Html.text(m[1])).append("</td></tr>");
        }
        return b.append("</tbody></table>").toString();
    }

    /** Fleet status: the nodes and rollouts (fleet:nodes, fleet:status) when configured, otherwise why not. */
    static String fleet(boolean configured, String nodes, String rollouts, String note) {
        StringBuilder b = new StringBuilder();
        if (!configured) {
            b.append("<p id=\"swap-fleet-state\">Fleet: not configured.</p>");
            if (note != null) {
                b.append("<p>").append(Html.text(note)).append("</p>");
            }
            return b.toString();
        }
        b.append("<p id=\"swap-fleet-state\">Fleet: configured.</p>");
        if (note != null) {
            b.append("<p class=\"swap-warning\">").append(Html.text(note)).append("</p>");
        }
        b.append("<h3>Nodes</h3><pre id=\"swap-fleet-nodes\">").append(Html.text(nodes)).append("</pre>");
        b.append("<h3>Rollouts</h3><pre id=\"swap-fleet-rollouts\">").append(Html.text(rollouts)).append("</pre>");
        return b.toString();
    }

    /** The confirmation page of an action: what will happen, and a POST form that needs its box ticked. */
    static String confirm(Actions.Request r, String token) {
        StringBuilder b = new StringBuilder("<div class=\"swap-confirm\"><h3>Confirm: ").append(Html.text(r.action)).append("</h3><p id=\"swap-confirm-text\">")
                .append(Html.text(r.describe())).append("</p><form method=\"post\" id=\"swap-confirm-form\">");
        for (Map.Entry<String, String> f : r.fields().entrySet()) {
            if (!f.getKey().equals("window")) {
                b.append(Html.hidden(f.getKey(), f.getValue()));
            }
        }
        b.append(Html.hidden("token", token));
        if (r.action.equals("watch")) {
            b.append("<p><label>Watch window <input type=\"text\" name=\"window\" value=\"").append(r.windowMillis).append("ms\"></label></p>");
        }
        b.append("<p><label><input type=\"checkbox\" name=\"confirmed\" value=\"yes\" id=\"swap-confirm-box\" required> I confirm</label></p>")
                .append("<p><button type=\"submit\" id=\"swap-confirm-button\">").append(Html.text(label(r.action))).append("</button> <a href=\"?\">Cancel</a></p></form></div>");
        return b.toString();
    }

    private static String label(String action) {
        return Character.toUpperCase(action.charAt(0)) + action.substring(1);
    }

    /** The result of an action (or its refusal) above the page. */
    static String result(boolean ok, String text) {
        return "<div class=\"swap-result " + (ok ? "swap-ok" : "swap-failed") + "\" id=\"swap-result\" style=\"border:1px solid " + (ok ? "#2e7d32" : "#c62828")
                + ";padding:6px;margin:6px 0\"><pre>" + Html.text(text) + "</pre></div>";
    }

    /** A refusal: one line, nothing changed. */
    static String refused(String message) {
        String m = String.valueOf(message).strip();
        return "<div class=\"swap-result swap-refused\" id=\"swap-result\" style=\"border:1px solid #c62828;padding:6px;margin:6px 0\">Refused: "
                + Html.text(m) + (m.endsWith(".") ? "" : ".") + " Nothing was changed.</div>";
    }

    /** Distinct implementation names per interface: the targets offered for each entry. */
    static Map<String, List<String>> targets(List<ImplementationDTO> impls) {
        Map<String, TreeSet<String>> m = new TreeMap<>();
        for (ImplementationDTO d : impls) {
            if (d.refused == null) {
                m.computeIfAbsent(d.iface, k -> new TreeSet<>()).add(d.name);
            }
        }
        Map<String, List<String>> out = new TreeMap<>();
        m.forEach((k, v) -> out.put(k, new ArrayList<>(v)));
        return out;
    }
}
