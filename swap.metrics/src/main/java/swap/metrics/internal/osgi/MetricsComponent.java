package swap.metrics.internal.osgi;

import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import javax.management.JMException;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import swap.api.Entry;
import swap.api.SwapConstants;
import swap.api.SwapManager;
import swap.metrics.internal.JmxBeans;
import swap.metrics.internal.MetricsText;
import swap.metrics.internal.SwapMetrics;

/**
 * DS glue: counts the swap events ({@code swap/entry/*}, Event Admin) into {@link SwapMetrics},
 * offers them to the {@code /metrics} servlet ({@link MetricsText}) and keeps the JMX MBeans
 * ({@link JmxBeans}) in step with the swap manager's entries.
 *
 * <p>Why the MBeans follow the entries by polling {@link SwapManager#list()} (and after every swap
 * event): the platform posts events for swaps only, none when an entry is created or released, so
 * events alone would miss entries; a list is a cheap snapshot. Each MBean reads its entry when
 * asked, so only its appearance and removal wait for the poll. Configuration PID
 * {@code swap.metrics}.
 */
@Component(service = {EventHandler.class, MetricsText.class}, configurationPid = "swap.metrics",
        property = EventConstants.EVENT_TOPIC + "=" + SwapConstants.TOPIC_PREFIX + "*")
@Designate(ocd = MetricsComponent.Config.class)
public class MetricsComponent implements EventHandler, MetricsText {

    @ObjectClassDefinition(id = "swap.metrics", name = "Swap metrics", description = "JMX MBeans and the Prometheus /metrics endpoint of the swap platform.")
    public @interface Config {
        @AttributeDefinition(name = "Entry poll (ms)", description = "How often the per-entry MBeans are brought in step with the swap manager's entries.", min = "100")
        long entries_poll_millis() default 1000;

        @AttributeDefinition(name = "JMX", description = "Register the MBeans (swap:type=SwapManager, swap:type=Entry,id=ID) in the platform MBean server.")
        boolean jmx_enabled() default true;
    }

    private final SwapMetrics metrics;
    private final JmxBeans beans;
    private final ScheduledExecutorService poller;

    @Activate
    public MetricsComponent(@Reference SwapManager manager, Config config) {
        this.metrics = new SwapMetrics(manager::list, manager::statistics);
        if (config.jmx_enabled()) {
            beans = new JmxBeans(JmxBeans.platform(), metrics, manager::list, id -> manager.entry(id).map(Entry::describe), manager::statistics);
            poller = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "swap.metrics entry MBeans");
                t.setDaemon(true);
                return t;
            });
            poller.scheduleWithFixedDelay(this::reconcile, 0, Math.max(100, config.entries_poll_millis()), TimeUnit.MILLISECONDS);
        } else {
            beans = null;
            poller = null;
        }
    }

    private void reconcile() {
        try {
            beans.reconcile();
        } catch (JMException | RuntimeException e) {
            // the next poll tries again; an MBean server that refuses us must not stop the poller
        }
    }

    @Override
    public void handleEvent(Event event) {
        metrics.onEvent(event.getTopic(), event::getProperty);
        if (poller != null) {
            try {
                poller.execute(this::reconcile);
            } catch (java.util.concurrent.RejectedExecutionException deactivating) {
                // the component is being deactivated: its MBeans are going away anyway
            }
        }
    }

    @Override
    public String contentType() {
        return metrics.contentType();
    }

    @Override
    public void write(OutputStream out) throws IOException {
        metrics.write(out);
    }

    @Deactivate
    void deactivate() {
        if (poller != null) {
            poller.shutdownNow();
            try {
                poller.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            beans.close();
        }
    }
}
