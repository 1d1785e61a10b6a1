package swap.kernel;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * The counted path of virtual-thread calls ({@link VirtualCalls}) racing a swap, on the protocol
 * itself (the actors are platform threads, so they run exactly the code a generated handle runs
 * for a virtual thread: enter, read the target, call, exit). This class is in swap.kernel's package
 * to reach the package-private protocol; it is not part of the bundle.
 *
 * <p>The caller counts itself, reads the target and, if it read the old instance, "runs" on it:
 * it records whether the old instance's state had already been exported when the call ran. The
 * swapper publishes the mediator, drains the counted calls of the old epoch and then exports. A call
 * on the old instance after its export began would be a lost update.
 * Outcome: (caller: 1 ran on the old instance before the export, 2 went to the mediator, -1 ran on
 * the old instance after the export; swapper: 1 done).
 */
@JCStressTest
@Outcome(id = "1, 1", expect = Expect.ACCEPTABLE, desc = "The call read the old target and finished before the export: the swap waited for it.")
@Outcome(id = "2, 1", expect = Expect.ACCEPTABLE, desc = "The call came after the mediator was published and went through it.")
@Outcome(id = "-1, 1", expect = Expect.FORBIDDEN, desc = "A call ran on the old instance after its export began: a lost update.")
@Outcome(expect = Expect.FORBIDDEN, desc = "Anything else.")
@State
public class VirtualCallRacingSwapTest {

    private static final Object OLD = new Object();
    private static final Object MEDIATOR = new Object();

    private final VirtualCalls calls = new VirtualCalls();
    private volatile Object target = OLD;
    private volatile boolean exported;

    public VirtualCallRacingSwapTest() {
        // An earlier call of another epoch that came and went: the counters are in use, not fresh.
        calls.exit(calls.enter());
    }

    @Actor
    public void caller(II_Result r) {
        int cell = calls.enter();
        try {
            Object t = target;
            if (t == OLD) {
                r.r1 = exported ? -1 : 1;
            } else {
                r.r1 = 2;
            }
        } finally {
            calls.exit(cell);
        }
    }

    @Actor
    public void swapper(II_Result r) {
        target = MEDIATOR;
        VirtualCalls.Drain d = calls.drain();
        while (!d.poll()) {
            Thread.onSpinWait();
        }
        exported = true;
        r.r2 = 1;
    }
}
