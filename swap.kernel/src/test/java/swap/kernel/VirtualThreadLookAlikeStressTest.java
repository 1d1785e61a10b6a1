package swap.kernel;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.junit.Test;

/**
 * {@link LookAlikeStress} as issue 22 states it: a swap of an idle entry every 10 ms while 8
 * platform threads hammer a look-alike entry and 200 virtual threads call a third. Needs Java 21+
 * (the java21 profile; {@code .ci/run} runs it on the JDK 25 beside the default one).
 */
public class VirtualThreadLookAlikeStressTest {

    @Test
    public void swapsOfAnIdleEntryNeverWaitForLookAlikesAndNoCallIsLost() throws Exception {
        long seconds = Long.getLong("swap.stress.seconds", 10);
        ExecutorService virtual = (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
        System.out.println("look-alikes, virtual threads: " + LookAlikeStress.run(virtual, 200, true, seconds));
    }
}
