package swap.kernel;

import java.util.concurrent.Executors;

import org.junit.Test;

/**
 * {@link LookAlikeStress} with platform threads only (the third entry's callers are 8 more platform
 * threads), so it runs on Java 17 too. Duration: {@code -Dswap.stress.seconds=N} (default 10).
 */
public class LookAlikeStressTest {

    @Test
    public void swapsOfAnIdleEntryNeverWaitForLookAlikesAndNoCallIsLost() throws Exception {
        long seconds = Long.getLong("swap.stress.seconds", 10);
        System.out.println("look-alikes, platform threads: " + LookAlikeStress.run(Executors.newFixedThreadPool(8), 8, false, seconds));
    }
}
