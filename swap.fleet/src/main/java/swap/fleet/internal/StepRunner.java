package swap.fleet.internal;

/**
 * Runs a rollout's step on this node. An apply ends either OK (the step ran and its health gate
 * passed, or there was nothing to do here) or FAILED with this node back where it was; a
 * roll-back undoes what this node's apply of the same rollout did (OK with nothing to do if it did
 * nothing). Both must be safe to call again for a step that already ran: the caller
 * ({@link Agent}) runs each step of each rollout once per incarnation, but a node cannot always
 * tell what a previous incarnation did.
 *
 * <p>Called by the agent's one thread.
 */
interface StepRunner {
    StepResult apply(Rollout r);

    StepResult rollback(Rollout r);
}
