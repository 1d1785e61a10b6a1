package swap.webconsole.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;

import swap.api.EntryDTO;
import swap.api.JournalRecordDTO;
import swap.api.StateFormat;
import swap.api.StatefulComponent;
import swap.api.SwapJournal;
import swap.api.SwapManager;
import swap.api.SwappableServices;
import swap.api.TransferContext;
import swap.api.UpgradeManager;
import swap.kernel.Engine;
import swap.kernel.StandaloneSource;

/**
 * The pages and actions over the real engine (swap.core's kernel, outside OSGi): a confirmed swap goes
 * through the swap manager and shows on the timeline; an unconfirmed or refused one changes nothing and
 * says why in the shell's words; every text is escaped.
 */
public class ConsoleTest {
    public interface Counter {
        long increment();
    }

    static final StateFormat<Long> VALUE = StateFormat.canonical("test.value", Long.class);

    public static class Plain implements Counter, StatefulComponent {
        final AtomicLong n = new AtomicLong();

        @Override
        public long increment() {
            return n.incrementAndGet();
        }

        @Override
        public List<StateFormat<?>> exportFormats() {
            return List.of(VALUE);
        }

        @Override
        public List<StateFormat<?>> importFormats() {
            return List.of(VALUE);
        }

        @Override
        public Object exportState(StateFormat<?> format) {
            return n.get();
        }

        @Override
        public void importState(StateFormat<?> format, Object state, TransferContext context) {
            n.set(VALUE.cast(state));
        }
    }

    /** A call-counting monitor, the kind a watch reads (calls and thrown). */
    static final class Calls implements swap.api.Monitor {
        final java.util.concurrent.atomic.LongAdder calls = new java.util.concurrent.atomic.LongAdder();
        final java.util.concurrent.atomic.LongAdder thrown = new java.util.concurrent.atomic.LongAdder();

        @Override
        public Object invoke(swap.api.Invocation call) throws Throwable {
            calls.increment();
            try {
                return call.proceed();
            } catch (Throwable t) {
                thrown.increment();
                throw t;
            }
        }

        @Override
        public Map<String, Object> statistics() {
            return Map.of("calls", calls.sum(), "thrown", thrown.sum());
        }
    }

    private Engine engine;
    private long id;
    private Platform platform;
    private final Confirmations confirmations = new Confirmations();

    /** Submits the confirmation form of {@code form}'s action: its fields, the page's token, the box ticked. */
    private String confirmed(Map<String, String> form) {
        Map<String, String> f = new java.util.HashMap<>(form);
        try {
            f.put("token", confirmations.token(Actions.parse(form)));
        } catch (Refusal wrongForm) {
            // no confirmation page for it either: act() refuses it the same way
        }
        f.put("confirmed", "yes");
        return PageServlet.act(f, platform, confirmations);
    }

    @Before
    public void setUp() {
        StandaloneSource source = new StandaloneSource();
        source.add(Counter.class, "plain", "1.0.0", Plain::new);
        source.add(Counter.class, "plain2", "2.0.0", Plain::new);
        source.addInterposer("calls", Calls::new);
        source.addInterposer("latency", Calls::new); // no p99: an idle entry's watch judges on errors only
        engine = new Engine(source);
        swap.core.safe.SafeSwapConfig c = new swap.core.safe.SafeSwapConfig();
        c.baselineMillis = 0;
        swap.core.safe.SafeSwaps.on(engine).configure(c); // watch and canary, as swap.core plugs them in
        id = engine.create(Counter.class, "plain").id();
        platform = new Platform() {
            @Override
            public SwapManager manager() {
                return engine;
            }

            @Override
            public UpgradeManager upgrades() {
                return null;
            }

            @Override
            public SwapJournal journal() {
                return null;
            }

            @Override
            public SwappableServices services() {
                return null;
            }

            @Override
            public Health health() {
                return null;
            }

            @Override
            public Fleet fleet() {
                return new Fleet(false, null, null, "configure PID swap.fleet");
            }
        };
    }

    @After
    public void tearDown() {
        engine.shutdown();
    }

    private EntryDTO entry() {
        return engine.entry(id).get().describe();
    }

