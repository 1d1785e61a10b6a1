package swap.api;

import java.util.Map;

/** An implementation available to swap to: a registered prototype-scope service. */
public final class ImplementationDTO {
    /** The component interface's name. */
    public String iface;
    /** {@link SwapConstants#IMPL_NAME}. */
    public String name;
    /** {@link SwapConstants#IMPL_VERSION}. */
    public String version;
    /** The providing bundle's symbolic name. */
    public String bundle;
    /** The providing bundle's id. */
    public long bundleId;
    /** The service id. */
    public long serviceId;
    /** All service properties (characteristics included). */
    public Map<String, Object> properties;
    /**
     * Why the platform's trust policy refuses this implementation (it is then never a swap target),
     * or {@code null} when it is trusted. Since API 1.2.
     */
    public String refused;

    /**
     * One readable line (what a script's {@code echo $it} prints), e.g. {@code counter.simple 1.0.0 (swap.example.counter.Counter, bundle swap.example.simple 25)}.
     *
     * @since 1.6
     */
    @Override
    public String toString() {
        return name + " " + version + " (" + iface + ", bundle " + bundle + " " + bundleId + ")" + (refused == null ? "" : " refused: " + refused);
    }
}
