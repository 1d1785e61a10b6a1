package swap.kernel;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.function.Supplier;

import swap.api.ImplementationDTO;
import swap.api.Interposer;
import swap.api.SwapConstants;
import swap.api.SwapException;

/**
 * Implementations registered in plain Java, for running the engine outside OSGi (unit tests,
 * benchmarks). Targets work as on OSGi: a name, or an LDAP-style filter of the simple form
 * {@code (key=value)} over the properties given at registration.
 *
 * <p>Thread-safe.
 */
public final class StandaloneSource implements ImplementationSource {

    private static final String OBJECT_CLASS = "objectClass";
    private final List<Impl> impls = new CopyOnWriteArrayList<>();
    private final Map<String, Supplier<? extends Interposer>> interposers = new java.util.concurrent.ConcurrentHashMap<>();

    private final Map<String, String> refused = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * A trust rule: implementations named {@code name} may not run ({@code why} says why), though they
     * stay registered and resolvable: the swap protocol's trust gate refuses them on every path.
     */
    public void refuse(String name, String why) {
        refused.put(name, why);
    }

    @Override
    public String refusal(Implementation impl, Class<?> type) {
        return impl instanceof Impl ? refused.get(impl.name()) : null;
    }

    @Override
    public List<Implementation> candidates(Class<?> type, String target, Object exclude) {
        Predicate<Map<String, Object>> match = selector(target);
        List<Implementation> l = new ArrayList<>();
        for (Impl i : impls) {
            if (i.type == type && i != exclude && match.test(i.properties)) {
                l.add(i);
            }
        }
        l.sort((a, b) -> compareVersions(b.version(), a.version()));
        return l;
    }

    /** Registers an interposer factory under {@code name}: each entry it is put on gets a new instance. */
    public void addInterposer(String name, Supplier<? extends Interposer> factory) {
        interposers.put(name, factory);
    }

    @Override
    public InterposerChain.Named newInterposer(String name) {
        Supplier<? extends Interposer> f = interposers.get(name);
        if (f == null) {
            throw new SwapException("no interposer named '" + name + "'; available: " + interposerNames());
        }
        return new InterposerChain.Named(name, f.get());
    }

    @Override
    public List<String> interposerNames() {
        List<String> l = new ArrayList<>(interposers.keySet());
        l.sort(null);
        return l;
    }

    /**
     * Registers an implementation.
     *
     * @param properties further characteristics, as {@code key, value, key, value...}
     */
    public <T> void add(Class<T> type, String name, String version, Supplier<? extends T> factory, String... properties) {
        if (properties.length % 2 != 0) {
            throw new IllegalArgumentException("properties come in key, value pairs, e.g. \"concurrency\", \"shared\"; got " + properties.length
                    + " strings: " + java.util.Arrays.toString(properties));
        }
        Map<String, Object> p = new HashMap<>();
        for (int i = 0; i < properties.length; i += 2) {
            p.put(properties[i], properties[i + 1]);
        }
        p.put(SwapConstants.IMPL_NAME, name);
        p.put(SwapConstants.IMPL_VERSION, version);
        p.put(OBJECT_CLASS, type.getName());
        impls.add(new Impl(type, name, version, factory, p));
    }

    /**
     * Removes every implementation of this name. Entries still running one of its instances are
     * shown ORPHANED (as when an OSGi implementation's bundle is gone) until swapped.
     */
    public void remove(String name) {
        for (Impl i : impls) {
            if (i.name().equals(name)) {
                i.removed = true;
            }
        }
        impls.removeIf(i -> i.name().equals(name));
    }

    /**
     * A filter of the simple forms this source understands: {@code NAME}, {@code (key=value)},
     * {@code (key=*)} and {@code (&(key=value)(key=value)...)}.
     */
    @Override
    public Predicate<Map<String, Object>> selector(String target) {
        if (target == null || target.isBlank()) {
            throw new SwapException("no target given: name an implementation or give a filter (key=value)");
        }
        if (!target.startsWith("(")) {
            return p -> target.equals(String.valueOf(p.get(SwapConstants.IMPL_NAME)));
        }
        if (target.startsWith("(&") && target.endsWith(")")) {
            List<Predicate<Map<String, Object>>> terms = new ArrayList<>();
            String inner = target.substring(2, target.length() - 1);
            int depth = 0;
            int from = 0;
            for (int i = 0; i < inner.length(); i++) {
                char c = inner.charAt(i);
                if (c == '(' && depth++ == 0) {
                    from = i;
                } else if (c == ')' && --depth == 0) {
                    terms.add(selector(inner.substring(from, i + 1)));
                }
            }
            if (depth != 0 || terms.isEmpty()) {
                throw new SwapException("malformed filter '" + target + "': write (&(key=value)(key=value))");
            }
            return p -> terms.stream().allMatch(t -> t.test(p));
        }
        int eq = target.indexOf('=');
        if (!target.endsWith(")") || eq < 0) {
            throw new SwapException("malformed filter '" + target + "': write (key=value)");
        }
        String key = target.substring(1, eq);
        String value = target.substring(eq + 1, target.length() - 1);
        return p -> value.equals("*") ? p.containsKey(key) : p.containsKey(key) && value.equals(String.valueOf(p.get(key)));
    }

    @Override
    public Implementation resolve(Class<?> type, String target, Object exclude) {
        Predicate<Map<String, Object>> match = selector(target);
        Impl best = null;
        for (Impl i : impls) {
            if (i.type == type && i != exclude && match.test(i.properties)) {
                if (best == null || compareVersions(i.version(), best.version()) > 0) {
                    best = i;
                }
            }
        }
        if (best == null) {
            throw new SwapException("no implementation of " + type.getName() + " matches " + target);
        }
        return best;
    }

    static int compareVersions(String a, String b) {
        String[] x = a.split("\\.");
        String[] y = b.split("\\.");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            int c = Integer.compare(i < x.length ? Integer.parseInt(x[i]) : 0, i < y.length ? Integer.parseInt(y[i]) : 0);
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }

    @Override
    public List<ImplementationDTO> list(String iface) {
        List<ImplementationDTO> l = new ArrayList<>();
        for (Impl i : impls) {
            if (iface == null || iface.equals(i.type.getName())) {
                ImplementationDTO d = new ImplementationDTO();
                d.iface = i.type.getName();
                d.name = i.name();
                d.version = i.version();
                d.properties = new HashMap<>(i.properties);
                l.add(d);
            }
        }
        l.sort(Comparator.comparing((ImplementationDTO d) -> d.iface).thenComparing(d -> d.name));
        return l;
    }

    private static final class Impl extends Implementation.Named {
        final Class<?> type;
        final Supplier<?> factory;
        final Map<String, Object> properties;
        volatile boolean removed;

        Impl(Class<?> type, String name, String version, Supplier<?> factory, Map<String, Object> properties) {
            super(name, version, null);
            this.type = type;
            this.factory = factory;
            this.properties = properties;
        }

        @Override
        public Object origin() {
            return this;
        }

        @Override
        public String goneBecause() {
            return removed ? "implementation " + label() + " was removed from its source" : null;
        }

        @Override
        public Map<String, Object> properties() {
            return properties;
        }

        @Override
        public Object newInstance() {
            return factory.get();
        }

        @Override
        public void release(Object instance) {
            if (instance instanceof AutoCloseable) {
                try {
                    ((AutoCloseable) instance).close();
                } catch (Exception ignored) {
                    // a release never throws
                }
            }
        }
    }
}