    @Test
    public void aConfirmedSwapGoesThroughTheSwapManagerAndShowsOnTheTimeline() {
        String page = new PageServlet(Page.ENTRIES, platform, confirmations).render("GET", Map.of("action", "swap", "id", String.valueOf(id), "target", "plain2"), null);
        assertTrue(page, page.contains("Swap entry " + id + " to plain2."));
        assertTrue(page, page.contains("name=\"confirmed\""));
        assertEquals("the confirmation page changes nothing", "plain", entry().implementation);

        assertTrue(page, page.contains("name=\"token\" value=\"" + confirmations.token(Actions.parse(Map.of("action", "swap", "id", String.valueOf(id), "target", "plain2"))) + "\""));
        Map<String, String> swap = Map.of("action", "swap", "id", String.valueOf(id), "target", "plain2");
        String unconfirmed = PageServlet.act(Map.of("action", "swap", "id", String.valueOf(id), "target", "plain2", "token", confirmations.token(Actions.parse(swap))),
                platform, confirmations);
        assertTrue(unconfirmed, unconfirmed.contains("Refused: not confirmed"));
        assertEquals("plain", entry().implementation);

        String done = confirmed(swap);
        assertTrue(done, done.contains("COMPLETED (plain 1.0.0 -&gt; plain2 2.0.0"));
        assertEquals("plain2", entry().implementation);

        String timeline = Page.TIMELINE.content(platform, Map.of());
        assertEquals(timeline, 1, timeline.split("class=\"swap-event\" data-lane=\"swap\" data-outcome=\"COMPLETED\"", -1).length - 1);
    }

    @Test
    public void refusalsAreTheShellsAndChangeNothing() {
        String[][] cases = {
            {"action=swap&id=x&target=plain2", "Refused: not an entry id: x; give the number swap:list shows in column ID."},
            {"action=swap&id=99&target=plain2", "Refused: no entry with id 99; swap:list shows the entries."},
            {"action=watch&id=" + id + "&target=plain2&window=-1s", "Refused: --window -1s is negative; write e.g. 500ms, 10s or 2m."},
            {"action=upgrade&bundle=3&location=file:/x.jar", "Refused: no upgrade manager: bundle swap.core is not active; lb shows it, start it with start ID."},
            {"action=explode&id=1", "Refused: unknown action explode; the actions are swap, watch, canary, release and upgrade."},
        };
        for (String[] c : cases) {
            Map<String, String> form = new java.util.HashMap<>();
            for (String kv : c[0].split("&")) {
                form.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
            }
            String r = confirmed(form);
            assertTrue(c[0] + ": " + r, r.contains(c[1] + " Nothing was changed."));
        }
        // the engine's own refusal (no such implementation): its reason, as swap:swap prints it
        String r = confirmed(Map.of("action", "swap", "id", String.valueOf(id), "target", "nosuch"));
        assertTrue(r, r.contains("Refused: ") && r.contains("nosuch"));
        assertEquals("plain", entry().implementation);
        assertEquals(0, entry().swaps);
    }

    @Test
    public void aPostWithoutThisActionsConfirmationTokenIsRefused() {
        Map<String, String> swap = Map.of("action", "swap", "id", String.valueOf(id), "target", "plain2", "confirmed", "yes");
        String forged = PageServlet.act(swap, platform, confirmations); // e.g. another site's form posted by the operator's browser
        assertTrue(forged, forged.contains("Refused: this swap was not asked for on the confirmation page of this console"));
        Map<String, String> other = new java.util.HashMap<>(swap);
        other.put("token", confirmations.token(Actions.parse(Map.of("action", "release", "id", String.valueOf(id)))));
        String edited = PageServlet.act(other, platform, confirmations); // the token of another action
        assertTrue(edited, edited.contains("Refused: this swap was not asked for"));
        Map<String, String> stale = new java.util.HashMap<>(swap);
        stale.put("token", new Confirmations().token(Actions.parse(swap))); // a token of an earlier run of the console
        assertTrue(PageServlet.act(stale, platform, confirmations).contains("Refused: this swap was not asked for"));
        assertEquals("plain", entry().implementation);
        assertEquals(0, entry().swaps);
    }

