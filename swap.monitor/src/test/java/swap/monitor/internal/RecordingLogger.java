package swap.monitor.internal;

import java.lang.reflect.Proxy;
import java.util.List;

import org.osgi.service.log.Logger;

/** A Logger that appends each info line (with {} filled in) to a list: the tracer's test sink. */
final class RecordingLogger {
    private RecordingLogger() {
    }

    static Logger into(List<String> lines) {
        return (Logger) Proxy.newProxyInstance(Logger.class.getClassLoader(), new Class<?>[] {Logger.class}, (p, m, a) -> {
            if (m.getName().equals("info") && a != null && a.length >= 1 && a[0] instanceof String) {
                String s = (String) a[0];
                Object[] args = a.length == 2 && a[1] instanceof Object[] ? (Object[]) a[1] : java.util.Arrays.copyOfRange(a, 1, a.length);
                for (Object o : args) {
                    s = s.replaceFirst("\\{\\}", java.util.regex.Matcher.quoteReplacement(String.valueOf(o)));
                }
                lines.add(s);
            }
            return m.getReturnType() == boolean.class ? Boolean.TRUE : null;
        });
    }
}
