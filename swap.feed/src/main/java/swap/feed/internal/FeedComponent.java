package swap.feed.internal;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

import swap.api.TrustCheck;
import swap.api.UpgradeManager;
import swap.fleet.api.FleetRollouts;

/**
 * The fix feed as a DS component: inactive until PID {@value #PID} is configured; reads its
 * configuration (a bad value is refused in one line on the console and in {@code feed:status},
 * and the feed then polls nothing), polls on its own thread every {@code poll.seconds}, and lends
 * {@link Feed} to the {@code feed:*} commands. The logic is in {@link Feed}.
 */
@Component(service = FeedComponent.class, configurationPid = FeedComponent.PID, configurationPolicy = ConfigurationPolicy.REQUIRE, immediate = true)
@Designate(ocd = FeedComponent.Config.class)
public class FeedComponent {
    static final String PID = "swap.feed";

    @ObjectClassDefinition(id = PID, name = "Swap fix feed", description = "Polls repositories of implementation bundles for newer versions and takes them: "
            + "trust policy checked before install, side-by-side upgrade under a watch, reverted and remembered as bad if worse.")
    public @interface Config {
        @AttributeDefinition(name = "Repositories", description = "URLs of OSGi Repository indexes (R5 XML as bnd writes it, plain or .gz), e.g. file:/opt/fixes/index.xml")
        String[] repositories();

        @AttributeDefinition(name = "Poll period (s)", description = "How often the repositories are read.", min = "1")
        long poll_seconds() default 300;

        @AttributeDefinition(name = "Take", description = "Which newer versions are taken: micro (same major.minor), minor (same major) or major (any).",
                options = {@Option(value = "micro", label = "micro"), @Option(value = "minor", label = "minor"), @Option(value = "major", label = "major")})
        String take() default "micro";

        @AttributeDefinition(name = "Watch window (ms)", description = "How long the moved entries are watched; if they get worse, every entry goes back "
                + "and the version is remembered as bad. 0: no watch (not advised).", min = "0")
        long watch_millis() default 10_000;

        @AttributeDefinition(name = "Canary", description = "Move each entry only after a canary of its own agreed (its interface needs @ReadOnly methods, "
                + "and reads must dominate while it runs).")
        boolean canary() default false;

        @AttributeDefinition(name = "Fleet: canary nodes", description = "On a fleet (swap.fleet configured), the coordinator rolls each fix out: "
                + "this many canary nodes first.", min = "0")
        int fleet_canary() default 1;

        @AttributeDefinition(name = "Fleet: wave size", description = "On a fleet, the waves after the canary: a node count (2) or a percentage of the rest (50%).")
        String fleet_waves() default "50%";
    }

    private final Feed feed;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "swap-feed");
        t.setDaemon(true);
        return t;
    });
    private volatile String invalid;
    /** The fleet line printed last (on a fleet, each poll says who polls: printed when it changes, not every period). */
    private volatile String lastFleetLine;

    /**
     * The fleet this framework is a member of: present while swap.fleet is configured here. Then only
     * the coordinator polls, and each fix becomes a fleet rollout.
     */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile FleetRollouts fleet;
    private volatile java.util.concurrent.ScheduledFuture<?> polls;

    @Activate
    public FeedComponent(BundleContext context, @Reference UpgradeManager upgrades, @Reference TrustCheck trust, Config config) {
        Path data = context.getDataFile("feed").toPath();
        this.feed = new Feed(context, () -> upgrades, () -> trust, () -> fleet, data, new Feed.Settings(List.of(), Take.MICRO, 0, false, 300));
        modified(config);
    }

    @Modified
    void modified(Config c) {
        java.util.concurrent.ScheduledFuture<?> p = polls;
        if (p != null) {
            p.cancel(false);
        }
        Feed.Settings s;
        try {
            s = settings(c);
        } catch (IllegalArgumentException e) {
            invalid = e.getMessage();
            System.out.println("swap: the fix feed's configuration (PID " + PID + ") is refused, nothing is polled: " + invalid);
            return;
        }
        invalid = null;
        feed.configure(s);
        System.out.println("swap: fix feed on: " + s.repositories().size() + " repositor" + (s.repositories().size() == 1 ? "y" : "ies") + ", take="
                + s.rule() + ", poll every " + s.pollSeconds() + " s (feed:status)");
        // the first poll after at most 5 s (not at once): a fleet configured beside the feed (both files in deploy/) has joined by
        // then, so a fleet member never takes a fix by itself before it knows it is on a fleet
        polls = thread.scheduleWithFixedDelay(() -> {
            try {
                for (String line : feed.poll(false)) {
                    if (line.startsWith("on a fleet")) {
                        if (!line.equals(lastFleetLine)) {
                            lastFleetLine = line;
                            System.out.println("swap: feed: " + line);
                        }
                    } else if (!line.startsWith("nothing to take") && !line.startsWith("fleet rollout ")) { // a running rollout: fleet:status follows it
                        System.out.println("swap: feed: " + line); // what a fix did is told where the operator looks, as trust decisions are
                    }
                }
            } catch (RuntimeException | LinkageError e) {
                System.out.println("swap: fix feed poll failed: " + e.getMessage());
            }
        }, Math.min(5, s.pollSeconds()), s.pollSeconds(), TimeUnit.SECONDS);
    }

    static Feed.Settings settings(Config c) {
        String[] repos = c.repositories();
        if (repos == null || repos.length == 0) {
            throw new IllegalArgumentException("no repositories: set repositories=file:/path/to/index.xml (one or more URLs)");
        }
        List<URI> uris = new ArrayList<>();
        List<String> each = new ArrayList<>();
        for (String r : repos) {
            for (String one : r.split(",")) { // a .cfg file gives "a,b" as one string
                if (!one.isBlank()) {
                    each.add(one.trim());
                }
            }
        }
        for (String r : each) {
            try {
                URI u = new URI(r.trim());
                if (!u.isAbsolute()) {
                    throw new IllegalArgumentException("repositories: " + r + " is not an absolute URL; write e.g. file:/opt/fixes/index.xml");
                }
                uris.add(u);
            } catch (java.net.URISyntaxException e) {
                throw new IllegalArgumentException("repositories: " + r + " is not a URL; write e.g. file:/opt/fixes/index.xml");
            }
        }
        if (c.poll_seconds() < 1) {
            throw new IllegalArgumentException("poll.seconds=" + c.poll_seconds() + " is too short; write poll.seconds=300 (at least 1)");
        }
        if (c.watch_millis() < 0) {
            throw new IllegalArgumentException("watch.millis=" + c.watch_millis() + " is negative; write watch.millis=10000");
        }
        if (c.fleet_canary() < 0) {
            throw new IllegalArgumentException("fleet.canary=" + c.fleet_canary() + " is negative; write fleet.canary=1");
        }
        String waves = c.fleet_waves() == null ? "50%" : c.fleet_waves().trim();
        if (!waves.matches("[1-9]\\d*|([1-9]\\d?|100)%")) {
            throw new IllegalArgumentException("fleet.waves=" + waves + " is neither a node count nor a percentage; write fleet.waves=50% or fleet.waves=2");
        }
        return new Feed.Settings(List.copyOf(uris), Take.of(c.take()), c.watch_millis(), c.canary(), c.poll_seconds(), c.fleet_canary(), waves);
    }

    @Deactivate
    void deactivate() {
        thread.shutdownNow();
    }

    Feed feed() {
        return feed;
    }

    /** @return why the configuration is refused, or {@code null} */
    String invalid() {
        return invalid;
    }
}
