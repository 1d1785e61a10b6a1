package swap.core.osgi;

import swap.core.trust.TrustPolicy;
import swap.kernel.Implementation;
import swap.kernel.ImplementationSource;
import swap.kernel.InterposerChain;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceObjects;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.Version;
import org.osgi.framework.wiring.BundleRevision;

import swap.api.ImplementationDTO;
import swap.api.Interposer;
import swap.api.SwapConstants;
import swap.api.SwapException;

/**
 * Implementations are prototype-scope services registered under the component interface with a
 * {@link SwapConstants#IMPL_NAME}; instances come from {@link ServiceObjects}, so DS activates and
 * deactivates them. Thread-safe.
 */
public final class OsgiImplementationSource implements ImplementationSource {

    private final BundleContext context;
    private final TrustPolicy trust;
    private final java.util.Set<Long> staging;

    /** @param staging bundles under trial, which only a target naming their bundle id picks (see {@link Platform#staging()}) */
    OsgiImplementationSource(BundleContext context, TrustPolicy trust, java.util.Set<Long> staging) {
        this.context = context;
        this.trust = trust;
        this.staging = staging;
    }

    /** @return an LDAP filter for {@code target}, checked; a name becomes {@code (swap.impl.name=NAME)} */
    static String toFilter(String target) {
        if (target == null || target.isBlank()) {
            throw new SwapException("no target given: name an implementation (swap:impls lists them) or give an LDAP filter in parentheses");
        }
        String t = target.trim();
        String filter = t.startsWith("(") ? t : "(" + SwapConstants.IMPL_NAME + "=" + escape(t) + ")";
        try {
            FrameworkUtil.createFilter(filter);
        } catch (InvalidSyntaxException e) {
            throw new SwapException("malformed filter " + t + ": " + e.getMessage()
                    + "; write an LDAP filter in parentheses, e.g. (concurrency=distributed), or an implementation name");
        }
        return filter;
    }

