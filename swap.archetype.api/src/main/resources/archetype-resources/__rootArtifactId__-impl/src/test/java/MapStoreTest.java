package ${package};

import static org.junit.Assert.assertEquals;

import java.util.HashMap;
import java.util.Map;

import org.junit.After;
import org.junit.Test;

import ${package}.api.KeyValueStore;
import swap.testkit.StateCheck;

/**
 * MapStore's real state in a standalone swap engine (no OSGi): random puts, gets and removes on the
 * store and on a HashMap model, the two compared after every state transfer and every swap, also
 * while two threads call.
 */
public class MapStoreTest {

    private final StateCheck<KeyValueStore, Map<String, String>> check = StateCheck
            .<KeyValueStore, Map<String, String>>of(KeyValueStore.class, "${implName}", "1.0.0", MapStore::new)
            .model(HashMap::new)
            .operation("put", (store, model, random) -> {
                String k = "k" + random.nextInt(100);
                String v = "v" + random.nextInt(1_000_000);
                assertEquals(model.put(k, v), store.put(k, v));
            })
            .operation("get", (store, model, random) -> {
                String k = "k" + random.nextInt(100);
                assertEquals(model.get(k), store.get(k));
            })
            .operation("remove", (store, model, random) -> {
                String k = "k" + random.nextInt(100);
                assertEquals(model.remove(k), store.remove(k));
            })
            .state(KeyValueStore::snapshot, model -> model) // compared with equals after every transfer
            .changes(500);                                   // random operations between two transfers

    @After
    public void close() {
        check.close();
    }

    @Test
    public void everyFormatCarriesTheWholeState() {
        check.formatsRoundTrip();
    }

    @Test
    public void swapsKeepTheWholeState() {
        check.swapsInTurn();
    }

    @Test
    public void swapsUnderLoadKeepTheWholeState() {
        check.swapsUnderLoad(2);
    }
}
