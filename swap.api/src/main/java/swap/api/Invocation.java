package swap.api;

import java.lang.reflect.Method;

/**
 * One call passing through an {@link Interposer}.
 *
 * <p>Provided by the platform; valid only on the calling thread during {@link Interposer#invoke}.
 */
@org.osgi.annotation.versioning.ProviderType
public interface Invocation {

    /** @return the id of the entry called */
    long entryId();

    /** @return the interface method called */
    Method method();

    /** @return the arguments (the array may be changed before {@link #proceed()}) */
    Object[] arguments();

    /**
     * Passes the call on to the next interposer, or to the entry's current implementation.
     *
     * @return the call's result ({@code null} for {@code void}; primitives boxed)
     * @throws Throwable exactly what the implementation threw
     */
    Object proceed() throws Throwable;
}
