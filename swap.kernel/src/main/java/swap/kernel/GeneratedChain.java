package swap.kernel;

import java.lang.reflect.Method;

import swap.api.Interposer;

/**
 * The base class of every generated interposer chain ({@link ChainFactory}): the parts that do not
 * depend on the interface, plus the helpers the generated code calls. Public only because the
 * generated classes live in another class loader (and runtime package); nothing outside the kernel
 * uses it.
 *
 * <p>Thread-safe: a chain is immutable once constructed and safely published by the volatile write
 * of the entry's outer handle target; the {@link #interposers} and {@link #methods} arrays are never
 * changed after construction and never handed out.
 */
public abstract class GeneratedChain {

    /** What {@code arguments()} returns for a method without parameters (an empty array cannot be changed). */
    public static final Object[] NO_ARGUMENTS = new Object[0];

    /** The entry's id, for {@code Invocation.entryId()}. */
    public final long entryId;
    /** The interposers, outermost first; never empty. */
    public final Interposer[] interposers;
    /** The interface methods, in the generator's order, for {@code Invocation.method()}. */
    public final Method[] methods;

    protected GeneratedChain(long entryId, Interposer[] interposers, Method[] methods) {
        this.entryId = entryId;
        this.interposers = interposers;
        this.methods = methods;
    }

    /** @return the exception for a second {@code proceed()} of one invocation */
    public static IllegalStateException twice(long entryId) {
        return new IllegalStateException("an interposer called proceed() twice for one call of entry " + entryId);
    }

    // Arguments an interposer may have changed through arguments(): the same unwrapping and
    // widening conversions as Method.invoke, and the same exception for a value that does not fit.

    public static Object reference(Object value, Class<?> type, int index) {
        if (value != null && !type.isInstance(value)) {
            throw mismatch(value, type.getName(), index);
        }
        return value;
    }

    public static boolean booleanArgument(Object value, int index) {
        if (value instanceof Boolean) {
            return (Boolean) value;
        }
        throw mismatch(value, "boolean", index);
    }

    public static byte byteArgument(Object value, int index) {
        if (value instanceof Byte) {
            return (Byte) value;
        }
        throw mismatch(value, "byte", index);
    }

    public static char charArgument(Object value, int index) {
        if (value instanceof Character) {
            return (Character) value;
        }
        throw mismatch(value, "char", index);
    }

    public static short shortArgument(Object value, int index) {
        if (value instanceof Short) {
            return (Short) value;
        }
        if (value instanceof Byte) {
            return (Byte) value;
        }
        throw mismatch(value, "short", index);
    }

    public static int intArgument(Object value, int index) {
        if (value instanceof Integer) {
            return (Integer) value;
        }
        if (value instanceof Character) {
            return (Character) value;
        }
        if (value instanceof Short || value instanceof Byte) {
            return ((Number) value).intValue();
        }
        throw mismatch(value, "int", index);
    }

    public static long longArgument(Object value, int index) {
        return integral(value, index, "long");
    }

    public static float floatArgument(Object value, int index) {
        if (value instanceof Float) {
            return (Float) value;
        }
        return integral(value, index, "float");
    }

    public static double doubleArgument(Object value, int index) {
        if (value instanceof Double) {
            return (Double) value;
        }
        if (value instanceof Float) {
            return (Float) value;
        }
        return integral(value, index, "double");
    }

    /** A {@code Long}, or an {@code int}-sized value widened, for a parameter of {@code type} (long, float or double). */
    private static long integral(Object value, int index, String type) {
        if (value instanceof Long) {
            return (Long) value;
        }
        if (value instanceof Integer || value instanceof Short || value instanceof Byte || value instanceof Character) {
            return intArgument(value, index);
        }
        throw mismatch(value, type, index);
    }

    private static IllegalArgumentException mismatch(Object value, String type, int index) {
        return new IllegalArgumentException("argument " + index + " is " + (value == null ? "null" : "a " + value.getClass().getName())
                + ", which cannot be passed as " + type + ": an interposer that changes arguments() must store values of the parameter types");
    }
}
