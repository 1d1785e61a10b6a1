package swap.kernel;

/**
 * One implementation a target resolved to: where instances come from and where they go back.
 * For OSGi it wraps a prototype-scope service's {@code ServiceObjects}.
 *
 * <p>Thread-safe.
 */
public interface Implementation {

    /** @return the implementation name ({@code swap.impl.name}) */
    String name();

    /** @return the implementation version */
    String version();

    /** @return the providing bundle's symbolic name, or {@code null} */
    String bundle();

    /** @return a key identifying where instances come from (the service id), for life-cycle tracking */
    Object origin();

    /**
     * @return what the trust gate judges ({@link ImplementationSource#refusal}): where the code comes
     *         from, e.g. the service reference of the providing bundle; by default {@link #origin()}
     */
    default Object provenance() {
        return origin();
    }

    /** @return a new instance; throws what instantiation threw */
    Object newInstance() throws Exception;

    /** Gives an instance made by {@link #newInstance()} back (DS deactivates it). Never throws. */
    void release(Object instance);

    /**
     * @return the implementation's properties (service properties on OSGi), which batch selectors
     *         match: at least {@link swap.api.SwapConstants#IMPL_NAME} and {@link swap.api.SwapConstants#IMPL_VERSION}
     */
    default java.util.Map<String, Object> properties() {
        return java.util.Map.of(swap.api.SwapConstants.IMPL_NAME, name(), swap.api.SwapConstants.IMPL_VERSION, version());
    }

    /**
     * @return why instances of this implementation have no provider any more (its service was
     *         unregistered: the bundle stopped or was uninstalled), or {@code null} while it is
     *         available; an entry still running such an instance is ORPHANED
     */
    default String goneBecause() {
        return null;
    }

    /** @return the providing bundle's id, {@code -1} if none */
    default long bundleId() {
        return -1;
    }

    /** @return which revision of the providing bundle {@code instance}'s class comes from, e.g. {@code 1.0.0 (19.1)}, or {@code null} */
    default String revision(Object instance) {
        return null;
    }

    /** @return {@code name version}, for messages */
    default String label() {
        return name() + " " + version();
    }

    /** The name, version and bundle every implementation reports. */
    public abstract class Named implements Implementation {
        private final String name;
        private final String version;
        private final String bundle;

    public     Named(String name, String version, String bundle) {
            this.name = name;
            this.version = version;
            this.bundle = bundle;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public String version() {
            return version;
        }

        @Override
        public String bundle() {
            return bundle;
        }
    }
}
