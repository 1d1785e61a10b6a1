package swap.feed.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.Map;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The feed's fleet settings ({@code fleet.canary}, {@code fleet.waves}) as Config Admin would hand
 * them over, and what its memory keeps of a fleet rollout's outcome across a restart.
 */
public class FeedSettingsTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    /** A configuration: the given attributes (by method name), the annotation's defaults for the rest. */
    private static FeedComponent.Config config(Map<String, Object> values) {
        return (FeedComponent.Config) Proxy.newProxyInstance(FeedSettingsTest.class.getClassLoader(), new Class<?>[] {FeedComponent.Config.class},
                (proxy, m, args) -> values.containsKey(m.getName()) ? values.get(m.getName()) : m.getDefaultValue());
    }

    @Test
    public void fleetRolloutsDefaultToOneCanaryAndWavesOfHalfTheRest() {
        Feed.Settings s = FeedComponent.settings(config(Map.of("repositories", new String[] {"file:/opt/fixes/index.xml"})));
        assertEquals(1, s.fleetCanary());
        assertEquals("50%", s.fleetWaves());
        Feed.Settings two = FeedComponent.settings(config(Map.of("repositories", new String[] {"file:/opt/fixes/index.xml"}, "fleet_waves", " 2 ",
                "fleet_canary", 0)));
        assertEquals(0, two.fleetCanary());
        assertEquals("2", two.fleetWaves());
    }

    @Test
    public void aBadWaveSizeIsRefusedInOneLineThatSaysWhatToWrite() {
        for (String bad : new String[] {"half", "0", "0%", "101%", "-1"}) {
            try {
                FeedComponent.settings(config(Map.of("repositories", new String[] {"file:/opt/fixes/index.xml"}, "fleet_waves", bad)));
                fail(bad + " was accepted");
            } catch (IllegalArgumentException e) {
                assertEquals("fleet.waves=" + bad + " is neither a node count nor a percentage; write fleet.waves=50% or fleet.waves=2", e.getMessage());
            }
        }
        try {
            FeedComponent.settings(config(Map.of("repositories", new String[] {"file:/opt/fixes/index.xml"}, "fleet_canary", -1)));
            fail("a negative canary was accepted");
        } catch (IllegalArgumentException e) {
            assertEquals("fleet.canary=-1 is negative; write fleet.canary=1", e.getMessage());
        }
    }

    @Test
    public void whatARolloutDidIsRememberedAcrossARestart() throws Exception {
        Path file = tmp.getRoot().toPath().resolve("feed.properties");
        Memory m = new Memory(file);
        m.taken("counter.impl", "1.0.1", "fleet rollout r-0000000003 COMPLETED: 3 of 3 node(s) OK");
        m.bad("counter.impl", "1.0.2", "fleet rollout r-0000000004 ROLLED_BACK: 1 node(s) failed, 0 allowed");
        Memory again = new Memory(file);
        assertEquals("fleet rollout r-0000000003 COMPLETED: 3 of 3 node(s) OK", again.taken("counter.impl", "1.0.1"));
        assertEquals("fleet rollout r-0000000004 ROLLED_BACK: 1 node(s) failed, 0 allowed", again.bad("counter.impl", "1.0.2"));
        assertNull(again.taken("counter.impl", "1.0.2"));
        assertTrue(again.all().containsKey("taken.counter.impl@1.0.1"));
    }
}
