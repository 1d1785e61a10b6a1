package swap.api.transfer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import swap.api.StateFormat;
import swap.api.TransferContext;

/**
 * The formats an implementation imports, each with the code that reads it, in order of preference:
 * {@link #formats()} answers {@link swap.api.StatefulComponent#importFormats()} and
 * {@link #dispatch} answers {@link swap.api.StatefulComponent#importState}, handing each handler its
 * state already typed.
 *
 * <p>Immutable and thread-safe once built; the builder is for one thread.
 */
public final class StateImports {

    /**
     * Reads state of type {@code S} into the importing instance.
     *
     * @param <S> the format's state type
     */
    @FunctionalInterface
    public interface Handler<S> {
        /**
         * @param state   the exported state (null for {@link StateFormat#EMPTY})
         * @param context what the platform offers during the import (an executor for parallel parts)
         * @throws Exception any failure: the swap rolls back, the old instance stays in place
         */
        void accept(S state, TransferContext context) throws Exception;
    }

    private final Map<StateFormat<?>, Handler<?>> handlers;
    private final List<StateFormat<?>> formats;

    private StateImports(Map<StateFormat<?>, Handler<?>> handlers) {
        this.handlers = Map.copyOf(handlers);
        this.formats = List.copyOf(new ArrayList<>(handlers.keySet()));
    }

    /** @return a builder; list the preferred format first */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the formats, most preferred first (for {@code importFormats()}) */
    public List<StateFormat<?>> formats() {
        return formats;
    }

    /**
     * Runs the handler of {@code format} with {@code state} cast to the format's type.
     *
     * @throws IllegalArgumentException if {@code format} is not one of {@link #formats()}
     * @throws ClassCastException       if {@code state} is not of the format's type
     * @throws Exception                what the handler throws
     */
    public void dispatch(StateFormat<?> format, Object state, TransferContext context) throws Exception {
        Handler<?> h = handlers.get(format);
        if (h == null) {
            throw new IllegalArgumentException("no import handler for state format '" + format + "'; this implementation imports "
                    + formats + " (add it with StateImports.builder().on(format, handler))");
        }
        run(format, h, state, context);
    }

    @SuppressWarnings("unchecked")
    private static <S> void run(StateFormat<S> format, Handler<?> h, Object state, TransferContext context) throws Exception {
        ((Handler<S>) h).accept(format.cast(state), context);
    }

    /** Collects format-handler pairs in order of preference. */
    public static final class Builder {
        private final Map<StateFormat<?>, Handler<?>> handlers = new LinkedHashMap<>();

        private Builder() {
        }

        /**
         * Adds {@code format}, read by {@code handler}, after the formats added so far.
         *
         * @throws IllegalArgumentException if the format was added already
         */
        public <S> Builder on(StateFormat<S> format, Handler<? super S> handler) {
            Objects.requireNonNull(format, "format");
            Objects.requireNonNull(handler, "handler");
            if (handlers.putIfAbsent(format, handler) != null) {
                throw new IllegalArgumentException("state format '" + format + "' is listed twice; list each format once");
            }
            return this;
        }

        /** Adds {@link StateFormat#EMPTY}: the instance may start empty when no other format is common. */
        public Builder orEmpty() {
            return on(StateFormat.EMPTY, (s, c) -> { });
        }

        /** @return the imports, in the order they were added */
        public StateImports build() {
            return new StateImports(handlers);
        }
    }
}
