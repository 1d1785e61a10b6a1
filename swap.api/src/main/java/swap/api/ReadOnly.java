package swap.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.Comparator;

/**
 * Marks a method of a component interface as free of side effects: calling it changes no state of
 * the instance (nor of anything the caller can see), so the platform may call it a second time on
 * another instance. A canary swap ({@link SwapOptions#canary}) mirrors exactly these calls to the
 * canary and compares the two results; calls to unmarked methods are treated as writes and are not
 * mirrored.
 *
 * <p>Results are compared with {@link Object#equals} (arrays by content), or with the
 * {@link #comparator()} the interface names: two results agree when it returns 0. Two calls that
 * both threw agree when the exceptions are of the same class.
 *
 * <pre>{@code
 * public interface Counter {
 *     long increment();
 *     @ReadOnly long get();
 * }
 * }</pre>
 *
 * <p>Read at run time (reflection) on the interface method, not on the implementation.
 *
 * @since 1.2
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface ReadOnly {

    /**
     * A comparator of two results of this method (the running instance's first), with a public
     * no-argument constructor; {@code Comparator.class}, the default, means {@link Object#equals}.
     */
    @SuppressWarnings("rawtypes")
    Class<? extends Comparator> comparator() default Comparator.class;
}
