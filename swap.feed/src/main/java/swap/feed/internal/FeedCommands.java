package swap.feed.internal;

import java.util.List;

import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/** {@code feed:status}, {@code feed:check}, {@code feed:hold}, {@code feed:release}: the fix feed from the shell. */
@Component(service = FeedCommands.class, property = {"osgi.command.scope=feed", "osgi.command.function=status", "osgi.command.function=check",
        "osgi.command.function=hold", "osgi.command.function=release"})
public class FeedCommands {

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile FeedComponent feed;

    @Descriptor("the fix feed: repositories, last poll, what is pending, taken, refused and why, what is remembered as bad or on hold")
    public String status() {
        FeedComponent f = feed();
        if (f.invalid() != null) {
            return "feed: the configuration (PID swap.feed) is refused, nothing is polled: " + f.invalid();
        }
        return String.join("\n", f.feed().status());
    }

    @Descriptor("poll the repositories now and take what is found (--dry-run: only list what would be taken)")
    public String check(@Descriptor("list what would be taken, take nothing") @Parameter(names = {"-n", "--dry-run"}, presentValue = "true", absentValue = "false")
            boolean dryRun) {
        FeedComponent f = feed();
        if (f.invalid() != null) {
            throw new Refused("feed: the configuration (PID swap.feed) is refused: " + f.invalid());
        }
        List<String> l = f.feed().poll(dryRun);
        return String.join("\n", l);
    }

    @Descriptor("take no fix for an implementation (its name, or its bundle's symbolic name) until feed:release")
    public String hold(@Descriptor("implementation name (swap:impls) or bundle symbolic name") String word) {
        feed().feed().memory().hold(word.trim());
        return "feed: " + word.trim() + " is on hold: no fix is taken for it until feed:release " + word.trim();
    }

    @Descriptor("take fixes for an implementation again, and retry the versions refused for it")
    public String release(@Descriptor("implementation name or bundle symbolic name, as given to feed:hold") String word) {
        boolean was = feed().feed().memory().release(word.trim());
        return "feed: " + word.trim() + (was ? " is released" : " was not on hold") + "; versions refused for it are tried again at the next poll (feed:check polls now)";
    }

    private FeedComponent feed() {
        FeedComponent f = feed;
        if (f == null) {
            throw new Refused("feed: not configured: create PID swap.feed with repositories=file:/path/to/index.xml (docs/feed.md)");
        }
        return f;
    }
}
