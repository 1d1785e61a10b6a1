package swap.api.component;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.osgi.service.component.annotations.ComponentPropertyType;

/**
 * Marks a DS component as an implementation of the swap platform: it sets the service properties
 * {@code swap.impl.name} ({@link swap.api.SwapConstants#IMPL_NAME}) and, if given,
 * {@code swap.impl.version} ({@link swap.api.SwapConstants#IMPL_VERSION}). Without a version the
 * platform takes the providing bundle's {@code Bundle-Version}, so the version is kept in one place.
 * The component must be of prototype scope ({@code @Component(scope = ServiceScope.PROTOTYPE)}).
 */
@ComponentPropertyType
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface SwapImplementation {

    /** Prefix of the property names: {@code name} is {@code swap.impl.name}, {@code version} is {@code swap.impl.version}. */
    String PREFIX_ = "swap.impl.";

    /** The implementation name, what swap targets name, e.g. {@code "counter.mine"}. */
    String name();

    /**
     * The implementation version in OSGi syntax, e.g. {@code "1.1.0"}; leave it out to use the
     * bundle's version (an empty array sets no property).
     */
    String[] version() default {};
}
