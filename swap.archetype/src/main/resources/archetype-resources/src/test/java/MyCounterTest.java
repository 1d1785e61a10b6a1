package ${package};

import org.junit.After;
import org.junit.Test;

import swap.example.counter.Counter;
import swap.example.simple.SimpleCounter;
import swap.testkit.ImplementationCheck;

/**
 * MyCounter in a standalone swap engine (swap.testkit, no OSGi): its state format round-trips,
 * state moves to and from another counter implementation, and swaps under load lose no increment.
 */
public class MyCounterTest {

    private final ImplementationCheck<Counter> check = ImplementationCheck.of(Counter.class, "${implName}", "1.0.0", MyCounter::new)
            .change(Counter::increment)   // one call that changes the state
            .state(Counter::get)          // the state, read through the interface
            .expect(n -> n)               // the state after n increments of a fresh counter
            .other("counter.simple", "1.0.0", SimpleCounter::new);

    @After
    public void close() {
        check.close();
    }

    @Test
    public void formatsRoundTrip() {
        check.formatsRoundTrip();
    }

    @Test
    public void stateMovesToAndFromCounterSimple() {
        check.formatsRoundTripWith("counter.simple");
    }

    @Test
    public void swapsUnderLoadLoseNoIncrement() {
        check.swapsUnderLoad(2, "counter.simple");
    }
}
