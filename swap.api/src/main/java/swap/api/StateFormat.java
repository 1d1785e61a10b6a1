package swap.api;

import java.util.Objects;

/**
 * A typed key naming one way to carry a component's state from an old implementation to a new one.
 *
 * <p>Two formats are the same format when their names are equal; the type is the Java type of the
 * state object handed over, and both sides must agree on it (a mismatch is reported as a failed
 * swap, nothing changes). A format may hand over a live structure <em>by reference</em> (constant
 * time: the exporter must then never touch it again once the swap completes) or carry a canonical
 * copy. A canonical format may be split into parts (for example a {@code List} of partitions) so
 * that the importer can import them in parallel with {@link TransferContext#executor()}.
 *
 * <p>{@link #EMPTY} means "start empty"; it is chosen only where the exporter and the importer both
 * list it.
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @param <S> the type of the state object handed over in this format
 */
public final class StateFormat<S> {

    /** The format "start empty": the importer receives {@code null} and starts with no state. */
    public static final StateFormat<Void> EMPTY = new StateFormat<>("empty", Void.class, false);

    private final String name;
    private final Class<S> type;
    private final boolean byReference;

    private StateFormat(String name, Class<S> type, boolean byReference) {
        this.name = Objects.requireNonNull(name, "name");
        this.type = Objects.requireNonNull(type, "type");
        this.byReference = byReference;
    }

    /**
     * A format that carries a canonical copy of the state.
     *
     * @param name a name both sides agree on, for example {@code "fcm.pages.v1"}
     * @param type the type of the state object
     */
    public static <S> StateFormat<S> canonical(String name, Class<S> type) {
        return new StateFormat<>(name, type, false);
    }

    /**
     * A format that hands a live structure over by reference, in constant time.
     *
     * @param name a name both sides agree on, for example {@code "fcm.shared.map"}
     * @param type the type of the structure
     */
    public static <S> StateFormat<S> byReference(String name, Class<S> type) {
        return new StateFormat<>(name, type, true);
    }

    /** @return the name that identifies this format */
    public String name() {
        return name;
    }

    /** @return the type of the state object */
    public Class<S> type() {
        return type;
    }

    /** @return whether the state object is a live structure handed over rather than a copy */
    public boolean isByReference() {
        return byReference;
    }

    /** @return {@code state} cast to this format's type, or a {@link ClassCastException} naming the format */
    public S cast(Object state) {
        if (state != null && !type.isInstance(state)) {
            throw new ClassCastException("state for format '" + name + "' must be a " + type.getName()
                    + " but was a " + state.getClass().getName());
        }
        return type.cast(state);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StateFormat && ((StateFormat<?>) o).name.equals(name);
    }

    @Override
    public int hashCode() {
        return name.hashCode();
    }

    @Override
    public String toString() {
        return name;
    }
}
