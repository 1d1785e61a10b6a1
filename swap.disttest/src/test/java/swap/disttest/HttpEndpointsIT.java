package swap.disttest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.HttpURLConnection;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.concurrent.TimeUnit;

import org.junit.Test;

/**
 * The shipped swap.jar's HTTP endpoints (issue 24): Felix HTTP Jetty starts with the distribution,
 * on the loopback address only, serves {@code /metrics} and {@code /health/ready}, and its start-up
 * lines (Jetty, Felix HTTP, Felix Health Checks) stay off the console.
 */
public class HttpEndpointsIT {

    @Test
    public void metricsAndReadinessOnTheLoopbackAddressOnly() throws Exception {
        Path work = Console.scratch("http");
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        try (Console c = Console.start(work, "-Dorg.osgi.service.http.port=" + port)) {
            String first = c.run("swap:list"); // everything printed since the start, too
            assertFalse(first, first.contains("org.eclipse.jetty"));
            assertFalse(first, first.contains("org.apache.felix.hc"));
            assertFalse(first, first.contains("org.apache.felix.http"));

            String metrics = awaitGet(port, "/metrics", 200);
            assertTrue(metrics, metrics.contains("swap_swaps_total{outcome=\"completed\"} 0.0"));
            assertTrue(metrics, metrics.contains("# TYPE swap_entries gauge")); // the phase histogram shows once a swap ran
            assertEquals("OK", awaitGet(port, "/health/ready", 200).trim());

            // bound to 127.0.0.1 by default: another address of this machine is refused
            InetAddress other = null;
            for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (ni.isUp() && !ni.isLoopback()) {
                    for (InetAddress a : Collections.list(ni.getInetAddresses())) {
                        if (a instanceof Inet4Address) {
                            other = a;
                        }
                    }
                }
            }
            if (other == null) {
                System.out.println("HttpEndpointsIT: no non-loopback IPv4 address on this machine; the bind address is not checked");
            } else {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(other, port), 5_000);
                    throw new AssertionError("HTTP answered on " + other + ":" + port + "; it should listen on 127.0.0.1 only");
                } catch (ConnectException refused) {
                    // as it should
                }
            }
        }
    }

    private static String awaitGet(int port, String path, int status) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String last = "";
        while (System.nanoTime() < deadline) {
            try {
                HttpURLConnection h = (HttpURLConnection) new URL("http://127.0.0.1:" + port + path).openConnection();
                h.setConnectTimeout(5_000);
                h.setReadTimeout(30_000);
                int code = h.getResponseCode();
                try (InputStream in = code >= 400 ? h.getErrorStream() : h.getInputStream()) {
                    last = code + " " + (in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8));
                    if (code == status) {
                        return last.substring(4);
                    }
                }
            } catch (IOException notYet) {
                last = notYet.toString();
            }
            Thread.sleep(100);
        }
        throw new AssertionError("GET " + path + " did not answer " + status + " in 30 s; last: " + last);
    }
}
