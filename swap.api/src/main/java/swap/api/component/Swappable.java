package swap.api.component;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.osgi.service.component.annotations.ComponentPropertyType;

/**
 * Makes an ordinary DS service swappable: sets {@code swap.swappable=true}
 * ({@link swap.api.SwapConstants#SWAPPABLE}, a {@code Boolean}); the platform then puts each of its
 * consumers' instances behind an entry. A marker: DS names the property after the annotation
 * ({@code Swappable} becomes {@code swappable}, with the prefix {@code swap.}).
 */
@ComponentPropertyType
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface Swappable {

    /** Prefix of the property name: {@code swap.swappable}. */
    String PREFIX_ = "swap.";
}
