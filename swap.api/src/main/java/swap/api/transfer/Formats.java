package swap.api.transfer;

import swap.api.StateFormat;

/**
 * State formats of a generic type, without raw types: {@code StateFormat.canonical("x", Map.class)}
 * is a {@code StateFormat<Map>}; {@code Formats.canonical("x", Map.class)} can be assigned to a
 * {@code StateFormat<Map<String, Long>>}. The check at run time is the erased class (as for every
 * generic type); the type arguments are a promise between exporter and importer.
 */
public final class Formats {

    private Formats() {
    }

    /**
     * {@link StateFormat#canonical} with the type of the state given by its erased class.
     *
     * @param name  a name both sides agree on, e.g. {@code "session.entries.v1"}
     * @param erased the class of the state object, e.g. {@code Map.class} for a {@code Map<String, Long>}
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static <S> StateFormat<S> canonical(String name, Class<? super S> erased) {
        return (StateFormat<S>) StateFormat.canonical(name, (Class) erased);
    }

    /** {@link StateFormat#byReference} with the type of the structure given by its erased class. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static <S> StateFormat<S> byReference(String name, Class<? super S> erased) {
        return (StateFormat<S>) StateFormat.byReference(name, (Class) erased);
    }
}
