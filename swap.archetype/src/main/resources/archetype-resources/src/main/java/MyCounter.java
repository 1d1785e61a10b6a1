package ${package};

import java.util.List;
import java.util.concurrent.atomic.LongAdder;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ServiceScope;

import swap.api.StateFormat;
import swap.api.StatefulComponent;
import swap.api.TransferContext;
import swap.api.component.SwapImplementation;
import swap.api.transfer.StateExports;
import swap.api.transfer.StateImports;
import swap.example.counter.Counter;

/**
 * A counter implementation for the swap platform: a DS component of prototype scope (one instance
 * per swappable entry), registered under the component interface with a name, a version and a
 * characteristic that swap targets select on, carrying its count across swaps in the canonical
 * format {@link Counter#VALUE} that every counter implementation reads.
 */
@Component(service = Counter.class, scope = ServiceScope.PROTOTYPE, property = "concurrency=distributed")
@SwapImplementation(name = "${implName}") // swap.impl.name; the version is the bundle's (Bundle-Version)
public class MyCounter implements Counter, StatefulComponent {

    private final LongAdder count = new LongAdder();

    @Override
    public long increment() {
        count.increment();
        return count.sum();
    }

    @Override
    public long get() {
        return count.sum();
    }

    /** The formats written, most preferred first, each with its writer (runs while no call runs in this instance; leaves it intact). */
    private final StateExports exports = StateExports.builder()
            .on(Counter.VALUE, count::sum)
            .build();

    /** The formats read, most preferred first, each with its reader (state arrives typed: no cast). */
    private final StateImports imports = StateImports.builder()
            .on(Counter.VALUE, (value, context) -> count.add(value))
            .orEmpty() // no format in common: start at zero
            .build();

    @Override
    public List<StateFormat<?>> exportFormats() {
        return exports.formats();
    }

    @Override
    public List<StateFormat<?>> importFormats() {
        return imports.formats();
    }

    @Override
    public Object exportState(StateFormat<?> format) throws Exception {
        return exports.export(format);
    }

    @Override
    public void importState(StateFormat<?> format, Object state, TransferContext context) throws Exception {
        imports.dispatch(format, state, context);
    }
}
