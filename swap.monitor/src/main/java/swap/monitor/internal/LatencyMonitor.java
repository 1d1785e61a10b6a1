package swap.monitor.internal;

import java.util.LinkedHashMap;
import java.util.Map;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ServiceScope;

import swap.api.Interposer;
import swap.api.Invocation;
import swap.api.Monitor;
import swap.api.SwapConstants;

/**
 * A latency histogram of the entry's calls (HdrHistogram {@link Recorder}: wait-free recording from
 * any number of threads). Statistics are cumulative since the monitor was put on the entry, in
 * microseconds.
 */
@Component(service = Interposer.class, scope = ServiceScope.PROTOTYPE, property = SwapConstants.INTERPOSER_NAME + "=latency")
public class LatencyMonitor implements Monitor {

    private final Recorder recorder = new Recorder(3);
    private final Histogram total = new Histogram(3);

    @Override
    public Object invoke(Invocation call) throws Throwable {
        long start = System.nanoTime();
        try {
            return call.proceed();
        } finally {
            recorder.recordValue(System.nanoTime() - start);
        }
    }

    @Override
    public synchronized Map<String, Object> statistics() {
        total.add(recorder.getIntervalHistogram());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", total.getTotalCount());
        m.put("p50Micros", total.getValueAtPercentile(50) / 1e3);
        m.put("p90Micros", total.getValueAtPercentile(90) / 1e3);
        m.put("p99Micros", total.getValueAtPercentile(99) / 1e3);
        m.put("maxMicros", total.getMaxValue() / 1e3);
        return m;
    }
}
