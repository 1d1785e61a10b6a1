package swap.monitor.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import org.apache.felix.hc.api.Result;
import org.junit.Test;

import swap.api.Entry;
import swap.kernel.Engine;
import swap.kernel.StandaloneSource;

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
            throw new IllegalStateException("activation failed");
        });
        Engine engine = new Engine(source);
        try {
            Entry<Thing> e = engine.create(Thing.class, "a");
            SwapHealthCheck check = new SwapHealthCheck(engine, 60_000, 3);
            assertEquals(Result.Status.OK, check.execute().getStatus());
            // A refused request (a typo in the target) is not a swap: the check stays OK.
            engine.swap(e.id(), "nope", null).toCompletableFuture().get();
            assertEquals(Result.Status.OK, check.execute().getStatus());
            // A swap that began and failed (the implementation throws on activation) warns.
            engine.swap(e.id(), "broken", null).toCompletableFuture().get();
            Result r = check.execute();
            assertEquals(Result.Status.WARN, r.getStatus());
            assertTrue(r.toString(), r.toString().contains("activation failed"));
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

    @Test
    public void warnWhileAnEntryIsOrphanedOkOnceItIsAdopted() throws Exception {
        StandaloneSource source = new StandaloneSource();
        source.add(Thing.class, "a", "1.0.0", () -> () -> 1);
        Engine engine = new Engine(source);
        try {
            Entry<Thing> e = engine.create(Thing.class, "a");
            SwapHealthCheck check = new SwapHealthCheck(engine, 60_000, 3);
            assertEquals(Result.Status.OK, check.execute().getStatus());
            source.remove("a");
            assertEquals("ORPHANED", e.describe().state);
            assertEquals(1, e.handle().x()); // still runs on its last instance
            Result r = check.execute();
            assertEquals(Result.Status.WARN, r.getStatus());
            assertTrue(r.toString(), r.toString().contains("ORPHANED: implementation a 1.0.0 was removed"));
            source.add(Thing.class, "a", "1.1.0", () -> () -> 2);
            assertEquals(swap.api.SwapOutcome.COMPLETED, engine.swap(e.id(), "a", "adopt").toCompletableFuture().get().outcome);
            assertEquals("ACTIVE", e.describe().state);
            assertEquals(2, e.handle().x());
            assertEquals(Result.Status.OK, check.execute().getStatus());
        } finally {
            engine.shutdown();
        }
    }
}
