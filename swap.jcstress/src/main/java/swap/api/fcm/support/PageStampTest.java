package swap.api.fcm.support;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * The page stamp (a sequence lock) that lets the FCMs copy a cached page outside its map's lock
 * ({@link PagedFile#copyIfUnchanged}): a reader that takes the stamp, copies the bytes without a
 * lock and then finds the stamp unchanged must never have copied a torn page. The writer is what a
 * write under the map's lock does ({@link PageMap.CachedPage#beginWrite}, the bytes,
 * {@code endWrite}); the reader is the copy with its checks (a stamp taken under the lock is even,
 * since writers hold the lock: an odd one here counts as "retry"). In this package to reach the
 * package-private stamp operations; run by {@code mvn verify} (short mode) like the other tests.
 *
 * <p>Result: (accepted 1 / retried 0, first byte, second byte).
 */
@JCStressTest
@Description("A page copy validated by its stamp is never torn")
@Outcome(id = "1, 0, 0", expect = ACCEPTABLE, desc = "accepted: copied before the write")
@Outcome(id = "1, 1, 1", expect = ACCEPTABLE, desc = "accepted: copied after the write")
@Outcome(id = {"0, 0, 0", "0, 0, 1", "0, 1, 0", "0, 1, 1"}, expect = ACCEPTABLE, desc = "the stamp moved: the reader reads again under the lock")
@Outcome(id = {"1, 0, 1", "1, 1, 0"}, expect = FORBIDDEN, desc = "a torn copy was accepted")
@State
public class PageStampTest {
    private final PageMap.CachedPage page = new PageMap.CachedPage(0, new byte[2]);

    @Actor
    public void writer() {
        page.beginWrite();
        page.bytes[0] = 1;
        page.bytes[1] = 1;
        page.endWrite();
    }

    @Actor
    public void reader(III_Result r) {
        long s = page.stamp();
        byte a = page.bytes[0];
        byte b = page.bytes[1];
        r.r1 = (s & 1) == 0 && page.validate(s) ? 1 : 0;
        r.r2 = a;
        r.r3 = b;
    }
}
