package swap.monitor.internal;

import java.lang.reflect.Method;
import java.util.LinkedHashMap;
import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ServiceScope;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import swap.api.Interposer;
import swap.api.Invocation;
import swap.api.Monitor;
import swap.api.SwapConstants;

/**
 * Tracks the access pattern of a file cache manager's reads: every call of
 * {@code read(long position, byte[] buffer, int offset, int length)} is fed to an {@link AccessPatternClassifier} (sequential, strided, random, looping
 * over more pages than the budget, or mixed), which the access-pattern policy reads through
 * {@link #statistics()} ({@code pattern}). Other calls pass through untouched.
 *
 * <p>An interposer: an entry it is not on pays nothing. On an entry it is on, each read takes this
 * monitor's lock for a few array and hash-map operations (the classifier is not thread-safe).
 * Matching by method name and arity keeps the bundle free of a dependency on the FCM API.
 */
@Component(service = Interposer.class, scope = ServiceScope.PROTOTYPE, configurationPid = "swap.monitor.pattern",
        property = SwapConstants.INTERPOSER_NAME + "=" + AccessPatternMonitor.NAME)
@Designate(ocd = AccessPatternMonitor.Config.class)
public class AccessPatternMonitor implements Monitor {

    public static final String NAME = "access-pattern";

    @ObjectClassDefinition(id = "swap.monitor.pattern", name = "Access-pattern monitor",
            description = "Classifies a file's recent reads (sequential, strided, random, looping, mixed).")
    public @interface Config {
        @AttributeDefinition(name = "Window (reads)", description = "Reads in the sliding window.", min = "4")
        int window() default 128;

        @AttributeDefinition(name = "Page size (bytes)", description = "The FCMs' page size (PID swap.fcm, page.size).", min = "1")
        int page_size() default 4096;

        @AttributeDefinition(name = "Budget (pages)", description = "The FCMs' budget per file (PID swap.fcm, budget.pages): reuses further apart are far.", min = "1")
        int budget_pages() default 1024;
    }

    private final AccessPatternClassifier classifier;

    @Activate
    public AccessPatternMonitor(Config c) {
        this(c.window(), c.page_size(), c.budget_pages());
    }

    /** Outside OSGi: tests, benchmarks. */
    public AccessPatternMonitor(int window, int pageSize, int budgetPages) {
        this.classifier = new AccessPatternClassifier(window, pageSize, budgetPages);
    }

    static boolean isRead(Method m) {
        Class<?>[] p = m.getParameterTypes();
        return m.getName().equals("read") && p.length == 4 && p[0] == long.class && p[1] == byte[].class;
    }

    @Override
    public Object invoke(Invocation call) throws Throwable {
        if (isRead(call.method())) {
            Object[] a = call.arguments();
            long position = (Long) a[0];
            int length = (Integer) a[3];
            if (position >= 0 && length > 0) {
                record(position, length);
            }
        }
        return call.proceed();
    }

    /** Records a read of {@code length} bytes at {@code position} (as {@link #invoke} does). */
    public synchronized void record(long position, int length) {
        classifier.record(position, length);
    }

    /** @return the class of the reads in the window now */
    public synchronized AccessPatternClassifier.Pattern pattern() {
        return classifier.pattern();
    }

    @Override
    public synchronized Map<String, Object> statistics() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pattern", classifier.pattern().name());
        m.put("reads", classifier.reads());
        m.put("samples", classifier.samples());
        m.put("sequentialPercent", classifier.sequentialPercent());
        m.put("stridedPercent", classifier.stridedPercent());
        m.put("reusePercent", classifier.reusePercent());
        m.put("farReusePercent", classifier.farReusePercent());
        m.put("window", classifier.window());
        m.put("budgetPages", classifier.budget());
        return m;
    }
}
