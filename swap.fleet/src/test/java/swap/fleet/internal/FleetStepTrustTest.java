package swap.fleet.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;

import swap.api.Entry;
import swap.api.EntryDTO;
import swap.api.StateFormat;
import swap.api.StatefulComponent;
import swap.api.SwapOutcome;
import swap.api.SwapResult;
import swap.api.TransferContext;
import swap.kernel.Engine;
import swap.kernel.StandaloneSource;

/**
 * Issue 21, "a refused implementation is never the destination", on the fleet's path: a rollout's
 * local step ({@link FrameworkSteps}, the same class the agent runs on every node) moves entries
 * with one atomic batch through the swap manager; here the swap manager is a real standalone
 * {@link Engine} whose source refuses an implementation ({@link StandaloneSource#refuse}: it stays
 * registered and resolvable, so only the protocol's trust gate stands between the step and it).
 * Neither the step nor its roll-back may put an entry on the refused implementation, and every
 * entry keeps its state.
 */
public class FleetStepTrustTest {

    /** A tiny stateful component: what the fleet step moves. */
    public interface Tally {
        long add();

        long get();
    }

    static final StateFormat<Long> VALUE = StateFormat.canonical("tally.value", Long.class);

    static final class ValueTally implements Tally, StatefulComponent {
        final AtomicLong n = new AtomicLong();

        @Override
        public long add() {
            return n.incrementAndGet();
        }

        @Override
        public long get() {
            return n.get();
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

    private StandaloneSource source;
    private Engine engine;
    private FrameworkSteps steps;
    private final List<Entry<Tally>> entries = new ArrayList<>();

    @Before
    public void setUp() {
        source = new StandaloneSource();
        source.add(Tally.class, "tally.a", "1.0.0", ValueTally::new);
        source.add(Tally.class, "tally.b", "2.0.0", ValueTally::new);
        engine = new Engine(source);
        // No bundle context, no upgrade manager: a swap step without an install uses neither.
        steps = new FrameworkSteps(null, engine, null, 1_000);
        for (int i = 0; i < 3; i++) {
            Entry<Tally> e = engine.create(Tally.class, "tally.a");
            for (int k = 0; k <= i * 100; k++) {
                e.handle().add();
            }
            entries.add(e);
        }
    }

    @After
    public void tearDown() {
        engine.shutdown();
    }

    private static Rollout swapRollout(String id, String from, String to) {
        Rollout r = new Rollout();
        r.id = id;
        r.action = Rollout.SWAP;
        r.select = from;
        r.target = to;
        r.watchMillis = 0; // no health gate: only the move itself is under test
        return r;
    }

    private void assertAllOn(String name, String when) {
        for (int i = 0; i < entries.size(); i++) {
            Entry<Tally> e = entries.get(i);
            EntryDTO d = e.describe();
            assertEquals(when + ": entry " + e.id() + " " + d.state + " on " + d.implementation, name, d.implementation);
            assertEquals(when + ": entry " + e.id(), "ACTIVE", d.state);
            assertEquals(when + ": entry " + e.id() + " kept its state", i * 100 + 1, e.handle().get());
        }
    }

    /** The history rows of this test's entries that completed a move to an implementation named {@code name}. */
    private List<SwapResult> completedMovesTo(String name) {
        List<SwapResult> l = new ArrayList<>();
        for (SwapResult r : engine.history(1_000)) {
            if (r.outcome == SwapOutcome.COMPLETED && r.to != null && r.to.startsWith(name + " ")) {
                l.add(r);
            }
        }
        return l;
    }

    /** Control: with nothing refused, the very same step moves every entry (so the next test's refusal is the gate's doing). */
    @Test
    public void theStepMovesEveryEntryWhenTheTargetIsTrusted() {
        StepResult s = steps.apply(swapRollout("r-0000000001", "tally.a", "tally.b"));
        assertTrue(s.line(), s.ok());
        assertTrue(s.line(), s.detail().startsWith("moved 3 entries to tally.b 2.0.0"));
        assertAllOn("tally.b", "after the step");
        assertEquals(3, completedMovesTo("tally.b").size());
    }

    /** The step's atomic batch targets an implementation the trust gate refuses: the step fails, nothing moves, nothing to roll back. */
    @Test
    public void aStepWhoseBatchTargetsARefusedImplementationFailsAndNothingMoves() {
        source.refuse("tally.b", "bundle tally.b is not signed (test rule)");

        StepResult s = steps.apply(swapRollout("r-0000000002", "tally.a", "tally.b"));

        assertFalse("the step must fail: " + s.line(), s.ok());
        assertTrue(s.line(), s.detail().contains("refused by the trust policy") && s.detail().contains("not signed (test rule)"));
        assertTrue(s.line(), s.detail().contains("every entry stayed where it was"));
        assertAllOn("tally.a", "after the refused step");
        assertEquals("no entry ever completed a move to the refused tally.b: " + completedMovesTo("tally.b"), List.of(), completedMovesTo("tally.b"));
        StepResult back = steps.rollback(swapRollout("r-0000000002", "tally.a", "tally.b"));
        assertTrue(back.line(), back.ok() && back.detail().startsWith("nothing to roll back"));
        assertAllOn("tally.a", "after the roll-back of the refused step");
    }

    /**
     * The step moved the entries to a trusted target; meanwhile the implementation they came from
     * became refused; the fleet's roll-back (one batch back to the exact implementation and version
     * they came from) must not take them there: it fails and they stay where they are, with their state.
     */
    @Test
    public void aRollBackToAnImplementationRefusedMeanwhileFailsAndTheEntriesStay() {
        Rollout r = swapRollout("r-0000000003", "tally.a", "tally.b");
        StepResult s = steps.apply(r);
        assertTrue(s.line(), s.ok());
        assertAllOn("tally.b", "after the step");
        int before = completedMovesTo("tally.a").size();
        source.refuse("tally.a", "bundle tally.a was revoked (test rule)");

        StepResult back = steps.rollback(r);

        assertFalse("the roll-back must fail: " + back.line(), back.ok());
        assertTrue(back.line(), back.detail().contains("could not return to tally.a 1.0.0") && back.detail().contains("refused by the trust policy"));
        assertAllOn("tally.b", "after the refused roll-back");
        assertEquals("no entry completed a move back to the refused tally.a", before, completedMovesTo("tally.a").size());
    }
}
