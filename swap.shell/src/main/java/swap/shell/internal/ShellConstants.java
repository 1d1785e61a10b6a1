package swap.shell.internal;

/**
 * Service-property keys the shell looks for. Proposed for {@code swap.api.SwapConstants}; until they
 * move there, monitor and policy authors use the literal values.
 */
public final class ShellConstants {
    private ShellConstants() {
    }

    /**
     * Service property, {@code String}: the name under which an {@link swap.api.Interposer} service is
     * offered to operators ({@code swap:interpose ID NAME}). A prototype-scope service gives each entry
     * its own instance (its own statistics); any other scope is shared by every entry it is put on.
     *
     * <p>Statistics: an interposer that also implements
     * {@code java.util.function.Supplier<Map<String, Object>>} is asked for them by {@code swap:stats}.
     */
    public static final String INTERPOSER_NAME = "swap.interposer.name";

    /** Service property, {@code String}: the name of a policy service, for {@code swap:policy}. */
    public static final String POLICY_NAME = "swap.policy.name";

    /** Service property, {@code Boolean}: whether the policy acts (default {@code true}). */
    public static final String POLICY_ENABLED = "swap.policy.enabled";
}
