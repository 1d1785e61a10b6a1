package ${package};

import static org.junit.Assert.assertEquals;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;

import swap.api.Entry;
import swap.api.ImplementationDTO;
import swap.api.SwapManager;
import swap.api.SwapOutcome;
import swap.api.SwapResult;
import swap.example.counter.Counter;
import swap.testkit.osgi.SwapPlatform;

/**
 * In-framework test: the platform (the bundles of swap.jar) boots in Felix with this project's bundle,
 * and an entry is swapped to ${implName} and back while it keeps its count. Run by failsafe in mvn verify.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class MyCounterIT {

    /** Injected once the platform registered it (the probe may see it: swap.visibility.allowed=PAXEXAM-PROBE-*). */
    @Inject
    SwapManager swaps;

    @Inject
    BundleContext context;

    /** Runs outside the framework: the platform's bundles, then the bundles this test needs, then this project's bundle. */
    @Configuration
    public Option[] config() {
        return SwapPlatform.options(
                SwapPlatform.installed("dev.swap", "swap.example.api"),
                SwapPlatform.installed("dev.swap", "swap.example.simple"),
                SwapPlatform.projectBundle());
    }

    @Test
    public void anEntrySwapsToThisImplementationAndBackWithItsCount() throws Exception {
        long deadline = System.currentTimeMillis() + 10_000;
        while (swaps.implementations(Counter.class.getName()).stream().noneMatch(i -> i.name.equals("${implName}"))) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("${implName} is not registered within 10 s: " + swaps.implementations(Counter.class.getName()));
            }
            Thread.sleep(20);
        }
        // @SwapImplementation gave no version: the implementation's version is this bundle's Bundle-Version
        ImplementationDTO mine = swaps.implementations(Counter.class.getName()).stream().filter(i -> i.name.equals("${implName}")).findFirst().get();
        assertEquals(context.getBundle(mine.bundleId).getVersion().toString(), mine.version);
        Entry<Counter> e = swaps.create(Counter.class, "counter.simple");
        Counter c = e.handle();
        for (int i = 0; i < 5; i++) {
            c.increment();
        }
        SwapResult there = e.swap("${implName}", "MyCounterIT").toCompletableFuture().get();
        assertEquals(there.reason, SwapOutcome.COMPLETED, there.outcome);
        assertEquals(5, c.get());
        c.increment();
        SwapResult back = e.swap("counter.simple", "MyCounterIT").toCompletableFuture().get();
        assertEquals(back.reason, SwapOutcome.COMPLETED, back.outcome);
        assertEquals(6, c.get());
        assertEquals(6, swaps.entry(e.id(), Counter.class).get().handle().get()); // typed: no cast
        swaps.release(e.id());
    }
}
