package swap.example.http.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import javax.servlet.Servlet;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import swap.api.Entry;
import swap.api.SwapManager;
import swap.example.http.RequestHandler;
import swap.example.http.Response;

/**
 * {@code GET /hello/PATH}: a servlet on the OSGi HTTP Whiteboard that keeps one swap-manager entry of
 * {@link RequestHandler} for its whole life and calls its handle for every request. Swaps and upgrades
 * of the handler happen behind that handle: the servlet, Jetty and the open connections never notice.
 *
 * <p>The client is the {@code X-Client} request header, else the remote address and port. The answer
 * carries the entry's id in the header {@code X-Swap-Entry} (for {@code swap:swap ID ...}).
 */
@Component(service = Servlet.class, property = {
        "osgi.http.whiteboard.servlet.pattern=/hello/*",
        "osgi.http.whiteboard.servlet.name=swap.example.http"})
@Designate(ocd = HelloServlet.Config.class)
public class HelloServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @ObjectClassDefinition(name = "Network example servlet", description = "The /hello/* servlet of swap.example.http.server")
    @interface Config {
        @AttributeDefinition(name = "Handler", description = "The request handler implementation the entry starts on: a name or an LDAP filter")
        String handler() default "handler.map";
    }

    @Reference
    private transient SwapManager swaps;

    private transient Entry<RequestHandler> entry;
    private transient RequestHandler handler;

    @Activate
    void activate(Config config) {
        entry = swaps.create(RequestHandler.class, config.handler());
        handler = entry.handle();
    }

    @Deactivate
    void deactivate() {
        swaps.release(entry.id());
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String client = req.getHeader("X-Client");
        if (client == null || client.isBlank()) {
            client = req.getRemoteAddr() + ":" + req.getRemotePort();
        }
        String path = req.getPathInfo() == null ? "/" : req.getPathInfo();
        Response r = handler.handle(client, path);
        byte[] body = (r.body() + "\n").getBytes(StandardCharsets.UTF_8);
        resp.setStatus(r.status());
        resp.setHeader("X-Swap-Entry", Long.toString(entry.id()));
        resp.setContentType("text/plain;charset=utf-8");
        resp.setContentLength(body.length);
        resp.getOutputStream().write(body);
    }
}
