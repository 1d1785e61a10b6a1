package swap.metrics.internal;

import java.lang.management.ManagementFactory;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongFunction;
import java.util.function.Supplier;

import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

import swap.api.EntryDTO;
import swap.api.SwapOutcome;

/**
 * The MBeans: {@value #MANAGER} and one {@code swap:type=Entry,id=ID} per entry, kept in step
 * with the swap manager's entries by {@link #reconcile()}.
 *
 * <p>Thread-safety: {@link #reconcile()} and {@link #close()} are synchronized (the poller and an
 * event thread may both reconcile); the MBeans themselves read the manager when asked.
 */
public final class JmxBeans implements AutoCloseable {
    /** The swap manager's MBean name. */
    public static final String MANAGER = "swap:type=SwapManager";

    private final MBeanServer server;
    private final SwapMetrics metrics;
    private final Supplier<List<EntryDTO>> entries;
    private final LongFunction<Optional<EntryDTO>> entry;
    private final LongFunction<Map<String, Map<String, Object>>> statistics;
    private final Map<Long, ObjectName> registered = new ConcurrentHashMap<>();
    private boolean managerRegistered;
    private boolean closed;

    /**
     * @param entry one entry's snapshot by id ({@code id -> manager.entry(id).map(Entry::describe)})
     */
    public JmxBeans(MBeanServer server, SwapMetrics metrics, Supplier<List<EntryDTO>> entries, LongFunction<Optional<EntryDTO>> entry,
            LongFunction<Map<String, Map<String, Object>>> statistics) {
        this.server = server;
        this.metrics = metrics;
        this.entries = entries;
        this.entry = entry;
        this.statistics = statistics;
    }

    /** The platform MBean server (what jconsole connects to). */
    public static MBeanServer platform() {
        return ManagementFactory.getPlatformMBeanServer();
    }

    /** The object name of an entry's MBean. */
    public static ObjectName entryName(long id) {
        try {
            return new ObjectName("swap:type=Entry,id=" + id);
        } catch (MalformedObjectNameException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Registers the manager's MBean (once) and an MBean per live entry, unregisters those of entries gone. */
    public synchronized void reconcile() throws JMException {
        if (closed) {
            return;
        }
        if (!managerRegistered) {
            register(new ObjectName(MANAGER), new Manager());
            managerRegistered = true;
        }
        Set<Long> live = new HashSet<>();
        for (EntryDTO e : entries.get()) {
            if ("RELEASED".equals(e.state)) {
                continue;
            }
            live.add(e.id);
            if (!registered.containsKey(e.id)) {
                ObjectName n = entryName(e.id);
                register(n, new EntryBean(e.id));
                registered.put(e.id, n);
            }
        }
        for (Long id : Set.copyOf(registered.keySet())) {
            if (!live.contains(id)) {
                unregister(registered.remove(id));
            }
        }
    }

    /** The ids of the entries that have an MBean now. */
    public Set<Long> registeredIds() {
        return Set.copyOf(registered.keySet());
    }

    @Override
    public synchronized void close() {
        closed = true;
        for (ObjectName n : registered.values()) {
            unregister(n);
        }
        registered.clear();
        if (managerRegistered) {
            try {
                unregister(new ObjectName(MANAGER));
            } catch (MalformedObjectNameException e) {
                throw new IllegalStateException(e);
            }
            managerRegistered = false;
        }
    }

    private void register(ObjectName n, Object bean) throws JMException {
        try {
            server.registerMBean(bean, n);
        } catch (InstanceAlreadyExistsException stale) { // left by an earlier instance of this bundle that did not close
            unregister(n);
            server.registerMBean(bean, n);
        }
    }

    private void unregister(ObjectName n) {
        try {
            server.unregisterMBean(n);
        } catch (InstanceNotFoundException gone) {
            // already gone
        } catch (JMException e) {
            throw new IllegalStateException("could not unregister " + n + ": " + e.getMessage(), e);
        }
    }

    private final class Manager implements SwapManagerMXBean {
        @Override
        public Map<String, Long> getSwapsByOutcome() {
            Map<String, Long> m = new LinkedHashMap<>();
            for (SwapOutcome o : List.of(SwapOutcome.COMPLETED, SwapOutcome.ROLLED_BACK, SwapOutcome.FAILED)) {
                m.put(SwapMetrics.label(o), metrics.swaps(o));
            }
            return m;
        }

        @Override
        public long getSwapsCompleted() {
            return metrics.swaps(SwapOutcome.COMPLETED);
        }

        @Override
        public long getRollbacks() {
            return metrics.swaps(SwapOutcome.ROLLED_BACK);
        }

        @Override
        public long getSwapsFailed() {
            return metrics.swaps(SwapOutcome.FAILED);
        }

        @Override
        public long getReverts() {
            return metrics.watchVerdicts("reverted");
        }

        @Override
        public Map<String, Long> getWatchVerdicts() {
            Map<String, Long> m = new LinkedHashMap<>();
            for (String v : List.of("passed", "reverted", "revert_failed")) {
                m.put(v, metrics.watchVerdicts(v));
            }
            return m;
        }

        @Override
        public Map<String, Long> getCanaryVerdicts() {
            Map<String, Long> m = new LinkedHashMap<>();
            for (String v : List.of("passed", "failed")) {
                m.put(v, metrics.canaryVerdicts(v));
            }
            return m;
        }

        @Override
        public Map<String, Long> getEntriesByState() {
            return SwapMetrics.entriesByState(entries.get());
        }

        @Override
        public int getEntries() {
            return (int) entries.get().stream().filter(e -> !"RELEASED".equals(e.state)).count();
        }
    }

    private final class EntryBean implements EntryMXBean {
        private final long id;

        EntryBean(long id) {
            this.id = id;
        }

        private EntryDTO d() {
            return entry.apply(id).orElseGet(() -> {
                EntryDTO r = new EntryDTO();
                r.id = id;
                r.state = "RELEASED";
                return r;
            });
        }

        @Override
        public long getId() {
            return id;
        }

        @Override
        public String getInterface() {
            return d().iface;
        }

        @Override
        public String getImplementation() {
            return d().implementation;
        }

        @Override
        public String getVersion() {
            return d().version;
        }

        @Override
        public String getBundle() {
            return d().bundle;
        }

        @Override
        public String getState() {
            return d().state;
        }

        @Override
        public String getStateReason() {
            return d().stateReason;
        }

        @Override
        public long getSwaps() {
            return d().swaps;
        }

        @Override
        public long getRollbacks() {
            return d().rollbacks;
        }

        @Override
        public long getFailures() {
            return d().failures;
        }

        @Override
        public String[] getInterposers() {
            List<String> l = d().interposers;
            return l == null ? new String[0] : l.toArray(new String[0]);
        }

        @Override
        public long getCalls() {
            return figure("calls");
        }

        @Override
        public long getCallFailures() {
            return figure("thrown");
        }

        private long figure(String key) {
            try {
                return SwapMetrics.monitored(statistics.apply(id), key);
            } catch (RuntimeException released) {
                return -1;
            }
        }

        @Override
        public String getLastSwap() {
            Object r = d().lastSwap;
            return r == null ? null : r.toString();
        }
    }
}
