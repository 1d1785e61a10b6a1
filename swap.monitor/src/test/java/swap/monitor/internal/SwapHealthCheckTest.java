package swap.monitor.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import org.apache.felix.hc.api.Result;
import org.junit.Test;

import swap.api.Entry;
import swap.core.Engine;
import swap.core.StandaloneSource;

public class SwapHealthCheckTest {

    public interface Thing {
        int x();
    }

    @Test
    public void okThenWarnOnFailureThenCriticalWhenFlapping() throws Exception {
        StandaloneSource source = new StandaloneSource();
        source.add(Thing.class, "a", "1.0.0", () -> () -> 1);
        source.add(Thing.class, "b", "1.0.0", () -> () -> 2);
        source.add(Thing.class, "broken", "1.0.0", () -> {
            throw new IllegalStateException("cannot start");
        });
        Engine engine = new Engine(source);
        try {
            Entry<Thing> e = engine.create(Thing.class, "a");
            SwapHealthCheck check = new SwapHealthCheck(engine, 60_000, 3);
            assertEquals(Result.Status.OK, check.execute().getStatus());
            // A refused request (no such target) is no swap: nothing to warn about (API 1.1).
            engine.swap(e.id(), "nope", null).toCompletableFuture().get();
            assertEquals(Result.Status.OK, check.execute().getStatus());
            engine.swap(e.id(), "broken", null).toCompletableFuture().get();
            Result r = check.execute();
            assertEquals(Result.Status.WARN, r.getStatus());
            assertTrue(r.toString(), r.toString().contains("failed to instantiate"));
            for (int i = 0; i < 4; i++) {
                engine.swap(e.id(), i % 2 == 0 ? "b" : "a", null).toCompletableFuture().get();
            }
            r = check.execute();
            assertEquals(Result.Status.CRITICAL, r.getStatus());
            assertTrue(r.toString(), r.toString().contains("flapping: 4 swaps"));
        } finally {
            engine.shutdown();
        }
    }
}
