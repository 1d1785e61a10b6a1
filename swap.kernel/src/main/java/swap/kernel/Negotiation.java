package swap.kernel;

import java.util.ArrayList;
import java.util.List;

import swap.api.StateFormat;
import swap.api.StatefulComponent;

/**
 * Picks the best common state format: the first of the importer's formats that the exporter also
 * lists, with the same name and the same state type. An instance that is not a
 * {@link StatefulComponent} exports and imports {@link StateFormat#EMPTY} only.
 *
 * <p>Class spaces: "the same state type" means the same {@code Class}, not the same class name. Two
 * revisions of one bundle (before and after {@code update}), or two bundles, each load their private
 * packages themselves, so a by-reference format whose type is bundle-private is never usable between
 * them: negotiation skips it (see {@link #skipped}) and takes the next common format, typically the
 * canonical one whose type comes from an API package both import. Handing such a state over would
 * end in a {@code ClassCastException} in the importer and a rollback.
 */
public final class Negotiation {
    private Negotiation() {
    }

    public static List<StateFormat<?>> exports(Object instance) {
        return instance instanceof StatefulComponent ? safe(((StatefulComponent) instance).exportFormats()) : List.of(StateFormat.EMPTY);
    }

    public static List<StateFormat<?>> imports(Object instance) {
        return instance instanceof StatefulComponent ? safe(((StatefulComponent) instance).importFormats()) : List.of(StateFormat.EMPTY);
    }

    private static List<StateFormat<?>> safe(List<StateFormat<?>> formats) {
        return formats == null ? List.of() : formats;
    }

    /** @return the format to use, or {@code null} when the two have none in common */
    public static StateFormat<?> negotiate(List<StateFormat<?>> exports, List<StateFormat<?>> imports) {
        for (StateFormat<?> in : imports) {
            for (StateFormat<?> out : exports) {
                if (in.name().equals(out.name()) && in.type() == out.type()) {
                    return in;
                }
            }
        }
        return null;
    }

    /**
     * @return the formats both sides list by name, preferred by the importer over {@code chosen}
     *         (all of them if {@code chosen} is {@code null}), that were skipped because the two sides
     *         see different classes for the type; each as {@code name: why}
     */
    static List<String> skipped(List<StateFormat<?>> exports, List<StateFormat<?>> imports, StateFormat<?> chosen) {
        List<String> l = new ArrayList<>();
        for (StateFormat<?> in : imports) {
            if (chosen != null && in.name().equals(chosen.name())) {
                break;
            }
            for (StateFormat<?> out : exports) {
                if (in.name().equals(out.name()) && in.type() != out.type()) {
                    l.add(in.name() + ": " + mismatch(out.type(), in.type()));
                }
            }
        }
        return l;
    }

    /** @return why an exporter's type and an importer's type of one format are not the same class */
    static String mismatch(Class<?> exported, Class<?> imported) {
        if (!exported.getName().equals(imported.getName())) {
            return "the exporter hands over a " + exported.getName() + ", the importer expects a " + imported.getName();
        }
        return (exported.getName() + " is a different class on each side (exporter's from " + space(exported) + ", importer's from "
                + space(imported) + "): a type private to a bundle revision cannot cross to another revision or bundle");
    }

    private static String space(Class<?> c) {
        ClassLoader l = c.getClassLoader();
        return l == null ? "the boot class path" : String.valueOf(l);
    }

    static List<String> names(List<StateFormat<?>> formats) {
        List<String> names = new ArrayList<>();
        for (StateFormat<?> f : formats) {
            names.add(f.name());
        }
        return names;
    }
}
