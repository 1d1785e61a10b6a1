package swap.testkit;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.junit.Test;

import swap.testkit.store.BrokenImports;
import swap.testkit.store.HashSessionMap;
import swap.testkit.store.SessionMap;
import swap.testkit.store.SessionMap.Session;
import swap.testkit.store.TreeSessionMap;

/**
 * The mutation test of {@link StateCheck}: five broken importState variants of a map-shaped store
 * (drop one, keep the first 8, swap two values, lose the expiry field, version off by one) each
 * fail every check of the kit that transfers state into them; the correct implementation passes
 * every check.
 */
public class StateCheckMutationTest {

    /** The author's side: a model (a HashMap and a version) and three operations. */
    static final class Model {
        final Map<String, Session> sessions = new HashMap<>();
        long version;
    }

    static StateCheck<SessionMap, Model> check(String name, Supplier<? extends SessionMap> impl) {
        return StateCheck.<SessionMap, Model>of(SessionMap.class, name, "1.0.0", impl)
                .model(Model::new)
                .operation("put", (store, model, random) -> {
                    String k = "s" + random.nextInt(40);
                    String v = "v" + random.nextInt(1000);
                    long expires = random.nextInt(100_000);
                    store.put(k, v, expires);
                    model.sessions.put(k, new Session(v, expires));
                    model.version++;
                })
                .operation("remove", (store, model, random) -> {
                    String k = "s" + random.nextInt(40);
                    Session expected = model.sessions.remove(k);
                    if (expected != null) {
                        model.version++;
                    }
                    assertEquals("remove(" + k + ")", expected, store.remove(k));
                })
                .operation("get", (store, model, random) -> {
                    String k = "s" + random.nextInt(40);
                    assertEquals("get(" + k + ")", model.sessions.get(k), store.get(k));
                })
                .state(store -> List.of(store.sessions(), store.version()), model -> List.of(model.sessions, model.version))
                .changes(100)
                .swaps(6);
    }

    @Test
    public void theCorrectImplementationPassesEveryCheck() {
        try (StateCheck<SessionMap, Model> c = check("map.hash", HashSessionMap::new).other("map.tree", "1.0.0", TreeSessionMap::new)) {
            c.formatsRoundTrip();
            c.formatsRoundTripWith("map.tree");
            c.swapsInTurn("map.tree");
            c.swapsUnderLoad(2, "map.tree");
        }
    }

    @Test
    public void dropOneFails() {
        failsEveryCheck("drop one", BrokenImports.DropOne::new);
    }

    @Test
    public void keepFirstNFails() {
        failsEveryCheck("keep the first 8", BrokenImports.KeepFirst8::new);
    }

    @Test
    public void swappedValuesFail() {
        failsEveryCheck("swap two values", BrokenImports.SwapValues::new);
    }

    @Test
    public void aLostFieldFails() {
        failsEveryCheck("lose the expiry field", BrokenImports.LoseExpiry::new);
    }

    @Test
    public void aVersionOffByOneFails() {
        failsEveryCheck("version off by one", BrokenImports.VersionOffByOne::new);
    }

    @Test
    public void changesIsSettableAndZeroChangesCannotSeeALostEntry() {
        // the kit's power comes from the operations: with no change between transfers the state is empty
        // and every broken variant above passes the format check; that is why changes() defaults to 200
        try (StateCheck<SessionMap, Model> c = check("map.keep8", BrokenImports.KeepFirst8::new).changes(0)) {
            c.formatsRoundTrip();
        }
    }

    /** The broken variant as the implementation under test, and as the other implementation the correct one hands state to. */
    private static void failsEveryCheck(String what, Supplier<? extends SessionMap> broken) {
        expectFailure(what + ": formatsRoundTrip", () -> {
            try (StateCheck<SessionMap, Model> c = check("map.broken", broken)) {
                c.formatsRoundTrip();
            }
        });
        expectFailure(what + ": formatsRoundTripWith", () -> {
            try (StateCheck<SessionMap, Model> c = check("map.hash", HashSessionMap::new).other("map.broken", "1.0.0", broken)) {
                c.formatsRoundTripWith("map.broken");
            }
        });
        expectFailure(what + ": swapsInTurn", () -> {
            try (StateCheck<SessionMap, Model> c = check("map.broken", broken)) {
                c.swapsInTurn();
            }
        });
        expectFailure(what + ": swapsUnderLoad", () -> {
            try (StateCheck<SessionMap, Model> c = check("map.hash", HashSessionMap::new).other("map.broken", "1.0.0", broken)) {
                c.swapsUnderLoad(2, "map.broken");
            }
        });
    }

    private static void expectFailure(String what, Runnable check) {
        try {
            check.run();
        } catch (AssertionError expected) {
            String m = String.valueOf(expected.getMessage());
            assertTrue(what + ": failed, but not on the state: " + m, m.contains("state") || m.contains("operation"));
            return;
        }
        fail(what + ": the kit passed a broken importState");
    }
}
