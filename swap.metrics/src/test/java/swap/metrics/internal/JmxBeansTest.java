package swap.metrics.internal;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;

import org.junit.After;
import org.junit.Test;

import swap.api.EntryDTO;
import swap.api.SwapConstants;
import swap.api.SwapOutcome;
import swap.api.SwapResult;

/** The MBeans in a real (private) MBean server, as MXBeans: open types only, as jconsole reads them. */
public class JmxBeansTest {

    private final MBeanServer server = MBeanServerFactory.newMBeanServer();
    private final List<EntryDTO> entries = new CopyOnWriteArrayList<>();
    private final Map<Long, Map<String, Map<String, Object>>> stats = new HashMap<>();
    private final SwapMetrics metrics = new SwapMetrics(() -> entries, id -> stats.getOrDefault(id, Map.of()));
    private final JmxBeans beans = new JmxBeans(server, metrics, () -> entries,
            id -> entries.stream().filter(e -> e.id == id).findFirst(), id -> stats.getOrDefault(id, Map.of()));

    @After
    public void tearDown() {
        beans.close();
    }

    private static EntryDTO entry(long id, String impl, String state) {
        EntryDTO e = new EntryDTO();
        e.id = id;
        e.iface = "swap.example.counter.Counter";
        e.implementation = impl;
        e.version = "1.0.0";
        e.bundle = "swap.example.simple";
        e.state = state;
        e.swaps = 3;
        e.interposers = List.of("calls");
        return e;
    }

    @Test
    public void entryBeansFollowTheEntries() throws Exception {
        ObjectName manager = new ObjectName(JmxBeans.MANAGER);
        entries.add(entry(7, "counter.simple", "ACTIVE"));
        entries.add(entry(8, "counter.striped", "ORPHANED"));
        stats.put(7L, Map.of("calls", Map.of("calls", 100L, "thrown", 2L)));
        beans.reconcile();
        assertTrue(server.isRegistered(manager));
        assertTrue(server.isRegistered(JmxBeans.entryName(7)));
        assertTrue(server.isRegistered(JmxBeans.entryName(8)));
        assertTrue("an MXBean", "true".equals(String.valueOf(server.getMBeanInfo(JmxBeans.entryName(7)).getDescriptor().getFieldValue("mxbean"))));

        ObjectName seven = JmxBeans.entryName(7);
        assertEquals("swap:type=Entry,id=7", seven.toString());
        assertEquals(7L, server.getAttribute(seven, "Id"));
        assertEquals("swap.example.counter.Counter", server.getAttribute(seven, "Interface"));
        assertEquals("counter.simple", server.getAttribute(seven, "Implementation"));
        assertEquals("1.0.0", server.getAttribute(seven, "Version"));
        assertEquals("ACTIVE", server.getAttribute(seven, "State"));
        assertEquals(3L, server.getAttribute(seven, "Swaps"));
        assertEquals(100L, server.getAttribute(seven, "Calls"));
        assertEquals(2L, server.getAttribute(seven, "CallFailures"));
        assertArrayEquals(new String[] {"calls"}, (String[]) server.getAttribute(seven, "Interposers"));
        assertEquals("no monitor counts its calls", -1L, server.getAttribute(JmxBeans.entryName(8), "Calls"));

        assertEquals(2, server.getAttribute(manager, "Entries"));
        TabularData byState = (TabularData) server.getAttribute(manager, "EntriesByState");
        assertEquals(1L, ((CompositeData) byState.get(new Object[] {"ORPHANED"})).get("value"));

        // entry 8 released, 9 created: the next reconcile follows
        entries.remove(1);
        entries.add(entry(9, "counter.simple", "ACTIVE"));
        beans.reconcile();
        assertFalse(server.isRegistered(JmxBeans.entryName(8)));
        assertTrue(server.isRegistered(JmxBeans.entryName(9)));
        assertEquals(java.util.Set.of(7L, 9L), beans.registeredIds());

        beans.close();
        assertFalse(server.isRegistered(manager));
        assertFalse(server.isRegistered(seven));
    }

    @Test
    public void managerBeanShowsTheCounters() throws Exception {
        beans.reconcile();
        Map<String, Object> p = new HashMap<>();
        SwapResult r = new SwapResult();
        r.outcome = SwapOutcome.COMPLETED;
        p.put(SwapConstants.EVENT_RESULT, r);
        metrics.onEvent(SwapConstants.TOPIC_COMPLETED, p::get);
        metrics.onEvent(SwapConstants.TOPIC_COMPLETED, p::get);
        metrics.onEvent(SwapConstants.TOPIC_ROLLED_BACK, p::get);
        metrics.onEvent(SwapConstants.TOPIC_REVERTED, p::get);
        ObjectName manager = new ObjectName(JmxBeans.MANAGER);
        assertEquals(2L, server.getAttribute(manager, "SwapsCompleted"));
        assertEquals(1L, server.getAttribute(manager, "Rollbacks"));
        assertEquals(0L, server.getAttribute(manager, "SwapsFailed"));
        assertEquals(1L, server.getAttribute(manager, "Reverts"));
        TabularData byOutcome = (TabularData) server.getAttribute(manager, "SwapsByOutcome");
        assertEquals(2L, ((CompositeData) byOutcome.get(new Object[] {"completed"})).get("value"));
        assertEquals(0, server.getAttribute(manager, "Entries"));
    }
}
