package swap.core.service;

import swap.kernel.Implementation;

import java.util.LinkedHashMap;
import java.util.Map;

import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceObjects;
import org.osgi.framework.ServiceReference;

import swap.api.SwapException;

/**
 * An ordinary OSGi service of any scope as an {@link Implementation}: instances come from
 * {@link BundleContext#getServiceObjects} of the bundle that uses them (swap.core for a singleton
 * front, the consuming bundle for bundle and prototype scope, so a bundle-scope provider sees its
 * real consumer) and go back with {@link ServiceObjects#ungetService}. Its {@link #origin()} is the
 * front, not the service reference, so the swap manager's own life-cycle handling of
 * implementation services leaves these entries alone. Thread-safe.
 */
final class ServiceImplementation extends Implementation.Named {

    private final ServiceReference<?> ref;
    private final ServiceObjects<Object> objects;
    private final Object origin;

    @SuppressWarnings("unchecked")
    ServiceImplementation(ServiceReference<?> ref, BundleContext user, Object origin) {
        super(name(ref), ref.getBundle() == null ? "0.0.0" : ref.getBundle().getVersion().toString(),
                ref.getBundle() == null ? null : ref.getBundle().getSymbolicName());
        this.ref = ref;
        this.objects = (ServiceObjects<Object>) user.getServiceObjects(ref);
        this.origin = origin;
    }

    /** The component name, else the interface names. */
    private static String name(ServiceReference<?> ref) {
        Object component = ref.getProperty("component.name");
        return component != null ? component.toString() : String.join(",", (String[]) ref.getProperty(Constants.OBJECTCLASS));
    }

    @Override
    public Object origin() {
        return origin;
    }

    @Override
    public long bundleId() {
        org.osgi.framework.Bundle b = ref.getBundle();
        return b == null ? -1 : b.getBundleId();
    }

    /** The provider's service: what the trust gate judges (a front moves only to a provider the trust policy allows). */
    @Override
    public Object provenance() {
        return ref;
    }

    @Override
    public Map<String, Object> properties() {
        Map<String, Object> p = new LinkedHashMap<>();
        for (String k : ref.getPropertyKeys()) {
            p.put(k, ref.getProperty(k));
        }
        p.put(swap.api.SwapConstants.IMPL_NAME, name());
        p.put(swap.api.SwapConstants.IMPL_VERSION, version());
        return p;
    }

    @Override
    public Object newInstance() {
        Object o = objects == null ? null : objects.getService();
        if (o == null) {
            throw new SwapException("service " + ref.getProperty(Constants.SERVICE_ID) + " (" + name() + ") is no longer available");
        }
        return o;
    }

    @Override
    public void release(Object instance) {
        try {
            if (objects != null) {
                objects.ungetService(instance);
            }
        } catch (RuntimeException ignored) {
            // already released by the framework (the service or the using bundle went away)
        }
    }

    @Override
    public String label() {
        return name() + " " + version() + " (service " + ref.getProperty(Constants.SERVICE_ID) + ")";
    }
}
