package swap.core;

/** Placeholder so swap.core builds on the foundation branch; deleted when the engine is merged. */
class Placeholder {
}
