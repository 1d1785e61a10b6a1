package swap.core.upgrade;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

import swap.api.UpgradeManager;

/**
 * The upgrade policy of one implementation name: one factory configuration of PID
 * {@value #PID} per name, e.g. {@code name=counter.simple}, {@code policy=auto}. A name without
 * one is {@code manual}. The configuration's properties are this component's service properties,
 * which {@link Upgrades#policy(String)} reads when an implementation registers.
 */
@Component(service = UpgradePolicy.class, configurationPid = UpgradePolicy.PID, configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = UpgradePolicy.Config.class, factory = true)
public class UpgradePolicy {

    /** The factory PID. */
    public static final String PID = "swap.upgrade.policy";
    /** Service/configuration property: the implementation name ({@code swap.impl.name}) the policy is for. */
    static final String NAME = "name";
    /** Service/configuration property: {@code manual} or {@code auto}. */
    static final String POLICY = "policy";
    /** Service/configuration property: the watch window of automatic moves, in ms (0: none). */
    static final String WATCH = "watch.millis";
    /** Service/configuration property: whether an automatic upgrade moves each entry after a canary of its own. */
    static final String CANARY = "canary";

    @ObjectClassDefinition(id = PID, name = "Upgrade policy", description = "What happens to the entries of an implementation name when a higher swap.impl.version of it registers.")
    public @interface Config {
        @AttributeDefinition(name = "Implementation name", description = "The swap.impl.name the policy is for, e.g. counter.simple.")
        String name();

        @AttributeDefinition(name = "Policy", description = "manual: entries move only when asked (swap:swap, swap:upgrade). auto: every entry on a lower version moves to the higher one as soon as it registers.",
                options = {@Option(value = UpgradeManager.MANUAL, label = "manual"), @Option(value = UpgradeManager.AUTO, label = "auto")})
        String policy() default UpgradeManager.MANUAL;

        @AttributeDefinition(name = "Watch window (ms)", description = "Watch every move of this name that nobody typed for this many milliseconds: "
                + "an auto upgrade, and an in-place update (update, refresh, a jar replaced in deploy/) of a bundle providing it. If the entries get worse "
                + "than just before (configuration swap.core.safe), they go back: an auto upgrade to the lower version, an in-place update to the bundle's "
                + "previous revision. 0: no watch.", min = "0")
        long watch_millis() default 0;

        @AttributeDefinition(name = "Canary", description = "An auto upgrade moves each entry only after a canary of its own agreed (the interface needs "
                + "@ReadOnly methods); entries whose canary does not agree stay on the lower version.")
        boolean canary() default false;
    }
}
