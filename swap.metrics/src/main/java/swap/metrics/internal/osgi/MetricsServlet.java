package swap.metrics.internal.osgi;

import java.io.IOException;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import swap.metrics.internal.MetricsText;

/**
 * {@code GET /metrics}: the Prometheus text format, registered on the HTTP (Servlet) Whiteboard of
 * Felix HTTP Jetty as a Jakarta servlet service.
 */
@Component(service = Servlet.class, property = {
        MetricsServlet.PATTERN + "=/metrics",
        "osgi.http.whiteboard.servlet.name=swap.metrics"})
public class MetricsServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    /** The whiteboard's servlet-pattern property (the same key in HTTP Whiteboard 1.1 and Servlet Whiteboard 2.0). */
    static final String PATTERN = "osgi.http.whiteboard.servlet.pattern";

    @Reference
    private transient MetricsText metrics;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.setStatus(HttpServletResponse.SC_OK);
        resp.setContentType(metrics.contentType());
        metrics.write(resp.getOutputStream());
    }
}
