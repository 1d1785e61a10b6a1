package swap.jcstress;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JJ_Result;

import swap.api.Entry;

/**
 * One call races the interposition of a counting interposer. The call is lost by neither: it runs
 * exactly once on the instance, either before the interposer was in place (not counted) or
 * through it (counted once). Outcome: (final value, calls the interposer saw).
 */
@JCStressTest
@Outcome(id = "6, 0", expect = Expect.ACCEPTABLE, desc = "The call went straight to the instance.")
@Outcome(id = "6, 1", expect = Expect.ACCEPTABLE, desc = "The call went through the interposer.")
@Outcome(expect = Expect.FORBIDDEN, desc = "A lost or doubled call.")
@State
public class InterposerRacingCallTest {

    private final Entry<Cell> entry = Cells.ENGINE.create(Cell.class, "g1");
    private final Cell handle = entry.handle();
    private final java.util.concurrent.atomic.AtomicLong seen = new java.util.concurrent.atomic.AtomicLong();

    public InterposerRacingCallTest() {
        for (int i = 0; i < 5; i++) {
            handle.increment();
        }
    }

    @Actor
    public void caller() {
        handle.increment();
    }

    @Actor
    public void interposer() {
        Cells.ENGINE.interpose(entry.id(), "count", call -> {
            seen.incrementAndGet();
            return call.proceed();
        });
    }

    @Arbiter
    public void check(JJ_Result r) {
        Cells.ENGINE.removeInterposer(entry.id(), "count");
        r.r1 = handle.value();
        r.r2 = seen.get();
        Cells.ENGINE.release(entry.id());
    }
}
