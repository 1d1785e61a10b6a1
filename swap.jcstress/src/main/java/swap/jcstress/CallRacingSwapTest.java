package swap.jcstress;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JJJ_Result;

import swap.api.Entry;

/**
 * One call races one swap of a cell holding 5. The call runs exactly once, on exactly one
 * generation: on the old one before its export (returns 1006; the state then carries 6 over),
 * or on the new one after its import (returns 2006). Either way the final value is 6, no call ran
 * on an instance after its export began or before its import ended (that would give -1), no
 * caller saw a half-built replacement (-1 too), and the swap completed.
 * Outcome: (call result, final value, swap completed).
 */
@JCStressTest
@Outcome(id = "1006, 6, 1", expect = Expect.ACCEPTABLE, desc = "The call ran on the old instance, before its export.")
@Outcome(id = "2006, 6, 1", expect = Expect.ACCEPTABLE, desc = "The call waited or came late and ran on the new instance, after its import.")
@Outcome(expect = Expect.FORBIDDEN, desc = "A lost or doubled increment, a call on an instance at the wrong time, a half-built replacement, or a swap that did not complete.")
@State
public class CallRacingSwapTest {

    private final Entry<Cell> entry = Cells.ENGINE.create(Cell.class, "g1");
    private final Cell handle = entry.handle();

    public CallRacingSwapTest() {
        for (int i = 0; i < 5; i++) {
            handle.increment();
        }
    }

    @Actor
    public void caller(JJJ_Result r) {
        r.r1 = handle.increment();
    }

    @Actor
    public void swapper(JJJ_Result r) {
        r.r3 = Cells.swap(entry.id());
    }

    @Arbiter
    public void check(JJJ_Result r) {
        r.r2 = handle.value();
        Cells.ENGINE.release(entry.id());
    }
}
