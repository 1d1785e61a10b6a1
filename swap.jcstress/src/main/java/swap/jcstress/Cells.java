package swap.jcstress;

import java.util.List;

import swap.api.StateFormat;
import swap.api.StatefulComponent;
import swap.api.TransferContext;
import swap.api.SwapOutcome;
import swap.kernel.Engine;
import swap.kernel.StandaloneSource;

/**
 * Two generations of a cell with plain (non-volatile) fields. A call that runs on an instance
 * after its export began, or before its import ended, returns -1; the import writes two plain
 * fields, so a caller that saw a half-built replacement would see them disagree and return -1 too.
 */
final class Cells {
    private Cells() {
    }

    static final StateFormat<long[]> STATE = StateFormat.canonical("cell.v1", long[].class);
    static final Engine ENGINE;

    static {
        StandaloneSource source = new StandaloneSource();
        source.add(Cell.class, "g1", "1.0.0", () -> new Impl(1));
        source.add(Cell.class, "g2", "2.0.0", () -> new Impl(2));
        ENGINE = new Engine(source);
    }

    static final class Impl implements Cell, StatefulComponent {
        final int generation;
        long value;
        long copy; // always equal to value once imported
        volatile boolean exported;
        volatile boolean importing;
        volatile boolean imported;
        final boolean fresh;

        Impl(int generation) {
            this.generation = generation;
            this.fresh = generation == 2;
        }

        private boolean wrong() {
            return exported || importing || (fresh && !imported) || value != copy;
        }

        @Override
        public synchronized long increment() {
            if (wrong()) {
                return -1;
            }
            value++;
            copy++;
            return generation * 1000L + value;
        }

        @Override
        public synchronized long value() {
            return wrong() ? -1 : value;
        }

        @Override
        public List<StateFormat<?>> exportFormats() {
            return List.of(STATE);
        }

        @Override
        public List<StateFormat<?>> importFormats() {
            return List.of(STATE);
        }

        @Override
        public Object exportState(StateFormat<?> format) {
            exported = true;
            return new long[] {value};
        }

        @Override
        public void importState(StateFormat<?> format, Object state, TransferContext context) {
            importing = true;
            value = ((long[]) state)[0];
            copy = value;
            importing = false;
            imported = true;
        }
    }

    /** Swaps {@code id} to generation 2; returns 1 if it completed. */
    static int swap(long id) {
        return ENGINE.swap(id, "g2", null).toCompletableFuture().join().outcome == SwapOutcome.COMPLETED ? 1 : 0;
    }
}
