package swap.kernel;

import java.util.List;

/**
 * A class loader that defines nothing itself and finds classes in several others, in order: the
 * loader of the {@code java.lang.reflect.Proxy} classes a front needs (its hold implements the
 * service interface and {@link swap.api.StatefulComponent}; its service factory must let the
 * framework load the service interface from the factory's class, as Felix checks service
 * visibility that way). Thread-safe.
 */
public final class JoinedLoader extends ClassLoader {

    static {
        registerAsParallelCapable();
    }

    private final List<ClassLoader> loaders;

    /** @param loaders where classes come from, in order ({@code null} entries, the boot loader, are skipped) */
    public JoinedLoader(List<ClassLoader> loaders) {
        super("swap-fronts", null);
        this.loaders = loaders.stream().filter(java.util.Objects::nonNull).distinct().toList();
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
        for (ClassLoader l : loaders) {
            try {
                return l.loadClass(name);
            } catch (ClassNotFoundException next) {
                // try the next one
            }
        }
        throw new ClassNotFoundException(name);
    }
}
