package ${package};

import static org.junit.Assert.assertEquals;
import static org.ops4j.pax.exam.CoreOptions.bundle;

import java.io.File;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

import ${package}.api.KeyValueStore;
import swap.api.Entry;
import swap.api.SwapManager;
import swap.api.SwapOutcome;
import swap.api.SwapResult;
import swap.testkit.osgi.SwapPlatform;

/**
 * In-framework test: the platform boots with the API bundle and this implementation bundle; an entry
 * of ${implName} is swapped to a fresh instance of itself and keeps every key. Run by failsafe in mvn verify.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class MapStoreIT {

    @Inject
    SwapManager swaps;

    /** Runs outside the framework: the platform, the API bundle (built by the sibling module), this bundle. */
    @Configuration
    public Option[] config() {
        File api = new File("../${rootArtifactId}-api/target/${rootArtifactId}-api-${version}.jar");
        return SwapPlatform.options(bundle(api.toURI().toString()), SwapPlatform.projectBundle());
    }

    @Test
    public void anEntryKeepsItsKeysAcrossASwap() throws Exception {
        long deadline = System.currentTimeMillis() + 10_000;
        while (swaps.implementations(KeyValueStore.class.getName()).stream().noneMatch(i -> i.name.equals("${implName}"))) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("${implName} is not registered within 10 s");
            }
            Thread.sleep(20);
        }
        Entry<KeyValueStore> e = swaps.create(KeyValueStore.class, "${implName}");
        KeyValueStore store = e.handle();
        for (int i = 0; i < 100; i++) {
            store.put("k" + i, "v" + i);
        }
        SwapResult r = e.swap("${implName}", "MapStoreIT").toCompletableFuture().get();
        assertEquals(r.reason, SwapOutcome.COMPLETED, r.outcome);
        assertEquals(100, store.snapshot().size());
        assertEquals("v42", store.get("k42"));
        swaps.release(e.id());
    }
}
