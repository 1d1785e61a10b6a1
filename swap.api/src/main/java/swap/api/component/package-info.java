/**
 * Component property types (Declarative Services 1.4) for implementation bundles, so that no
 * service property is written as a string: {@link swap.api.component.SwapImplementation} on an
 * implementation ({@code swap.impl.name}, optionally {@code swap.impl.version}) and
 * {@link swap.api.component.Swappable} on an ordinary service made swappable
 * ({@code swap.swappable=true}).
 *
 * <pre>{@code
 * @Component(service = Counter.class, scope = ServiceScope.PROTOTYPE)
 * @SwapImplementation(name = "counter.mine")          // version: the bundle's Bundle-Version
 * public class MyCounter implements Counter { ... }
 *
 * @Component(service = SessionStore.class, scope = ServiceScope.PROTOTYPE)
 * @Swappable
 * public class MapStore implements SessionStore { ... }
 * }</pre>
 *
 * <p>Class retention: bnd writes the properties into the component's descriptor at build time;
 * nothing of this package is needed at run time (it is exported for completeness, version 1.0.0).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package swap.api.component;
