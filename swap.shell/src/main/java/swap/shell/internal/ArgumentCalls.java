package swap.shell.internal;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

import org.apache.felix.service.command.CommandSession;

import swap.api.Entry;

/**
 * {@code swap:call}: one call of an entry's interface method typed on the command line, its
 * arguments converted as Gogo converts a command's own ({@code Reflective.coerce}). Stateless.
 */
final class ArgumentCalls {
    private ArgumentCalls() {
    }

    /** No conversion fits. */
    static final Object NO_MATCH = new Object();

    /**
     * Whether Felix Gogo's runtime package is wired (bnd.bnd imports it optionally): Apache Karaf's shell
     * exports org.apache.felix.service.command but not org.apache.felix.gogo.runtime; there swap:call
     * converts strings, numbers and booleans itself.
     */
    private static final boolean GOGO = gogo();

    private static boolean gogo() {
        try {
            Class.forName("org.apache.felix.gogo.runtime.Reflective", false, ArgumentCalls.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError ex) {
            return false;
        }
    }

    /** Touched only when {@link #GOGO}: Gogo's own conversion. */
    private static final class Gogo {
        static Object coerce(CommandSession session, Class<?> type, Object arg, int[] cost) {
            Object v = org.apache.felix.gogo.runtime.Reflective.coerce(session, type, arg, cost);
            return v == org.apache.felix.gogo.runtime.Reflective.NO_MATCH ? NO_MATCH : v;
        }
    }

    /**
     * Calls {@code method} of entry {@code id}'s interface through the entry's handle (so its
     * interposers see the call), with the arguments converted as Gogo converts command arguments
     * ({@code Reflective.coerce}: numbers, strings, enums, the session's converters). Among the
     * interface's methods of that name and number of parameters, the one whose conversion costs least
     * is called. Returns what it returned; what it threw is reported as one line.
     */
    static Object call(CommandSession session, Entry<?> e, long id, String method, List<Object> args) {
        Class<?> type = e.type();
        List<Method> named = new ArrayList<>();
        for (Method m : type.getMethods()) {
            if (m.getName().equals(method) && !m.isSynthetic() && !java.lang.reflect.Modifier.isStatic(m.getModifiers())) {
                named.add(m);
            }
        }
        if (named.isEmpty()) {
            throw new ShellException("swap", "entry " + id + "'s interface " + type.getName() + " has no method '" + method + "'; its methods: " + signatures(type.getMethods()));
        }
        Method best = null;
        Object[] bestArgs = null;
        int bestCost = Integer.MAX_VALUE;
        for (Method m : named) {
            Class<?>[] types = m.getParameterTypes();
            if (types.length != args.size()) {
                continue;
            }
            Object[] converted = new Object[types.length];
            int[] cost = {0};
            boolean ok = true;
            for (int i = 0; i < types.length && ok; i++) {
                Object v = convert(session, types[i], args.get(i), cost);
                ok = v != NO_MATCH && (v != null || !types[i].isPrimitive());
                converted[i] = v;
            }
            if (ok && cost[0] < bestCost) {
                best = m;
                bestArgs = converted;
                bestCost = cost[0];
            }
        }
        if (best == null) {
            throw new ShellException("swap", "cannot call " + method + " of entry " + id + " with " + args.size() + " argument(s) " + args
                    + ": " + type.getName() + " has " + signatures(named.toArray(new Method[0])));
        }
        try {
            return best.invoke(e.handle(), bestArgs);
        } catch (InvocationTargetException ex) {
            Throwable t = ex.getCause();
            throw new ShellException("swap", "entry " + id + ": " + method + " threw " + t, t);
        } catch (IllegalAccessException | RuntimeException ex) {
            throw new ShellException("swap", "cannot call " + method + " of entry " + id + ": " + ex, ex);
        }
    }

    /** Gogo's conversion of one command argument (as for a command's own parameters). */
    private static Object convert(CommandSession session, Class<?> type, Object arg, int[] cost) {
        if (session == null || !GOGO) { // unit tests without Gogo, or Karaf's shell: strings, numbers and booleans
            Object v = arg instanceof CharSequence && type != String.class && type != Object.class && type != CharSequence.class ? parse(type, arg.toString()) : arg;
            return v == null || type.isInstance(v) || type.isPrimitive() ? v : NO_MATCH;
        }
        if (arg instanceof Number && (type == int.class || type == Integer.class || type == short.class || type == Short.class)) {
            long v = ((Number) arg).longValue(); // Gogo would wrap it
            long bound = type == int.class || type == Integer.class ? Integer.MAX_VALUE : Short.MAX_VALUE;
            if (v > bound || v < -bound - 1) {
                return NO_MATCH;
            }
        }
        try {
            return Gogo.coerce(session, type, arg, cost);
        } catch (RuntimeException ex) {
            return NO_MATCH; // e.g. a number out of the parameter type's range
        }
    }

    private static Object parse(Class<?> type, String s) {
        try {
            if (type == long.class || type == Long.class) {
                return Long.valueOf(s);
            }
            if (type == int.class || type == Integer.class) {
                return Integer.valueOf(s);
            }
            if (type == boolean.class || type == Boolean.class) {
                return Boolean.valueOf(s);
            }
            if (type == double.class || type == Double.class) {
                return Double.valueOf(s);
            }
        } catch (NumberFormatException ex) {
            return NO_MATCH;
        }
        return NO_MATCH;
    }

    /** {@code name(Type, Type)} of each method, sorted, for error messages. */
    static String signatures(Method[] methods) {
        TreeSet<String> l = new TreeSet<>();
        for (Method m : methods) {
            if (java.lang.reflect.Modifier.isStatic(m.getModifiers())) {
                continue;
            }
            StringBuilder b = new StringBuilder(m.getName()).append('(');
            Class<?>[] p = m.getParameterTypes();
            for (int i = 0; i < p.length; i++) {
                b.append(i > 0 ? ", " : "").append(p[i].getSimpleName());
            }
            l.add(b.append(')').toString());
        }
        return String.join(", ", l);
    }
}
