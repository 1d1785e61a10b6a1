package swap.feed.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.Version;

import swap.api.SwapConstants;
import swap.api.SwapOptions;
import swap.api.SwapOutcome;
import swap.api.TrustCheck;
import swap.api.UpgradeManager;
import swap.api.UpgradeResult;
import swap.fleet.api.FleetRollouts;
import swap.fleet.api.RolloutSummary;
import swap.fleet.api.UpgradeRollout;

/**
 * The fix feed's work, without DS: a poll reads every configured index, finds for each deployed
 * implementation bundle the newest version the rule allows that is neither remembered as bad nor
 * refused nor on hold, downloads it (checking the index's SHA-256), asks the trust policy about it
 * before anything is installed, and hands it to the platform's side-by-side upgrade behind a watch
 * (and a canary if configured). A version the gates send back is remembered as bad and never taken
 * again; a newer one is.
 *
 * <p>Every change goes through {@link UpgradeManager} (the engine's protocol, the journal, the trust
 * gate); this class only decides what to ask for. One poll at a time (synchronized); the status
 * may be read by any thread.
 */
final class Feed {

    /** The configuration of a feed; {@code fleetCanary} and {@code fleetWaves} shape the rollouts it starts on a fleet. */
    record Settings(List<URI> repositories, Take rule, long watchMillis, boolean canary, long pollSeconds, int fleetCanary, String fleetWaves) {
        Settings(List<URI> repositories, Take rule, long watchMillis, boolean canary, long pollSeconds) {
            this(repositories, rule, watchMillis, canary, pollSeconds, 1, "50%");
        }
    }

    /** The initiator the feed's fleet rollouts carry. */
    static final String INITIATOR = "feed";

    /** A bundle the feed may upgrade: a started bundle that registers implementations. */
    record Deployed(Bundle bundle, Set<String> names, Set<String> interfaces) {
    }

    /** One fix found: which deployed bundle it upgrades and the offer it takes. */
    record Fix(Deployed deployed, Index.Offer offer) {
        String line() {
            Bundle b = deployed.bundle();
            return b.getSymbolicName() + " " + b.getVersion() + " (bundle " + b.getBundleId() + ") -> " + offer.version() + " from " + offer.index();
        }
    }

    private static final int KEPT = 50;

    private final BundleContext context;
    private final Supplier<UpgradeManager> upgrades;
    private final Supplier<TrustCheck> trust;
    /** The fleet this framework is a member of, or {@code null} (swap.fleet not configured here). */
    private final Supplier<FleetRollouts> fleet;
    private final Memory memory;
    private final Path downloads;
    private volatile Settings settings;
    private volatile long lastPollMillis;
    private volatile List<String> pending = List.of();
    private final Map<URI, String> repositories = new java.util.concurrent.ConcurrentHashMap<>();
    private final List<String> outcomes = new CopyOnWriteArrayList<>();

    Feed(BundleContext context, Supplier<UpgradeManager> upgrades, Supplier<TrustCheck> trust, Path dataDir, Settings settings) {
        this(context, upgrades, trust, () -> null, dataDir, settings);
    }

    Feed(BundleContext context, Supplier<UpgradeManager> upgrades, Supplier<TrustCheck> trust, Supplier<FleetRollouts> fleet, Path dataDir, Settings settings) {
        this.context = context;
        this.upgrades = upgrades;
        this.trust = trust;
        this.fleet = fleet;
        this.memory = new Memory(dataDir.resolve("feed.properties"));
        this.downloads = dataDir.resolve("fixes");
        this.settings = settings;
    }

    void configure(Settings s) {
        settings = s;
    }

    Settings settings() {
        return settings;
    }

    Memory memory() {
        return memory;
    }

    // ------------------------------------------------------------------ poll

