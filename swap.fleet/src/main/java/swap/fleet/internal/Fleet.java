package swap.fleet.internal;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.CreateMode;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import swap.api.SwapManager;
import swap.api.UpgradeManager;
import swap.fleet.api.FleetRollouts;
import swap.fleet.api.RolloutSummary;
import swap.fleet.api.UpgradeRollout;
import swap.fleet.internal.FleetStore.Member;
import swap.fleet.internal.FleetStore.Versioned;

/**
 * This framework's membership of a fleet: a Curator client to the fleet's ZooKeeper ensemble, an
 * ephemeral znode for this node (Curator's {@link PersistentNode}, which re-creates it after a lost
 * session), a {@link LeaderLatch} that makes one node the coordinator, and two threads: the
 * {@link Agent} (every node) and the {@link Coordinator} (ticks only while this node leads).
 *
 * <p>Every node also keeps its entries on the fleet's desired state ({@link DesiredState}, written by
 * completed rollouts): the agent's thread reconciles ({@link Reconciler}) at join, soon after an entry
 * is created or swapped or an implementation or bundle changes, and every {@code reconcile.millis}.
 *
 * <p>Inactive until configured: PID {@value #PID} (e.g. {@code deploy/swap.fleet.cfg} with
 * {@code connect=zk1:2181,zk2:2181,zk3:2181}).
 *
 * <p>Thread-safe: the commands call it from Gogo's threads.
 */
@Component(service = {Fleet.class, FleetRollouts.class}, configurationPid = Fleet.PID, configurationPolicy = ConfigurationPolicy.REQUIRE, immediate = true)
@Designate(ocd = Fleet.Config.class)
public final class Fleet implements FleetRollouts {
    static final String PID = "swap.fleet";

    @ObjectClassDefinition(name = "Swap fleet", description = "Joins a fleet of swap platforms through Apache ZooKeeper, for rollouts (fleet:* commands).")
    @interface Config {
        @AttributeDefinition(description = "ZooKeeper connect string: host:port[,host:port...] of the ensemble")
        String connect();

        @AttributeDefinition(description = "This node's name in the fleet (unique); empty: host name and process id")
        String node() default "";

        @AttributeDefinition(description = "Comma-separated labels; a rollout may be limited to the nodes that have some")
        String labels() default "";

        @AttributeDefinition(description = "ZooKeeper session timeout (ms): a node that stops answering for this long leaves the fleet")
        int session_timeout_millis() default 15_000;

        @AttributeDefinition(description = "ZooKeeper connection timeout (ms)")
        int connection_timeout_millis() default 10_000;

        @AttributeDefinition(description = "Curator namespace (the fleet's root znode); fleets sharing an ensemble use different ones")
        String namespace() default "swap-fleet";

        @AttributeDefinition(description = "How often the agent and the coordinator look at ZooKeeper (ms)")
        long poll_millis() default 250;

        @AttributeDefinition(description = "How long a node may be missing from the fleet during its step before it counts as lost (ms)")
        long lost_grace_millis() default 5_000;

        @AttributeDefinition(description = "How long a swap step waits for the target implementation to register after installing its bundle (ms)")
        long target_wait_millis() default 30_000;

        @AttributeDefinition(description = "How often a node reconciles its entries with the desired state even when nothing happened (ms); "
                + "it also reconciles on joining, when an entry is created or swapped and when an implementation or bundle changes")
        long reconcile_millis() default 10_000;
    }

    final String node;
    final Set<String> labels;
    final String incarnation = UUID.randomUUID().toString().substring(0, 8);
    final FleetStore store;
    private final CuratorFramework zk;
    private final PersistentNode membership;
    private final LeaderLatch latch;
    private final Logger log;
    private final List<Thread> threads = new ArrayList<>();
    private final List<Runnable> unlisten = new ArrayList<>();
    private final java.util.concurrent.atomic.AtomicBoolean reconcileAsked = new java.util.concurrent.atomic.AtomicBoolean(true); // at join
    private final long reconcileMillis;
    private final Agent agent;
    private volatile long lastReconcile = System.nanoTime();
    /** The last reconcile's verdict on this node ({@code null} before the first). */
    volatile Reconciler.Report lastReport;
    private volatile boolean stopped;