    @Test
    public void watchAndReleaseGoThroughTheSwapManager() {
        String watched = confirmed(Map.of("action", "watch", "id", String.valueOf(id), "target", "plain2", "window", "200ms"));
        assertTrue(watched, watched.contains("entry " + id + ": COMPLETED (plain 1.0.0 -&gt; plain2 2.0.0"));
        assertEquals("plain2", entry().implementation);
        // the window is the one field the confirmation page lets the operator change: the token still holds
        Map<String, String> f = new java.util.HashMap<>(Map.of("action", "watch", "id", String.valueOf(id), "target", "plain", "window", "0"));
        f.put("token", confirmations.token(Actions.parse(f)));
        f.put("window", "150ms");
        f.put("confirmed", "yes");
        String again = PageServlet.act(f, platform, confirmations);
        assertTrue(again, again.contains("COMPLETED (plain2 2.0.0 -&gt; plain 1.0.0"));
        String released = confirmed(Map.of("action", "release", "id", String.valueOf(id)));
        assertTrue(released, released.contains("entry " + id + " released"));
        assertTrue("released: gone from the swap manager", engine.entry(id).isEmpty());
    }

    @Test
    public void everyTextIsEscaped() {
        String page = new PageServlet(Page.ENTRIES, platform, confirmations).render("GET", Map.of("q", "\"><script>alert(1)</script>"), null);
        assertFalse(page, page.contains("<script>"));
        assertTrue(page, page.contains("0 of 1 entries"));
        String confirm = new PageServlet(Page.ENTRIES, platform, confirmations).render("GET", Map.of("action", "swap", "id", "1", "target", "<img src=x onerror=alert(1)>"), null);
        assertFalse(confirm, confirm.contains("<img"));
        JournalRecordDTO j = new JournalRecordDTO();
        j.kind = "swap";
        j.entryId = 1;
        j.from = "<b>a</b>";
        j.to = "b";
        j.outcome = "COMPLETED";
        j.reason = "<script>x</script>";
        String journal = Pages.journal(List.of(j), 0, 10);
        assertFalse(journal, journal.contains("<script>") || journal.contains("<b>"));
        String svg = Timeline.svg(Timeline.fromJournal(List.of(j)));
        assertFalse(svg, svg.contains("<script>") || svg.contains("<b>"));
    }

    @Test
    public void implementationsShowTheTrustVerdictAndRefusedOnesAreNoTarget() {
        swap.api.ImplementationDTO ok = new swap.api.ImplementationDTO();
        ok.iface = "I";
        ok.name = "good";
        swap.api.ImplementationDTO bad = new swap.api.ImplementationDTO();
        bad.iface = "I";
        bad.name = "unsigned";
        bad.refused = "bundle x is not signed <by anyone>";
        String page = Pages.implementations(List.of(ok, bad), List.of());
        assertTrue(page, page.contains("<td class=\"swap-trusted\">trusted</td>"));
        assertTrue(page, page.contains("<td class=\"swap-refused\">refused: bundle x is not signed &lt;by anyone&gt;</td>"));
        assertEquals(Map.of("I", List.of("good")), Pages.targets(List.of(ok, bad)));
    }

    @Test
    public void theFilterKeepsTheMatchingEntries() {
        engine.create(Counter.class, "plain2");
        String all = Page.ENTRIES.content(platform, Map.of());
        assertTrue(all, all.contains("2 of 2 entries"));
        String filtered = Page.ENTRIES.content(platform, Map.of("q", "PLAIN2"));
        assertTrue(filtered, filtered.contains("1 of 2 entries"));
    }

    @Test
    public void timelineLanesByOutcomeAndKind() {
        JournalRecordDTO revert = record("swap", "REVERTED", 1000);
        JournalRecordDTO rollback = record("swap", "ROLLED_BACK", 2000);
        JournalRecordDTO step = record("upgrade", "STARTED", 3000);
        JournalRecordDTO upgrade = record("upgrade", "COMPLETED", 4000);
        JournalRecordDTO interpose = record("interpose", "COMPLETED", 5000);
        List<Timeline.Event> events = Timeline.fromJournal(List.of(revert, rollback, step, upgrade, interpose));
        assertEquals(3, events.size());
        assertEquals("revert", events.get(0).lane);
        assertEquals("rollback", events.get(1).lane);
        assertEquals("upgrade", events.get(2).lane);
        assertEquals("COMPLETED", events.get(2).outcome);
    }

    private static JournalRecordDTO record(String kind, String outcome, long time) {
        JournalRecordDTO r = new JournalRecordDTO();
        r.kind = kind;
        r.outcome = outcome;
        r.timeMillis = time;
        r.entryId = 1;
        return r;
    }
}