    /**
     * Polls every repository once and takes each fix found ({@code dryRun}: only lists them).
     *
     * @return one line per fix found and what became of it, or why none was
     */
    synchronized List<String> poll(boolean dryRun) {
        Settings s = settings;
        List<Index> indexes = new ArrayList<>();
        List<String> out = new ArrayList<>();
        FleetRollouts fl = fleet.get();
        List<RolloutSummary> rollouts = List.of();
        if (fl != null) {
            // on a fleet: learn what became of the feed's rollouts (whoever coordinated when they ran), then only the coordinator goes on
            try {
                rollouts = fl.rollouts();
                learn(rollouts);
            } catch (RuntimeException e) {
                out.add("on a fleet (node " + fl.node() + "): " + oneLine(e) + "; nothing is taken until the fleet answers");
                lastPollMillis = System.currentTimeMillis();
                return out;
            }
            if (dryRun || !fl.coordinating()) {
                out.add(fleetLine(fl));
            }
            if (!fl.coordinating()) {
                lastPollMillis = System.currentTimeMillis();
                if (!dryRun) {
                    pending = List.of();
                    return out;
                }
                // a dry run here lists what this node's bundles would get, and takes nothing, as everywhere
            }
        }
        for (URI u : s.repositories()) {
            try {
                indexes.add(Index.read(u));
                repositories.put(u, "read at " + java.time.Instant.now());
            } catch (Exception e) {
                String why = "cannot read " + u + ": " + oneLine(e);
                repositories.put(u, why);
                out.add("feed: " + why);
            }
        }
        List<Fix> fixes = new ArrayList<>();
        List<String> waiting = new ArrayList<>();
        for (Deployed d : deployed()) {
            Fix f = best(d, indexes, s.rule(), waiting);
            if (f != null) {
                fixes.add(f);
            }
        }
        lastPollMillis = System.currentTimeMillis();
        if (dryRun) {
            for (Fix f : fixes) {
                out.add("would take " + f.line());
            }
            out.addAll(waiting);
            if (fixes.isEmpty() && waiting.isEmpty()) {
                out.add("nothing to take: every implementation bundle is on the newest version the rule (take=" + s.rule() + ") allows");
            }
            return out;
        }
        if (fl != null) {
            // the coordinator: each fix becomes a fleet rollout (or waits while one of it runs)
            List<String> running = new ArrayList<>();
            for (Fix x : fixes) {
                String line = rollOut(fl, x, s, rollouts, running);
                if (line != null) {
                    out.add(line);
                    remember(line);
                }
            }
            List<String> all = new ArrayList<>(running);
            all.addAll(waiting);
            pending = List.copyOf(all);
            out.addAll(all);
            if (out.isEmpty()) {
                out.add("nothing to take: every implementation bundle is on the newest version the rule (take=" + s.rule() + ") allows");
            }
            return out;
        }
        pending = List.copyOf(waiting);
        for (Fix x : fixes) {
            String line = take(x, s);
            out.add(line);
            remember(line);
        }
        out.addAll(waiting);
        if (out.isEmpty()) {
            out.add("nothing to take: every implementation bundle is on the newest version the rule (take=" + s.rule() + ") allows");
        }
        return out;
    }

    /** @return the newest offer of any index for {@code d} that the rule allows and nothing forbids, or {@code null}; {@code waiting} gets why one is not taken */
    private Fix best(Deployed d, List<Index> indexes, Take rule, List<String> waiting) {
        Bundle b = d.bundle();
        Index.Offer best = null;
        for (Index i : indexes) {
            for (Index.Offer o : i.bundles(b.getSymbolicName())) {
                if (!rule.allows(b.getVersion(), o.version()) || memory.bad(o.bsn(), o.version().toString()) != null
                        || memory.refused(o.bsn(), o.version().toString()) != null || memory.taken(o.bsn(), o.version().toString()) != null) {
                    continue;
                }
                if (best == null || o.version().compareTo(best.version()) > 0) {
                    best = o;
                }
            }
        }
        if (best == null) {
            return null;
        }
        String held = held(d);
        if (held != null) {
            waiting.add("on hold: " + b.getSymbolicName() + " " + b.getVersion() + " -> " + best.version() + " (feed:hold " + held + "; feed:release " + held
                    + " takes it)");
            return null;
        }
        return new Fix(d, best);
    }

    private String held(Deployed d) {
        if (memory.held(d.bundle().getSymbolicName())) {
            return d.bundle().getSymbolicName();
        }
        for (String n : d.names()) {
            if (memory.held(n)) {
                return n;
            }
        }
        return null;
    }

