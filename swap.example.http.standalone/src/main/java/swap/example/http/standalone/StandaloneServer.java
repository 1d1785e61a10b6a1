package swap.example.http.standalone;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.servlet.ServletContextHandler;
import org.eclipse.jetty.servlet.ServletHolder;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import swap.example.http.RequestHandler;
import swap.example.http.Response;

/**
 * The network example's handler served the way operators upgrade it without this platform: one process per
 * version, restarted behind a reverse proxy. A plain main (no OSGi, no swap manager) that instantiates one
 * handler class of the example ({@code handler.map} or {@code handler.locked}, whichever handler jar is on the
 * class path) and serves {@code GET /hello/PATH} with it on the same Jetty the distribution uses (the one
 * embedded in Felix HTTP Jetty 5.1.26), answering exactly as {@code swap.example.http.server}'s servlet does.
 * Its state lives and dies with the process.
 *
 * <p>Usage: {@code java -cp JARS swap.example.http.standalone.StandaloneServer PORT handler.map|handler.locked}
 * (JARS: this jar, swap.example.http.api, swap.api, one handler jar, Felix HTTP Jetty, Felix servlet-api,
 * slf4j-api). Prints {@code serving NAME on 127.0.0.1:PORT} once it listens; SIGTERM stops it.
 */
public final class StandaloneServer {
    private static final Map<String, String> CLASSES = Map.of(
            "handler.map", "swap.example.http.impl.MapHandler",
            "handler.locked", "swap.example.http.impl.LockedHandler");

    private StandaloneServer() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2 || !args[0].matches("\\d{1,5}") || !CLASSES.containsKey(args[1])) {
            System.err.println("usage: StandaloneServer PORT handler.map|handler.locked (got " + String.join(" ", args)
                    + "); for example: StandaloneServer 8081 handler.map");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        Class<?> type;
        try {
            type = Class.forName(CLASSES.get(args[1]));
        } catch (ClassNotFoundException e) {
            System.err.println(args[1] + " is not on the class path: put the jar of swap.example.http (handler.map) or of "
                    + "swap.example.http.locked (handler.locked) on -cp");
            System.exit(2);
            return;
        }
        RequestHandler handler = (RequestHandler) type.getDeclaredConstructor().newInstance();

        Server server = new Server();
        ServerConnector http = new ServerConnector(server);
        http.setHost("127.0.0.1");
        http.setPort(port);
        server.addConnector(http);
        ServletContextHandler context = new ServletContextHandler(ServletContextHandler.NO_SESSIONS);
        context.addServlet(new ServletHolder(new HelloServlet(handler)), "/hello/*");
        server.setHandler(context);
        server.setStopAtShutdown(true);
        server.start();
        System.out.println("serving " + args[1] + " on 127.0.0.1:" + port);
        System.out.flush();
        server.join();
    }

    /** {@code GET /hello/PATH}: what swap.example.http.server's servlet does, with the handler called directly. */
    static final class HelloServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;
        private final transient RequestHandler handler;

        HelloServlet(RequestHandler handler) {
            this.handler = handler;
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
            resp.setContentType("text/plain;charset=utf-8");
            resp.setContentLength(body.length);
            resp.getOutputStream().write(body);
        }
    }
}
