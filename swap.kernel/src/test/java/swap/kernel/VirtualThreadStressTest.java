package swap.kernel;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.junit.Test;

/**
 * Exactly-once with 200 <em>virtual</em> threads whose calls park inside the component (sleep, a
 * blocking queue, a ReentrantLock), under continuous swaps: a parked virtual thread is in no stack
 * snapshot, so this checks the counted path ({@link VirtualCalls}).
 *
 * <p>Needs Java 21+: the build runs it only there (the {@code java21} profile of swap.core's pom);
 * {@code .ci/run} runs swap.core's tests again on the JDK 25 installed beside the default one.
 * Compiled for Java 17, so virtual threads are made through reflection.
 */
public class VirtualThreadStressTest {

    @Test
    public void twoHundredVirtualThreadsParkedInsideLoseNoIncrement() throws Exception {
        long seconds = Long.getLong("swap.stress.seconds", 10);
        ExecutorService virtual = (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
        System.out.println("virtual threads: " + ParkingStress.run(virtual, 200, seconds));
    }
}