    @Activate
    public Fleet(BundleContext context, Map<String, Object> properties, @Reference SwapManager swaps,
            @Reference(cardinality = ReferenceCardinality.OPTIONAL) UpgradeManager upgrades,
            @Reference(service = LoggerFactory.class) Logger log) throws Exception {
        this.log = log;
        FleetConfig config;
        try {
            config = new FleetConfig(properties);
            FleetConfig.error = null;
        } catch (IllegalArgumentException e) {
            String line = "fleet: PID " + PID + " (deploy/swap.fleet.cfg): " + e.getMessage() + "; this node stays out of the fleet until it is fixed";
            FleetConfig.error = line;
            System.out.println(line); // at once on the console, not only in scr:info
            log.error(line);
            throw new IllegalArgumentException(line);
        }
        long pid = ProcessHandle.current().pid();
        String host = host();
        this.node = config.node.isEmpty() ? host + "-" + pid : config.node;
        this.labels = Rollout.split(config.labels);
        this.zk = CuratorFrameworkFactory.builder()
                .connectString(config.connect)
                .sessionTimeoutMs(config.sessionTimeoutMillis)
                .connectionTimeoutMs(config.connectionTimeoutMillis)
                .retryPolicy(new ExponentialBackoffRetry(200, 10, 5_000))
                .namespace(config.namespace)
                .build();
        this.store = new FleetStore(zk);
        zk.start();
        this.membership = new PersistentNode(zk, CreateMode.EPHEMERAL, false, FleetStore.NODES + "/" + node,
                FleetStore.memberData(labels, incarnation, host, pid, System.currentTimeMillis()));
        membership.start();
        this.latch = new LeaderLatch(zk, FleetStore.LEADER, node);
        latch.start();
        Consumer<String> info = s -> log.info("fleet {}: {}", node, s);
        this.reconcileMillis = config.reconcileMillis;
        Agent agent = new Agent(store, node, incarnation, labels, new FrameworkSteps(context, swaps, upgrades, config.targetWaitMillis), info)
                .reconciler(new Reconciler(swaps, context, upgrades));
        this.agent = agent;
        FleetPin pin = new FleetPin(node, null);
        agent.pin(pin);
        Coordinator coordinator = new Coordinator(store, config.lostGraceMillis, info);
        long poll = Math.max(10, config.pollMillis);
        threads.add(loop("swap-fleet-agent", poll, () -> {
            agent.tick();
            long now = System.nanoTime();
            if (agent.takeRulesChanged() | reconcileAsked.getAndSet(false) || now - lastReconcile >= TimeUnit.MILLISECONDS.toNanos(reconcileMillis)) {
                lastReconcile = now;
                lastReport = agent.reconcile();
            }
        }));
        // the pin: while the desired state names an entry's target, other requesters cannot move it elsewhere
        pin.agent(threads.get(0));
        if (context != null) {
            org.osgi.framework.ServiceRegistration<?> reg = context.registerService(swap.api.EntryPin.class, pin, null);
            unlisten.add(() -> {
                try {
                    reg.unregister();
                } catch (IllegalStateException gone) {
                    // unregistered with the bundle
                }
            });
        }
        threads.add(loop("swap-fleet-coordinator", poll, () -> {
            if (latch.hasLeadership()) {
                coordinator.tick();
            }
        }));
        listen(context);
        log.info("fleet {}: joining {} (namespace {}, labels {}, incarnation {}, reconcile every {} ms)", node, config.connect, config.namespace, labels,
                incarnation, reconcileMillis);
    }

