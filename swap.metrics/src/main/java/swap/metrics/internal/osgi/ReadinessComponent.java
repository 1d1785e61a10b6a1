package swap.metrics.internal.osgi;

import java.io.IOException;
import java.util.Dictionary;
import java.util.Hashtable;

import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Readiness: configures the Felix Health Checks servlet (bundle
 * {@code org.apache.felix.healthcheck.core}, factory PID {@value #HC_SERVLET_PID}, configuration
 * named {@value #NAME}) to run the health checks tagged {@code swap} at {@code /health/ready} and
 * answer 503 for WARN and CRITICAL (and for a check that failed or is temporarily unavailable),
 * 200 for OK. swap.monitor's {@code SwapHealthCheck} (tag {@code swap}) says WARN while an entry is
 * ORPHANED or PARKED and after a rolled-back or failed swap in its window.
 *
 * <p>The configuration is ours while it carries {@value #MANAGED}{@code =true}: an operator who
 * wants another mapping edits this component's PID {@code swap.readiness}, or removes the marker and
 * edits the servlet's configuration directly, which is then left alone.
 */
@Component(configurationPid = "swap.readiness", service = {})
@Designate(ocd = ReadinessComponent.Config.class)
public class ReadinessComponent {
    /** The Felix Health Checks servlet's factory PID. */
    public static final String HC_SERVLET_PID = "org.apache.felix.hc.core.impl.servlet.HealthCheckExecutorServlet";
    /** The name of the factory configuration this component writes. */
    public static final String NAME = "swap.readiness";
    /** Property marking the servlet configuration as written by this component. */
    public static final String MANAGED = "swap.managed";

    @ObjectClassDefinition(id = "swap.readiness", name = "Swap readiness endpoint", description = "Configures the Felix Health Checks servlet as the platform's readiness endpoint.")
    public @interface Config {
        @AttributeDefinition(name = "Path", description = "Where the readiness servlet answers.")
        String path() default "/health/ready";

        @AttributeDefinition(name = "Tags", description = "Health-check tags it runs.")
        String[] tags() default {"swap"};

        @AttributeDefinition(name = "Status mapping", description = "Health-check status to HTTP status.")
        String http_status_mapping() default "OK:200,WARN:503,CRITICAL:503,TEMPORARILY_UNAVAILABLE:503,HEALTH_CHECK_ERROR:503";

        @AttributeDefinition(name = "Format", description = "Default answer format: txt, json, html or verbose.txt.")
        String format() default "txt";
    }

    private final ConfigurationAdmin configAdmin;

    @Activate
    public ReadinessComponent(@Reference ConfigurationAdmin configAdmin, Config config) throws IOException {
        this.configAdmin = configAdmin;
        apply(config);
    }

    @Modified
    void apply(Config config) throws IOException {
        Configuration c = configAdmin.getFactoryConfiguration(HC_SERVLET_PID, NAME, "?");
        Dictionary<String, Object> now = c.getProperties();
        if (now != null && !"true".equals(String.valueOf(now.get(MANAGED)))) {
            return; // edited by hand: not ours any more
        }
        Dictionary<String, Object> p = new Hashtable<>();
        p.put("servletPath", config.path());
        p.put("tags", config.tags());
        p.put("httpStatusMapping", config.http_status_mapping());
        p.put("format", config.format());
        // the mapping is what a readiness probe relies on: a request cannot change it (?httpStatus=...)
        p.put("disable.request.configuration", Boolean.TRUE);
        p.put(MANAGED, "true");
        if (now == null || !same(now, p)) {
            c.update(p);
        }
    }

    private static boolean same(Dictionary<String, Object> now, Dictionary<String, Object> wanted) {
        for (java.util.Enumeration<String> k = wanted.keys(); k.hasMoreElements();) {
            String key = k.nextElement();
            Object a = now.get(key);
            Object b = wanted.get(key);
            if (b instanceof String[] ? !(a instanceof String[] && java.util.Arrays.equals((String[]) a, (String[]) b)) : !b.equals(a)) {
                return false;
            }
        }
        return true;
    }
}
