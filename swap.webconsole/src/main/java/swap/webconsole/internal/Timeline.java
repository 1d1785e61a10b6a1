package swap.webconsole.internal;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import swap.api.JournalRecordDTO;
import swap.api.SwapResult;

/**
 * The history as a timeline: one lane each for swaps, rollbacks, reverts and upgrades, time from left
 * to right, one dot per event coloured by its outcome; drawn here as inline SVG (no script, nothing
 * fetched). Events come from the journal when there is one (it also has upgrades), otherwise from the
 * swap manager's in-memory history. Stateless.
 */
final class Timeline {
    static final String[] LANES = {"swap", "rollback", "revert", "upgrade"};
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss", Locale.ROOT).withZone(ZoneId.systemDefault());
    private static final DateTimeFormatter FULL = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS", Locale.ROOT).withZone(ZoneId.systemDefault());
    private static final int WIDTH = 960;
    private static final int LEFT = 90;
    private static final int RIGHT = 20;
    private static final int LANE = 44;
    private static final int TOP = 20;

    private Timeline() {
    }

    /** One dot: when, which lane, its outcome and what it was. */
    static final class Event {
        final long timeMillis;
        final String lane;
        final String outcome;
        final String label;

        Event(long timeMillis, String lane, String outcome, String label) {
            this.timeMillis = timeMillis;
            this.lane = lane;
            this.outcome = outcome;
            this.label = label;
        }
    }

    /** The events of journal records: swaps, batches, refusals of an entry, reverts, rollbacks and upgrade outcomes (not their steps). */
    static List<Event> fromJournal(List<JournalRecordDTO> records) {
        List<Event> out = new ArrayList<>();
        for (JournalRecordDTO r : records) {
            String outcome = r.outcome == null ? "-" : r.outcome;
            String lane;
            if ("upgrade".equals(r.kind)) {
                if (List.of("STARTED", "INSTALLED", "MOVED").contains(outcome)) {
                    continue;
                }
                lane = "upgrade";
            } else if ("swap".equals(r.kind) || "batch".equals(r.kind) || "park".equals(r.kind) || "refusal".equals(r.kind) && r.entryId >= 0) {
                lane = lane(outcome);
            } else {
                continue;
            }
            String what = "upgrade".equals(r.kind)
                    ? "upgrade of " + (r.bundle == null ? "bundle " + r.bundleId : r.bundle) + (r.newBundleId >= 0 ? " to bundle " + r.newBundleId : "")
                    : r.kind + (r.entryId >= 0 ? " of entry " + r.entryId : "") + ": " + dash(r.from) + " -> " + dash(r.to);
            out.add(new Event(r.timeMillis, lane, outcome, FULL.format(Instant.ofEpochMilli(r.timeMillis)) + " " + what + " " + outcome
                    + (r.reason == null ? "" : " (" + r.reason + ")")));
        }
        return out;
    }

    /** The events of the swap manager's history (no upgrades there: each move is a swap). */
    static List<Event> fromHistory(List<SwapResult> history) {
        List<Event> out = new ArrayList<>();
        for (SwapResult s : history) {
            String outcome = String.valueOf(s.outcome);
            out.add(new Event(s.endedAtMillis, lane(outcome), outcome, FULL.format(Instant.ofEpochMilli(s.endedAtMillis)) + " swap of entry " + s.entryId + ": "
                    + s.from + " -> " + s.to + " " + outcome + (s.reason == null ? "" : " (" + s.reason + ")")));
        }
        return out;
    }

    private static String lane(String outcome) {
        switch (outcome) {
            case "ROLLED_BACK":
                return "rollback";
            case "REVERTED":
                return "revert";
            default:
                return "swap";
        }
    }

    /** The colour of an outcome (also in the legend). */
    static String colour(String outcome) {
        switch (outcome) {
            case "COMPLETED":
                return "#2e7d32";
            case "ROLLED_BACK":
                return "#ef6c00";
            case "REVERTED":
                return "#6a1b9a";
            case "FAILED":
                return "#c62828";
            case "REFUSED":
                return "#757575";
            default:
                return "#1565c0";
        }
    }

    /** The chart as an {@code <svg>} element; a sentence instead when there is no event. */
    static String svg(List<Event> events) {
        if (events.isEmpty()) {
            return "<p class=\"swap-empty\">No swap, rollback, revert or upgrade yet.</p>";
        }
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (Event e : events) {
            min = Math.min(min, e.timeMillis);
            max = Math.max(max, e.timeMillis);
        }
        if (max - min < 1000) { // one moment: a second around it
            min -= 500;
            max += 500;
        }
        int height = TOP + LANE * LANES.length + 50;
        StringBuilder b = new StringBuilder();
        b.append("<svg id=\"swap-timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(WIDTH).append("\" height=\"").append(height)
                .append("\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(height).append("\" role=\"img\" aria-label=\"swap timeline\" font-family=\"sans-serif\" font-size=\"12\">");
        int plot = WIDTH - LEFT - RIGHT;
        for (int i = 0; i < LANES.length; i++) {
            int y = TOP + LANE * i + LANE / 2;
            b.append("<text x=\"8\" y=\"").append(y + 4).append("\">").append(LANES[i]).append("</text>");
            b.append("<line x1=\"").append(LEFT).append("\" y1=\"").append(y).append("\" x2=\"").append(WIDTH - RIGHT).append("\" y2=\"").append(y)
                    .append("\" stroke=\"#ccc\"/>");
        }
        int axis = TOP + LANE * LANES.length;
        b.append("<line x1=\"").append(LEFT).append("\" y1=\"").append(axis).append("\" x2=\"").append(WIDTH - RIGHT).append("\" y2=\"").append(axis)
                .append("\" stroke=\"#333\"/>");
        b.append("<text x=\"").append(LEFT).append("\" y=\"").append(axis + 16).append("\">").append(TIME.format(Instant.ofEpochMilli(min))).append("</text>");
        b.append("<text x=\"").append(WIDTH - RIGHT).append("\" y=\"").append(axis + 16).append("\" text-anchor=\"end\">")
                .append(TIME.format(Instant.ofEpochMilli(max))).append("</text>");
        for (Event e : events) {
            int lane = java.util.Arrays.asList(LANES).indexOf(e.lane);
            double x = LEFT + plot * (double) (e.timeMillis - min) / (max - min);
            int y = TOP + LANE * lane + LANE / 2;
            b.append(String.format(Locale.ROOT, "<circle class=\"swap-event\" data-lane=\"%s\" data-outcome=\"%s\" cx=\"%.1f\" cy=\"%d\" r=\"7\" fill=\"%s\">",
                    Html.attr(e.lane), Html.attr(e.outcome), x, y, colour(e.outcome)));
            b.append("<title>").append(Html.text(e.label)).append("</title></circle>");
        }
        // legend: the outcomes present
        java.util.Set<String> outcomes = new java.util.TreeSet<>();
        for (Event e : events) {
            outcomes.add(e.outcome);
        }
        int x = LEFT;
        for (String o : outcomes) {
            b.append("<circle cx=\"").append(x + 6).append("\" cy=\"").append(axis + 34).append("\" r=\"6\" fill=\"").append(colour(o)).append("\"/>");
            b.append("<text x=\"").append(x + 16).append("\" y=\"").append(axis + 38).append("\">").append(Html.text(o)).append("</text>");
            x += 30 + 8 * o.length();
        }
        b.append("</svg>");
        return b.toString();
    }

    private static String dash(String s) {
        return s == null ? "-" : s;
    }
}
