package swap.monitor.internal;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
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
 * Records the last calls of an entry (method, arguments, result or what was thrown) so that a test
 * can replay them against another instance and compare: {@link #replay(Object)}. Statistics list
 * the recorded calls as {@code method(arguments) -> result} strings under {@code "calls"}.
 * Configuration PID {@code swap.monitor.recorder}.
 */
@Component(service = Interposer.class, scope = ServiceScope.PROTOTYPE, configurationPid = "swap.monitor.recorder",
        property = SwapConstants.INTERPOSER_NAME + "=recorder")
@Designate(ocd = CallRecorder.Config.class)
public class CallRecorder implements Monitor {

    @ObjectClassDefinition(id = "swap.monitor.recorder", name = "Call recorder", description = "Keeps the last calls of the entries it is put on.")
    public @interface Config {
        @AttributeDefinition(name = "Capacity", description = "How many calls are kept (the oldest are dropped).", min = "1")
        int capacity() default 1000;
    }

    /** One recorded call. */
    public record Call(Method method, Object[] arguments, Object result, Throwable thrown) {
        @Override
        public String toString() {
            return method.getName() + java.util.Arrays.deepToString(arguments) + (thrown != null ? " threw " + thrown : " -> " + result);
        }
    }

    private final int capacity;
    private final Deque<Call> calls = new ArrayDeque<>();

    @Activate
    public CallRecorder(Config config) {
        this(config.capacity());
    }

    CallRecorder(int capacity) {
        this.capacity = capacity;
    }

    @Override
    public Object invoke(Invocation call) throws Throwable {
        Object[] args = call.arguments().clone();
        try {
            Object r = call.proceed();
            add(new Call(call.method(), args, r, null));
            return r;
        } catch (Throwable t) {
            add(new Call(call.method(), args, null, t));
            throw t;
        }
    }

    private synchronized void add(Call c) {
        if (calls.size() == capacity) {
            calls.removeFirst();
        }
        calls.addLast(c);
    }

    /** @return the recorded calls, oldest first */
    public synchronized List<Call> calls() {
        return new ArrayList<>(calls);
    }

    /**
     * Replays the recorded calls, in order, on {@code target}.
     *
     * @return the calls whose result (or exception class) differs on {@code target}
     */
    public List<String> replay(Object target) {
        List<String> differences = new ArrayList<>();
        for (Call c : calls()) {
            Object r;
            Throwable t = null;
            try {
                r = c.method().invoke(target, c.arguments());
            } catch (InvocationTargetException e) {
                r = null;
                t = e.getCause();
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
            boolean same = c.thrown() != null ? t != null && t.getClass() == c.thrown().getClass()
                    : t == null && java.util.Objects.deepEquals(r, c.result());
            if (!same) {
                differences.add(c + " but got " + (t != null ? "thrown " + t : r));
            }
        }
        return differences;
    }

    @Override
    public Map<String, Object> statistics() {
        Map<String, Object> m = new LinkedHashMap<>();
        List<String> l = new ArrayList<>();
        for (Call c : calls()) {
            l.add(c.toString());
        }
        m.put("recorded", l.size());
        m.put("calls", l);
        return m;
    }
}
