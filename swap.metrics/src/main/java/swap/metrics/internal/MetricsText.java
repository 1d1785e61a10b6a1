package swap.metrics.internal;

import java.io.IOException;
import java.io.OutputStream;

/** The metrics in the Prometheus text format: what the {@code /metrics} servlet serves. Thread-safe. */
public interface MetricsText {
    /** The content type of {@link #write}'s output (Prometheus text format 0.0.4). */
    String contentType();

    /** Writes every metric, read now. */
    void write(OutputStream out) throws IOException;
}