    /** Downloads, checks and takes one fix. @return what happened, in one line */
    private String take(Fix f, Settings s) {
        Index.Offer o = f.offer();
        String bsn = o.bsn();
        String v = o.version().toString();
        Path jar;
        try {
            jar = download(o);
        } catch (IOException e) {
            String why = "cannot download " + o.url() + ": " + oneLine(e);
            return "refused " + f.line() + ": " + why; // not remembered: the next poll tries again
        }
        TrustCheck t = trust.get();
        String refusal = t == null ? "no trust policy service (bundle swap.core is not active): nothing is installed without one" : t.refusal(jar, f.deployed().interfaces());
        if (refusal != null) {
            memory.refused(bsn, v, refusal);
            delete(jar);
            return "refused " + f.line() + " before installing it: " + refusal + " (not tried again; feed:release " + bsn + " retries it)";
        }
        UpgradeManager u = upgrades.get();
        if (u == null) {
            delete(jar);
            return "not taken " + f.line() + ": no upgrade manager (bundle swap.core is not active)";
        }
        SwapOptions gates = s.canary() ? SwapOptions.canary(0, 0) : s.watchMillis() > 0 ? SwapOptions.watch(s.watchMillis()) : SwapOptions.plain();
        if (s.canary() && s.watchMillis() > 0) {
            gates.andWatch(s.watchMillis());
        }
        UpgradeResult r = u.upgrade(f.deployed().bundle().getBundleId(), jar.toUri().toString(), false, 0, gates,
                "feed: fix " + bsn + " " + v + " from " + o.index());
        if (r.outcome == SwapOutcome.COMPLETED) {
            memory.taken(bsn, v, "took it: " + r.moves.size() + " entr" + (r.moves.size() == 1 ? "y" : "ies") + " moved");
            return "took " + f.line() + ": " + r.moves.size() + " entr" + (r.moves.size() == 1 ? "y" : "ies") + " moved"
                    + (gates.isWatch() ? ", watch passed" : "") + (r.reason != null ? " (" + r.reason + ")" : "");
        }
        delete(jar);
        if (r.outcome == SwapOutcome.REVERTED || r.outcome == SwapOutcome.ROLLED_BACK) {
            memory.bad(bsn, v, r.outcome + ": " + r.reason);
            return r.outcome + " " + f.line() + ": " + r.reason + " (remembered as bad: not taken again; a newer version is)";
        }
        memory.refused(bsn, v, String.valueOf(r.reason));
        return "refused " + f.line() + ": " + r.reason + " (not tried again; feed:release " + bsn + " retries it)";
    }

    /** @return what this node does on its fleet, in one line */
    static String fleetLine(FleetRollouts f) {
        if (f.coordinating()) {
            return "on a fleet: this node (" + f.node() + ") is the coordinator: it polls and rolls each fix out to the fleet (fleet:status)";
        }
        String c = f.coordinator();
        return c == null ? "on a fleet (node " + f.node() + "): no coordinator is known yet (not connected, or an election is under way); nothing is taken here"
                : "on a fleet: the coordinator polls (node " + c + "); this node (" + f.node() + ") takes no fix by itself: the fleet's rollouts bring them";
    }

