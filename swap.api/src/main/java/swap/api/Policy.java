package swap.api;

/**
 * An autonomic policy: reads monitors and asks for swaps. Policies are implementations like any
 * other (prototype-scope DS components registered under this interface with
 * {@link SwapConstants#IMPL_NAME}); the platform's policy runner puts each behind a swap-manager
 * entry, so the decision algorithm itself can be swapped at run time.
 *
 * <p>Threading: the policy runner calls {@link #evaluate} periodically from one thread at a time.
 * Consumer type: policy bundles implement it.
 */
@org.osgi.annotation.versioning.ConsumerType
public interface Policy {

    /**
     * Looks at the platform and asks the manager for the swaps it decides on; each swap's reason
     * should say why (it reaches the events and the history).
     *
     * @return a one-line description of what it decided this time, or {@code null} for nothing
     */
    String evaluate(SwapManager manager);
}
