package swap.core;

import java.util.ArrayList;
import java.util.List;

import swap.api.StateFormat;
import swap.api.StatefulComponent;

/**
 * Picks the best common state format: the first of the importer's formats that the exporter also
 * lists, with the same name and the same state type. An instance that is not a
 * {@link StatefulComponent} exports and imports {@link StateFormat#EMPTY} only.
 */
final class Negotiation {
    private Negotiation() {
    }

    static List<StateFormat<?>> exports(Object instance) {
        return instance instanceof StatefulComponent ? safe(((StatefulComponent) instance).exportFormats()) : List.of(StateFormat.EMPTY);
    }

    static List<StateFormat<?>> imports(Object instance) {
        return instance instanceof StatefulComponent ? safe(((StatefulComponent) instance).importFormats()) : List.of(StateFormat.EMPTY);
    }

    private static List<StateFormat<?>> safe(List<StateFormat<?>> formats) {
        return formats == null ? List.of() : formats;
    }

    /** @return the format to use, or {@code null} when the two have none in common */
    static StateFormat<?> negotiate(List<StateFormat<?>> exports, List<StateFormat<?>> imports) {
        for (StateFormat<?> in : imports) {
            for (StateFormat<?> out : exports) {
                if (in.name().equals(out.name()) && in.type().getName().equals(out.type().getName())) {
                    return in;
                }
            }
        }
        return null;
    }

    static List<String> names(List<StateFormat<?>> formats) {
        List<String> names = new ArrayList<>();
        for (StateFormat<?> f : formats) {
            names.add(f.name());
        }
        return names;
    }
}