    public static String escape(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c == '\\' || c == '*' || c == '(' || c == ')') {
                b.append('\\');
            }
            b.append(c);
        }
        return b.toString();
    }

    @Override
    public java.util.function.Predicate<Map<String, Object>> selector(String selector) {
        String filter = toFilter(selector);
        try {
            org.osgi.framework.Filter f = FrameworkUtil.createFilter(filter);
            return f::matches;
        } catch (InvalidSyntaxException e) {
            throw new SwapException("malformed filter " + selector + ": " + e.getMessage());
        }
    }

    @Override
    public Implementation resolve(Class<?> type, String target, Object exclude) {
        List<String> skipped = new ArrayList<>();
        List<ServiceReference<?>> usable = usable(type, target, exclude, skipped);
        if (usable.isEmpty()) {
            // Some are installed but not usable: installing another bundle is not the answer, what is wrong with these is (issue 24).
            throw new SwapException("no implementation of " + type.getName() + " matches " + target
                    + (skipped.isEmpty() ? "; swap:impls " + type.getName() + " lists what is installed, or install and start a bundle that provides one"
                            : "; not usable: " + String.join(", ", skipped) + "; swap:impls " + type.getName() + " shows them"));
        }
        return new Service(usable.get(0));
    }

    @Override
    public List<Implementation> candidates(Class<?> type, String target, Object exclude) {
        List<Implementation> l = new ArrayList<>();
        for (ServiceReference<?> r : usable(type, target, exclude, new ArrayList<>())) {
            l.add(new Service(r));
        }
        return l;
    }

    @Override
    public String refusal(Implementation impl, Class<?> type) {
        // implementation services and swappable services' providers alike: both offer code for the interface
        return impl.provenance() instanceof ServiceReference<?> ref ? trust.refusal(ref, type.getName()) : null;
    }

    /** @return why the trust policy refuses the code behind {@code ref} as an implementation of {@code iface}, or {@code null} */
    public String refusal(ServiceReference<?> ref, String iface) {
        return trust.refusal(ref, iface);
    }

    /** The services {@code target} matches that can serve {@code type} and pass the trust policy, best first; what was left out and why in {@code skipped}. */
    private List<ServiceReference<?>> usable(Class<?> type, String target, Object exclude, List<String> skipped) {
        String filter = toFilter(target);
        ServiceReference<?>[] refs;
        try {
            refs = context.getAllServiceReferences(type.getName(), "(&(" + SwapConstants.IMPL_NAME + "=*)" + filter + ")");
        } catch (InvalidSyntaxException e) {
            throw new SwapException("malformed filter " + target + ": " + e.getMessage());
        }
        Bundle client = FrameworkUtil.getBundle(type);
        List<ServiceReference<?>> l = new ArrayList<>();
        if (refs != null) {
            for (ServiceReference<?> r : refs) {
                if (r.equals(exclude)) {
                    continue;
                }
                Bundle provider = r.getBundle();
                if (provider != null && staging.contains(provider.getBundleId()) && !filter.contains(Constants.SERVICE_BUNDLEID + "=" + provider.getBundleId() + ")")) {
                    continue; // installed for a dry run: only the dry run itself targets it
                }
                if (!Constants.SCOPE_PROTOTYPE.equals(r.getProperty(Constants.SERVICE_SCOPE))) {
                    skipped.add(name(r) + " (not prototype scope: annotate it @Component(scope = ServiceScope.PROTOTYPE))");
                    continue;
                }
                if (client != null && !r.isAssignableTo(client, type.getName())) {
                    skipped.add(name(r) + " (built against another version of " + type.getPackageName() + ")");
                    continue;
                }
                String refused = trust.refusal(r, type.getName());
                if (refused != null) {
                    skipped.add(name(r) + " (refused by the trust policy: " + refused + ")");
                    continue;
                }
                l.add(r);
            }
        }
        l.sort((x, y) -> compare(y, x));
        return l;
    }

    private static int compare(ServiceReference<?> a, ServiceReference<?> b) {
        int c = version(a).compareTo(version(b));
        return c != 0 ? c : a.compareTo(b); // then ranking (and lower service id)
    }

    /**
     * The implementation's version: its {@code swap.impl.version} property (the first element if it is
     * an array, as {@code @SwapImplementation(version = "1.1.0")} writes it), or, when it has none, the
     * providing bundle's version (issue 23: the version kept in one place, Bundle-Version).
     */
    public static Version version(ServiceReference<?> r) {
        Object v = r.getProperty(SwapConstants.IMPL_VERSION);
        if (v instanceof String[] a) {
            v = a.length == 0 ? null : a[0];
        }
        if (v == null || v.toString().isBlank()) {
            Bundle b = r.getBundle();
            return b == null ? Version.emptyVersion : b.getVersion();
        }
        try {
            return Version.parseVersion(v.toString().trim());
        } catch (IllegalArgumentException e) {
            return Version.emptyVersion;
        }
    }

    public static String name(ServiceReference<?> r) {
        Object n = r.getProperty(SwapConstants.IMPL_NAME);
        return n == null ? "service " + r.getProperty(Constants.SERVICE_ID) : n.toString();
    }

    @Override
    public List<ImplementationDTO> list(String iface) {
        ServiceReference<?>[] refs;
        try {
            refs = context.getAllServiceReferences(iface, "(" + SwapConstants.IMPL_NAME + "=*)");
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        List<ImplementationDTO> l = new ArrayList<>();
        if (refs == null) {
            return l;
        }
        for (ServiceReference<?> r : refs) {
            String[] classes = (String[]) r.getProperty(Constants.OBJECTCLASS);
            for (String c : classes) {
                if (iface != null && !iface.equals(c)) {
                    continue;
                }
                ImplementationDTO d = new ImplementationDTO();
                d.iface = c;
                d.name = name(r);
                d.version = version(r).toString();
                d.bundle = r.getBundle() == null ? null : r.getBundle().getSymbolicName();
                d.bundleId = r.getBundle() == null ? -1 : r.getBundle().getBundleId();
                d.serviceId = (Long) r.getProperty(Constants.SERVICE_ID);
                Map<String, Object> p = new LinkedHashMap<>();
                for (String k : r.getPropertyKeys()) {
                    p.put(k, r.getProperty(k));
                }
                d.properties = p;
                d.refused = trust.refusal(r, c);
                l.add(d);
            }
        }
        l.sort(Comparator.comparing((ImplementationDTO d) -> d.iface).thenComparing(d -> d.name).thenComparing(d -> d.version));
        return l;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    @Override
    public InterposerChain.Named newInterposer(String name) {
        ServiceReference<?>[] refs;
        try {
            refs = context.getAllServiceReferences(Interposer.class.getName(), "(" + SwapConstants.INTERPOSER_NAME + "=" + escape(name) + ")");
        } catch (InvalidSyntaxException e) {
            throw new SwapException("malformed interposer name '" + name + "'");
        }
        if (refs == null) {
            throw new SwapException("no interposer named '" + name + "'; available: " + interposerNames());
        }
        ServiceReference<?> best = refs[0];
        for (ServiceReference<?> r : refs) {
            if (r.compareTo(best) > 0) {
                best = r;
            }
        }
        ServiceObjects objects = context.getServiceObjects(best);
        Object o = objects == null ? null : objects.getService();
        if (!(o instanceof Interposer)) {
            throw new SwapException("interposer '" + name + "' is not available (its bundle stopped, or it failed to activate: see the log)");
        }
        return new InterposerChain.Named(name, (Interposer) o, () -> {
            try {
                objects.ungetService(o);
            } catch (RuntimeException ignored) {
                // already gone with its bundle
            }
        });
    }

    @Override
    public List<String> interposerNames() {
        ServiceReference<?>[] refs;
        try {
            refs = context.getAllServiceReferences(Interposer.class.getName(), "(" + SwapConstants.INTERPOSER_NAME + "=*)");
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        java.util.TreeSet<String> names = new java.util.TreeSet<>();
        if (refs != null) {
            for (ServiceReference<?> r : refs) {
                names.add(String.valueOf(r.getProperty(SwapConstants.INTERPOSER_NAME)));
            }
        }
        return new ArrayList<>(names);
    }

    /** @return the implementation behind {@code ref} (a registered implementation service) */
    public Implementation of(ServiceReference<?> ref) {
        return new Service(ref);
    }

    private final class Service extends Implementation.Named {
        private final ServiceReference<?> ref;
        private final Bundle provider;

        Service(ServiceReference<?> ref) {
            super(OsgiImplementationSource.name(ref), OsgiImplementationSource.version(ref).toString(),
                    ref.getBundle() == null ? null : ref.getBundle().getSymbolicName());
            this.ref = ref;
            this.provider = ref.getBundle();
        }

        @Override
        public String goneBecause() {
            if (ref.getBundle() != null) {
                return null;
            }
            return gone(label(), provider);
        }

        @Override
        public long bundleId() {
            return provider == null ? -1 : provider.getBundleId();
        }

        @Override
        public String revision(Object instance) {
            return OsgiImplementationSource.revision(instance);
        }

        @Override
        public Object origin() {
            return ref;
        }

        @Override
        public Map<String, Object> properties() {
            Map<String, Object> p = new LinkedHashMap<>();
            for (String k : ref.getPropertyKeys()) {
                p.put(k, ref.getProperty(k));
            }
            return p;
        }

        @Override
        public Object newInstance() throws Exception {
            ServiceObjects<?> objects = context.getServiceObjects(ref);
            Object o = objects == null ? null : objects.getService();
            if (o == null) {
                throw new SwapException("implementation " + label() + " is no longer available (its bundle stopped, or its component failed to activate: see the log)");
            }
            return o;
        }

        @SuppressWarnings({"unchecked", "rawtypes"})
        @Override
        public void release(Object instance) {
            try {
                ServiceObjects objects = context.getServiceObjects(ref);
                if (objects != null) {
                    objects.ungetService(instance);
                }
            } catch (RuntimeException ignored) {
                // the service is already gone: the framework released it
            }
        }
    }
    // ------------------------------------------------------------------ descriptions

    /** Why an implementation whose service is gone has no provider, for ORPHANED entries. */
    static String gone(String label, Bundle provider) {
        if (provider == null) {
            return "implementation " + label + " is no longer registered";
        }
        String state;
        switch (provider.getState()) {
            case Bundle.UNINSTALLED: state = "uninstalled"; break;
            case Bundle.RESOLVED: case Bundle.INSTALLED: state = "stopped"; break;
            default: state = "its service was unregistered (bundle " + stateName(provider.getState()) + ")";
        }
        return "implementation " + label + " is gone: bundle " + provider.getSymbolicName() + " (" + provider.getBundleId() + ") "
                + (state.startsWith("its") ? "active, but " + state : state)
                + "; the entry runs on its last instance and moves to the next implementation of that name that registers";
    }

    private static String stateName(int s) {
        switch (s) {
            case Bundle.ACTIVE: return "ACTIVE";
            case Bundle.STARTING: return "STARTING";
            case Bundle.STOPPING: return "STOPPING";
            default: return String.valueOf(s);
        }
    }

    /** The bundle revision {@code instance}'s class comes from, as {@code version (revision)}. */
    static String revision(Object instance) {
        Bundle b = instance == null ? null : FrameworkUtil.getBundle(instance.getClass());
        if (b == null) {
            return null;
        }
        ClassLoader l = instance.getClass().getClassLoader();
        BundleRevision current = b.adapt(BundleRevision.class);
        boolean isCurrent = current != null && current.getWiring() != null && current.getWiring().getClassLoader() == l;
        return revisionOf(b) + (isCurrent ? "" : " (stale: " + l + ")");
    }

    public static String revisionOf(Bundle b) {
        BundleRevision r = b.adapt(BundleRevision.class);
        return b.getVersion() + " [" + (r == null ? "?" : r.toString()) + "]";
    }
}