    /**
     * Asks for a reconcile at the agent's next poll when an entry is created or swapped (Event Admin,
     * {@code swap/entry/*}, if it is installed), an implementation service comes or goes, or a bundle
     * changes. Many events before that poll make one reconcile.
     */
    private void listen(BundleContext context) {
        if (context == null) {
            return;
        }
        Runnable ask = () -> reconcileAsked.set(true);
        org.osgi.framework.ServiceListener services = ev -> ask.run();
        org.osgi.framework.BundleListener bundles = ev -> ask.run();
        try {
            context.addServiceListener(services, "(" + swap.api.SwapConstants.IMPL_NAME + "=*)");
        } catch (org.osgi.framework.InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        context.addBundleListener(bundles);
        unlisten.add(() -> context.removeServiceListener(services));
        unlisten.add(() -> context.removeBundleListener(bundles));
        try {
            org.osgi.framework.ServiceRegistration<?> reg = EntryEvents.register(context, ask);
            unlisten.add(() -> {
                try {
                    reg.unregister();
                } catch (IllegalStateException gone) {
                    // unregistered with the bundle
                }
            });
        } catch (LinkageError noEventAdminApi) {
            log.info("fleet {}: no Event Admin API: new entries are reconciled every {} ms", node, reconcileMillis);
        }
    }

    interface Tick {
        void run() throws Exception;
    }

    private Thread loop(String name, long pollMillis, Tick tick) {
        Thread t = new Thread(() -> {
            String lastError = null;
            while (!stopped) {
                try {
                    if (zk.getZookeeperClient().isConnected()) {
                        tick.run();
                        lastError = null;
                    }
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    String m = String.valueOf(e);
                    if (!stopped && !m.equals(lastError)) {
                        log.warn("fleet {}: {}: {} (retrying every {} ms)", node, name, m, pollMillis);
                        lastError = m;
                    }
                }
                try {
                    Thread.sleep(pollMillis);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, name + "-" + node);
        t.setDaemon(true);
        t.start();
        return t;
    }

    @Deactivate
    void deactivate() {
        stopped = true;
        for (Runnable r : unlisten) {
            try {
                r.run();
            } catch (RuntimeException e) {
                // the framework is stopping
            }
        }
        for (Thread t : threads) {
            t.interrupt();
        }
        for (Thread t : threads) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            latch.close();
        } catch (Exception e) {
            // closing anyway
        }
        try {
            membership.close();
        } catch (Exception e) {
            // closing anyway
        }
        zk.close();
        log.info("fleet {}: left", node);
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return ManagementFactory.getRuntimeMXBean().getName();
        }
    }

    // ------------------------------------------------------------------ for the commands

    boolean connected() {
        return zk.getZookeeperClient().isConnected();
    }

    /** @return the coordinator's node name, if one is elected */
    Optional<String> leader() {
        try {
            org.apache.curator.framework.recipes.leader.Participant p = latch.getLeader();
            return p.isLeader() ? Optional.of(p.getId()) : Optional.empty();
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    List<Member> members() throws Exception {
        return store.members();
    }

    /**
     * Creates a rollout (the coordinator starts it).
     *
     * @throws IllegalStateException if another rollout has not ended
     */
    String start(Rollout r) throws Exception {
        for (String id : store.rolloutIds()) {
            Optional<Versioned> v = store.read(id);
            if (v.isPresent() && !v.get().rollout().state.terminal()) {
                throw new IllegalStateException("rollout " + id + " is " + v.get().rollout().stateLine() + ": wait for it to end (fleet:status " + id
                        + ") or abort it (fleet:abort " + id + ")");
            }
        }
        r.createdBy = node;
        r.created = System.currentTimeMillis();
        r.log.add(r.created + " PENDING: created on " + node);
        return store.create(r);
    }

    Optional<Rollout> rollout(String id) throws Exception {
        return store.read(id).map(Versioned::rollout);
    }

    List<Rollout> allRollouts() throws Exception {
        List<Rollout> out = new ArrayList<>();
        for (String id : store.rolloutIds()) {
            store.read(id).ifPresent(v -> out.add(v.rollout()));
        }
        return out;
    }

    void abort(String id, String why) throws Exception {
        store.requestAbort(id, node, why);
    }

    // ------------------------------------------------------------------ FleetRollouts: for other features (the fix feed)

    @Override
    public String node() {
        return node;
    }

    @Override
    public String coordinator() {
        return connected() ? leader().orElse(null) : null;
    }

    @Override
    public boolean coordinating() {
        return connected() && latch.hasLeadership();
    }

    @Override
    public String upgrade(UpgradeRollout request) {
        if (request == null || request.symbolicName == null || request.symbolicName.isBlank() || request.url == null || !request.url.contains(":")) {
            throw new IllegalArgumentException("an upgrade rollout needs a bundle symbolic name and the URL of its new version");
        }
        if (request.canary < 0 || request.maxFailures < 0 || request.gateMillis < 0 || request.stepTimeoutMillis <= 0) {
            throw new IllegalArgumentException("canary, max failures and gate are 0 or more, the step timeout more than 0");
        }
        Rollout.waveSize(request.waves, 1); // checks the syntax
        if (!connected()) {
            throw new IllegalStateException("not connected to ZooKeeper (node " + node + "): no rollout can be created now");
        }
        // the same checks as fleet:rollout upgrade, before a rollout exists: a bundle of that name this node can read
        java.util.jar.Manifest m = FleetCommands.readBundle(request.url);
        String bsn = m.getMainAttributes().getValue(org.osgi.framework.Constants.BUNDLE_SYMBOLICNAME);
        if (bsn == null || !bsn.split(";")[0].trim().equals(request.symbolicName)) {
            throw new IllegalArgumentException("the bundle at " + request.url + " is " + (bsn == null ? "no bundle (no Bundle-SymbolicName)" : bsn.split(";")[0].trim())
                    + ", not " + request.symbolicName);
        }
        Rollout r = new Rollout();
        r.action = Rollout.UPGRADE;
        r.bundle = request.symbolicName;
        r.url = request.url;
        r.bundleVersion = org.osgi.framework.Version.parseVersion(m.getMainAttributes().getValue(org.osgi.framework.Constants.BUNDLE_VERSION)).toString();
        r.canary = request.canary;
        r.waves = request.waves;
        r.maxFailures = request.maxFailures;
        r.watchMillis = request.gateMillis;
        r.stepTimeoutMillis = request.stepTimeoutMillis;
        r.initiator = request.initiator == null ? "" : request.initiator.trim();
        r.cause = request.cause == null ? "" : request.cause.replace('\n', ' ').trim();
        try {
            return start(r);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("cannot create the rollout in ZooKeeper: " + e, e);
        }
    }

    @Override
    public List<RolloutSummary> rollouts() {
        List<RolloutSummary> out = new ArrayList<>();
        try {
            for (Rollout r : allRollouts()) {
                RolloutSummary s = new RolloutSummary();
                s.id = r.id;
                s.state = r.stateLine();
                s.ended = r.state.terminal();
                s.action = r.action;
                s.symbolicName = r.bundle;
                s.version = r.bundleVersion;
                s.url = r.url;
                s.initiator = r.initiator;
                s.cause = r.cause;
                s.reason = r.reason;
                s.what = r.what();
                out.add(s);
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the rollouts from ZooKeeper: " + e, e);
        }
        return out;
    }
}
