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

    @ObjectClassDefinition(id = PID, name = "Upgrade policy", description = "What happens to the entries of an implementation name when a higher swap.impl.version of it registers.")
    public @interface Config {
        @AttributeDefinition(name = "Implementation name", description = "The swap.impl.name the policy is for, e.g. counter.simple.")
        String name();

        @AttributeDefinition(name = "Policy", description = "manual: entries move only when asked (swap:swap, swap:upgrade). auto: every entry on a lower version moves to the higher one as soon as it registers.",
                options = {@Option(value = UpgradeManager.MANUAL, label = "manual"), @Option(value = UpgradeManager.AUTO, label = "auto")})
        String policy() default UpgradeManager.MANUAL;
    }
}