    /**
     * On the coordinator: checks one fix as {@link #take} does (download, SHA-256, trust policy before
     * anything is installed anywhere), then asks the fleet for an upgrade rollout to the fix's URL in
     * the index (every node reads it there). A fix whose rollout is still running, or that waits for
     * another rollout to end, goes to {@code running} and is not remembered.
     *
     * @return what happened, in one line, or {@code null} when it went to {@code running}
     */
    private String rollOut(FleetRollouts fl, Fix f, Settings s, List<RolloutSummary> rollouts, List<String> running) {
        Index.Offer o = f.offer();
        String bsn = o.bsn();
        String v = o.version().toString();
        for (RolloutSummary r : rollouts) {
            if (!r.ended && INITIATOR.equals(r.initiator) && Rollout.UPGRADE.equals(r.action) && bsn.equals(r.symbolicName) && v.equals(r.version)) {
                running.add("fleet rollout " + r.id + " of " + bsn + " " + v + " is " + r.state + " (fleet:status " + r.id + ")");
                return null;
            }
        }
        Path jar;
        try {
            jar = download(o);
        } catch (IOException e) {
            return "refused " + f.line() + ": cannot download " + o.url() + ": " + oneLine(e); // not remembered: the next poll tries again
        }
        try {
            TrustCheck t = trust.get();
            String refusal = t == null ? "no trust policy service (bundle swap.core is not active): nothing is rolled out without one"
                    : t.refusal(jar, f.deployed().interfaces());
            if (refusal != null) {
                memory.refused(bsn, v, refusal);
                return "refused " + f.line() + " before any node installs it: " + refusal + " (not rolled out, not tried again; feed:release " + bsn + " retries it)";
            }
        } finally {
            delete(jar); // the nodes read the fix from the index's URL
        }
        UpgradeRollout u = new UpgradeRollout();
        u.symbolicName = bsn;
        u.url = o.url().toString();
        u.initiator = INITIATOR;
        u.cause = "feed: fix " + bsn + " " + v + " from " + o.index();
        u.gateMillis = s.watchMillis();
        u.canary = s.fleetCanary();
        u.waves = s.fleetWaves();
        try {
            String id = fl.upgrade(u);
            return "rolling out " + f.line() + " as fleet rollout " + id + " (canary " + u.canary + ", waves of " + u.waves + ", gate " + u.gateMillis
                    + " ms; fleet:status " + id + " follows it)";
        } catch (IllegalStateException e) {
            running.add("waiting: " + bsn + " " + v + " is rolled out once the fleet can start a rollout: " + oneLine(e));
            return null;
        } catch (IllegalArgumentException e) {
            memory.refused(bsn, v, oneLine(e));
            return "refused " + f.line() + ": " + oneLine(e) + " (not tried again; feed:release " + bsn + " retries it)";
        }
    }

    /**
     * What became of the feed's rollouts, read from the fleet (so a new coordinator knows what the
     * last one rolled out): a COMPLETED one is remembered as taken, a ROLLED_BACK or ABORTED one as
     * bad (not taken again; a newer version is), a NO_OP one (no node runs the bundle) as refused.
     */
    private void learn(List<RolloutSummary> rollouts) {
        for (RolloutSummary r : rollouts) {
            if (!r.ended || !INITIATOR.equals(r.initiator) || !Rollout.UPGRADE.equals(r.action) || r.symbolicName == null || r.version == null) {
                continue;
            }
            String bsn = r.symbolicName;
            String v = r.version;
            String what = "fleet rollout " + r.id + " " + r.state + ": " + r.reason;
            String line = null;
            switch (r.state) {
                case "COMPLETED" -> {
                    if (memory.taken(bsn, v) == null) {
                        memory.taken(bsn, v, what);
                        line = "took " + bsn + " " + v + " on the fleet: " + what;
                    }
                }
                case "ROLLED_BACK", "ABORTED" -> {
                    if (memory.bad(bsn, v) == null) {
                        memory.bad(bsn, v, what);
                        line = r.state + " " + bsn + " " + v + " on the fleet: " + what + " (remembered as bad: not taken again; a newer version is)";
                    }
                }
                default -> {
                    if (memory.refused(bsn, v) == null && memory.taken(bsn, v) == null) {
                        memory.refused(bsn, v, what);
                        line = "refused " + bsn + " " + v + " on the fleet: " + what + " (feed:release " + bsn + " retries it)";
                    }
                }
            }
            if (line != null) {
                remember(line);
            }
        }
    }

    /** The two action names of the fleet's rollouts the feed reads. */
    private static final class Rollout {
        static final String UPGRADE = "upgrade";
    }

