package swap.api.transfer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;

import swap.api.StateFormat;

/**
 * The formats an implementation exports, each with the code that writes it, in order of
 * preference: {@link #formats()} answers {@link swap.api.StatefulComponent#exportFormats()} and
 * {@link #export} answers {@link swap.api.StatefulComponent#exportState}. The compiler checks that
 * each writer returns its format's type.
 *
 * <p>Immutable and thread-safe once built; the builder is for one thread.
 */
public final class StateExports {

    private final Map<StateFormat<?>, Callable<?>> writers;
    private final List<StateFormat<?>> formats;

    private StateExports(Map<StateFormat<?>, Callable<?>> writers) {
        this.writers = Map.copyOf(writers);
        this.formats = List.copyOf(new ArrayList<>(writers.keySet()));
    }

    /** @return a builder; list the preferred format first */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the formats, most preferred first (for {@code exportFormats()}) */
    public List<StateFormat<?>> formats() {
        return formats;
    }

    /**
     * Runs the writer of {@code format}.
     *
     * @throws IllegalArgumentException if {@code format} is not one of {@link #formats()}
     * @throws Exception                what the writer throws
     */
    public Object export(StateFormat<?> format) throws Exception {
        Callable<?> w = writers.get(format);
        if (w == null) {
            throw new IllegalArgumentException("no export writer for state format '" + format + "'; this implementation exports "
                    + formats + " (add it with StateExports.builder().on(format, writer))");
        }
        return w.call();
    }

    /** Collects format-writer pairs in order of preference. */
    public static final class Builder {
        private final Map<StateFormat<?>, Callable<?>> writers = new LinkedHashMap<>();

        private Builder() {
        }

        /**
         * Adds {@code format}, written by {@code writer} (which must leave the instance intact: a
         * failed import rolls back to it), after the formats added so far.
         *
         * @throws IllegalArgumentException if the format was added already
         */
        public <S> Builder on(StateFormat<S> format, Callable<? extends S> writer) {
            Objects.requireNonNull(format, "format");
            Objects.requireNonNull(writer, "writer");
            if (writers.putIfAbsent(format, writer) != null) {
                throw new IllegalArgumentException("state format '" + format + "' is listed twice; list each format once");
            }
            return this;
        }

        /** Adds {@link StateFormat#EMPTY}: the next instance may start empty. */
        public Builder orEmpty() {
            return on(StateFormat.EMPTY, () -> null);
        }

        /** @return the exports, in the order they were added */
        public StateExports build() {
            return new StateExports(writers);
        }
    }
}
