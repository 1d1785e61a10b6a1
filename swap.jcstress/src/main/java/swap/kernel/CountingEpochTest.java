package swap.kernel;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * The memory-model step of a self-report ({@link Counting}): a swap sets a handle class's counting
 * flag (a plain field, as the generated {@code swap$counting}) and then writes the new counting epoch
 * (volatile); a caller that read the new epoch before its report must see the flag set at every later
 * read, or its later calls could take the uncounted path unseen by a swap that trusts its report.
 * Outcome: (epoch the caller read, flag it read afterwards).
 */
@JCStressTest
@Outcome(id = "0, 0", expect = Expect.ACCEPTABLE, desc = "The caller came before the swap.")
@Outcome(id = "0, 1", expect = Expect.ACCEPTABLE, desc = "The caller read the old epoch, then saw the flag: fine either way (no report is made for epoch 0).")
@Outcome(id = "1, 1", expect = Expect.ACCEPTABLE, desc = "The caller read the new epoch and then saw the flag set: its report holds.")
@Outcome(id = "1, 0", expect = Expect.FORBIDDEN, desc = "The caller read the new epoch but then a stale flag: a report would be wrong.")
@State
public class CountingEpochTest {

    private boolean flag; // plain, like the generated handle class's swap$counting
    private volatile long epoch;

    @Actor
    public void swap() {
        flag = true;
        epoch = 1;
    }

    @Actor
    public void caller(II_Result r) {
        r.r1 = (int) epoch;
        r.r2 = flag ? 1 : 0;
    }
}