    private Path download(Index.Offer o) throws IOException {
        Files.createDirectories(downloads);
        Path tmp = Files.createTempFile(downloads, o.bsn() + "-", ".part");
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = o.url().toURL().openStream()) {
            Files.copy(new java.security.DigestInputStream(in, sha), tmp, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            delete(tmp);
            throw e instanceof IOException ? (IOException) e : new IOException(e.getMessage(), e);
        }
        String got = HexFormat.of().formatHex(sha.digest());
        if (o.sha256() != null && !o.sha256().equalsIgnoreCase(got)) {
            delete(tmp);
            throw new IOException("its SHA-256 is " + got + ", the index says " + o.sha256() + " (a changed or damaged file)");
        }
        Path jar = downloads.resolve(o.bsn() + "-" + o.version() + ".jar");
        Files.move(tmp, jar, StandardCopyOption.REPLACE_EXISTING);
        return jar;
    }

    /** @return the started bundles that register implementations (prototype services with {@code swap.impl.name}), newest version of each name first */
    List<Deployed> deployed() {
        Map<String, Deployed> bySymbolicName = new LinkedHashMap<>();
        for (Bundle b : context.getBundles()) {
            if (b.getState() != Bundle.ACTIVE) {
                continue;
            }
            ServiceReference<?>[] refs = b.getRegisteredServices();
            if (refs == null) {
                continue;
            }
            Set<String> names = new LinkedHashSet<>();
            Set<String> ifaces = new LinkedHashSet<>();
            for (ServiceReference<?> r : refs) {
                Object n = r.getProperty(SwapConstants.IMPL_NAME);
                if (n != null && Constants.SCOPE_PROTOTYPE.equals(r.getProperty(Constants.SERVICE_SCOPE))) {
                    names.add(String.valueOf(n));
                    ifaces.addAll(List.of((String[]) r.getProperty(Constants.OBJECTCLASS)));
                }
            }
            if (names.isEmpty()) {
                continue;
            }
            Deployed d = new Deployed(b, names, ifaces);
            Deployed other = bySymbolicName.get(b.getSymbolicName());
            if (other == null || other.bundle().getVersion().compareTo(b.getVersion()) < 0) {
                bySymbolicName.put(b.getSymbolicName(), d); // two versions side by side: the newer is the one to upgrade
            }
        }
        return new ArrayList<>(bySymbolicName.values());
    }

    // ------------------------------------------------------------------ status

    /** @return the feed's status as lines: repositories, last poll, pending, recent outcomes, what it remembers */
    List<String> status() {
        Settings s = settings;
        List<String> l = new ArrayList<>();
        l.add("rule take=" + s.rule() + ", poll every " + s.pollSeconds() + " s, gates: " + (s.canary() ? "canary" + (s.watchMillis() > 0 ? " and " : "") : "")
                + (s.watchMillis() > 0 ? "watch " + s.watchMillis() + " ms" : s.canary() ? "" : "none"));
        FleetRollouts f = fleet.get();
        if (f != null) {
            try {
                l.add(fleetLine(f));
                for (RolloutSummary r : f.rollouts()) {
                    if (!r.ended && INITIATOR.equals(r.initiator)) {
                        l.add("fleet rollout " + r.id + ": " + r.state + " " + r.what);
                    }
                }
            } catch (RuntimeException e) {
                l.add("on a fleet (node " + f.node() + "): " + oneLine(e));
            }
        }
        for (URI u : s.repositories()) {
            l.add("repository " + u + ": " + repositories.getOrDefault(u, "not read yet"));
        }
        l.add("last poll: " + (lastPollMillis == 0 ? "none yet" : java.time.Instant.ofEpochMilli(lastPollMillis).toString()));
        for (String p : pending) {
            l.add("pending: " + p);
        }
        for (String o : outcomes) {
            l.add("recent: " + o);
        }
        memory.all().forEach((k, v) -> l.add(k.replaceFirst("\\.", " ") + ": " + v));
        return l;
    }

    private void remember(String line) {
        outcomes.add(java.time.Instant.now() + " " + line);
        while (outcomes.size() > KEPT) {
            outcomes.remove(0);
        }
    }

    private static String oneLine(Throwable e) {
        String m = e.getMessage();
        return (m == null ? e.getClass().getSimpleName() : m).replace('\n', ' ');
    }

    private static void delete(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // a leftover download; the next poll overwrites it
        }
    }

    /** The version {@code text} as OSGi reads it. */
    static Version version(String text) {
        return Version.parseVersion(text);
    }
}
