package swap.kernel;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import swap.api.StateFormat;
import swap.api.StatefulComponent;
import swap.api.TransferContext;

/** Counter implementations for the engine's tests; each records calls that break the swap invariants. */
final class Counters {
    private Counters() {
    }

    static final StateFormat<Long> VALUE = StateFormat.canonical("counter.value", Long.class);
    static final StateFormat<AtomicLong> CELL = StateFormat.byReference("counter.cell", AtomicLong.class);

    /** Calls that ran on an instance after its export began, during its import, or after its release: must stay 0. */
    static final AtomicInteger VIOLATIONS = new AtomicInteger();

    abstract static class Base implements Counter, StatefulComponent, AutoCloseable {
        volatile boolean exported;
        volatile boolean importing;
        volatile boolean closed;

        Base(boolean unused) {
        }

        final AtomicInteger afterExport = new AtomicInteger();

        /**
         * Whether a call after an export counts against a later release. Instances that may outlive a
         * rolled-back export and then be swapped away (atomic groups under load) say no: the test
         * checks their totals instead.
         */
        boolean checksExport() {
            return true;
        }

        void check() {
            if (closed || importing) {
                VIOLATIONS.incrementAndGet();
            }
            if (exported && checksExport()) {
                afterExport.incrementAndGet(); // legal only if the swap then rolled back
            }
        }

        /** Released: after a completed swap, no call may have run after the export began. */
        @Override
        public void close() {
            closed = true;
            VIOLATIONS.addAndGet(afterExport.get());
        }
    }

    /** One AtomicLong; hands it over by reference to another Atomic, or as a value. */
    static class Atomic extends Base {
        AtomicLong cell = new AtomicLong();

        Atomic() {
            this(true);
        }

        Atomic(boolean expectImport) {
            super(expectImport);
        }

        @Override
        public long increment() {
            check();
            return cell.incrementAndGet();
        }

        @Override
        public long get() {
            check();
            return cell.get();
        }

        @Override
        public List<StateFormat<?>> exportFormats() {
            return List.of(CELL, VALUE);
        }

        @Override
        public List<StateFormat<?>> importFormats() {
            return List.of(CELL, VALUE, StateFormat.EMPTY);
        }

        @Override
        public Object exportState(StateFormat<?> format) {
            exported = true;
            return format.equals(CELL) ? cell : (Object) cell.get();
        }

        @Override
        public void importState(StateFormat<?> format, Object state, TransferContext context) {
            importing = true;
            if (format.equals(CELL)) {
                cell = (AtomicLong) state;
            } else if (format.equals(VALUE)) {
                cell.set((Long) state);
            }
            importing = false;
        }
    }

    /** A LongAdder; canonical value only. */
    static class Striped extends Base {
        final LongAdder adder = new LongAdder();

        Striped() {
            super(true);
        }

        @Override
        public long increment() {
            check();
            adder.increment();
            return adder.sum();
        }

        @Override
        public long get() {
            check();
            return adder.sum();
        }

        @Override
        public List<StateFormat<?>> exportFormats() {
            return List.of(VALUE);
        }

        @Override
        public List<StateFormat<?>> importFormats() {
            return List.of(VALUE);
        }

        @Override
        public Object exportState(StateFormat<?> format) {
            exported = true;
            return adder.sum();
        }

        @Override
        public void importState(StateFormat<?> format, Object state, TransferContext context) {
            importing = true;
            adder.add((Long) state);
            importing = false;
        }
    }

    /** Stateless: only the empty format. */
    static class Stateless implements Counter {
        @Override
        public long increment() {
            return 0;
        }

        @Override
        public long get() {
            return 0;
        }
    }
}
