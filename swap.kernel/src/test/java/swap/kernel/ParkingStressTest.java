package swap.kernel;

import java.util.concurrent.Executors;

import org.junit.Test;

/**
 * Exactly-once with 200 platform threads whose calls park inside the component, under continuous
 * swaps (the stack check sees them). Runs on every JDK. {@code -Dswap.stress.seconds=N} (default 10).
 */
public class ParkingStressTest {

    @Test
    public void twoHundredPlatformThreadsParkedInsideLoseNoIncrement() throws Exception {
        long seconds = Long.getLong("swap.stress.seconds", 10);
        System.out.println("platform threads: " + ParkingStress.run(Executors.newFixedThreadPool(200), 200, seconds));
    }
}
