package swap.webconsole.internal;

import java.util.List;
import java.util.Map;

import swap.api.EntryDTO;
import swap.api.ImplementationDTO;
import swap.api.JournalRecordDTO;
import swap.api.SwapManager;
import swap.api.SwapJournal;
import swap.api.SwappableServices;

/**
 * The console's pages: label (its URL under /system/console/), title, and how its content is made
 * from the {@link Platform}'s services (read here, rendered by {@link Pages}).
 */
enum Page {
    ENTRIES("swap", "Swap: entries") {
        @Override
        String content(Platform p, Map<String, String> q) {
            SwapManager m = p.manager();
            if (m == null) {
                return noManager();
            }
            List<EntryDTO> entries = m.list();
            List<ImplementationDTO> impls = m.implementations(null);
            return Pages.entries(entries, q.get("q"), Pages.targets(impls));
        }
    },
    IMPLEMENTATIONS("swap-implementations", "Swap: implementations") {
        @Override
        String content(Platform p, Map<String, String> q) {
            SwapManager m = p.manager();
            return m == null ? noManager() : Pages.implementations(m.implementations(null), m.list());
        }
    },
    SERVICES("swap-services", "Swap: services") {
        @Override
        String content(Platform p, Map<String, String> q) {
            SwappableServices s = p.services();
            return Pages.services(s == null ? List.of() : s.list(), s != null);
        }
    },
    TIMELINE("swap-timeline", "Swap: timeline") {
        @Override
        String content(Platform p, Map<String, String> q) {
            SwapManager m = p.manager();
            if (m == null) {
                return noManager();
            }
            SwapJournal j = p.journal();
            List<Timeline.Event> events = j != null ? Timeline.fromJournal(j.records(2000, -1)) : Timeline.fromHistory(m.history(1000));
            return Pages.timeline(events, m.history(50));
        }
    },
    JOURNAL("swap-journal", "Swap: journal") {
        @Override
        String content(Platform p, Map<String, String> q) {
            SwapJournal j = p.journal();
            if (j == null) {
                return "<p class=\"swap-empty\">No journal: bundle swap.core is not active, or this bundle is not allowed to see it (PID swap.visibility).</p>";
            }
            int n;
            try {
                n = (int) Actions.number("records", q.getOrDefault("n", "100"), 0, 100_000, "give how many records to show, e.g. 100");
            } catch (Refusal r) {
                return Pages.refused(r.getMessage());
            }
            List<JournalRecordDTO> records = j.records(n, -1);
            return Pages.journal(records, j.skippedRecords(), n);
        }
    },
    HEALTH("swap-health", "Swap: health") {
        @Override
        String content(Platform p, Map<String, String> q) {
            Platform.Health h = p.health();
            if (h == null) {
                return "<p class=\"swap-empty\">No swap health check registered: bundle swap.monitor provides it; lb and scr:list show whether it is active.</p>";
            }
            return Pages.health(h.status, h.messages);
        }
    },
    FLEET("swap-fleet", "Swap: fleet") {
        @Override
        String content(Platform p, Map<String, String> q) {
            Platform.Fleet f = p.fleet();
            return Pages.fleet(f.configured, f.nodes, f.rollouts, f.note);
        }
    };

    final String label;
    final String title;

    Page(String label, String title) {
        this.label = label;
        this.title = title;
    }

    /** The page's content for the request's query parameters. */
    abstract String content(Platform p, Map<String, String> query);

    static String noManager() {
        return "<p class=\"swap-empty\">No swap manager: bundle swap.core is not active; lb shows it, start it with start ID.</p>";
    }
}
