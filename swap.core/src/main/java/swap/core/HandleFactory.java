package swap.core;

import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

import swap.api.SwapException;

/**
 * Generates one forwarding class per component interface and makes handles of it.
 *
 * <p>Each generated method is straight-line bytecode: {@code return ((I) this.target).m(args)}.
 * The class is defined by a small class loader whose parent is the interface's class loader (so it
 * sees the interface and everything its signatures name) and which delegates only
 * {@link AbstractHandle} to this bundle. The generated class is cached per interface with a
 * {@link ClassValue}, so it goes away with the interface's class loader.
 *
 * <p>Thread-safe.
 */
final class HandleFactory {

    private static final AtomicLong COUNTER = new AtomicLong();
    private static final String BASE = Type.getInternalName(AbstractHandle.class);

    private static final ClassValue<Constructor<?>> CLASSES = new ClassValue<>() {
        @Override
        protected Constructor<?> computeValue(Class<?> iface) {
            try {
                return define(iface).getConstructor();
            } catch (ReflectiveOperationException e) {
                throw new SwapException("cannot generate a handle class for " + iface.getName() + ": " + e, e);
            }
        }
    };

    private HandleFactory() {
    }

    /** @return a new, unbound handle for {@code iface} (its target is {@code null}) */
    static AbstractHandle newHandle(Class<?> iface) {
        check(iface);
        try {
            return (AbstractHandle) CLASSES.get(iface).newInstance();
        } catch (ReflectiveOperationException e) {
            throw new SwapException("cannot create a handle for " + iface.getName() + ": " + e, e);
        }
    }

    /** @return the generated handle class's name for {@code iface}; stack checks look for its frames */
    static String handleClassName(Class<?> iface) {
        return CLASSES.get(iface).getDeclaringClass().getName();
    }

    private static void check(Class<?> iface) {
        if (!iface.isInterface()) {
            throw new SwapException(iface.getName() + " is not an interface: entries are made for component interfaces only");
        }
        if (!Modifier.isPublic(iface.getModifiers())) {
            throw new SwapException(iface.getName() + " is not public: make the component interface public so a handle class can implement it");
        }
    }

    /** Every public abstract or default method, once per name and descriptor, from the interface and its super-interfaces. */
    static Map<String, Method> forwardedMethods(Class<?> iface) {
        Map<String, Method> methods = new LinkedHashMap<>();
        for (Method m : iface.getMethods()) {
            if (Modifier.isStatic(m.getModifiers())) {
                continue;
            }
            String key = m.getName() + Type.getMethodDescriptor(m);
            if (isObjectMethod(key)) {
                continue; // equals/hashCode/toString are the handle's own (see AbstractHandle)
            }
            methods.putIfAbsent(key, m);
        }
        return methods;
    }

    static boolean isObjectMethod(String nameAndDescriptor) {
        return nameAndDescriptor.equals("equals(Ljava/lang/Object;)Z") || nameAndDescriptor.equals("hashCode()I")
                || nameAndDescriptor.equals("toString()Ljava/lang/String;");
    }

    private static Class<?> define(Class<?> iface) {
        String name = "swap.generated.Handle$" + iface.getSimpleName() + "$" + COUNTER.incrementAndGet();
        String internal = name.replace('.', '/');
        String ifaceInternal = Type.getInternalName(iface);

        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_MAXS);
        cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC | Opcodes.ACC_FINAL | Opcodes.ACC_SUPER, internal, null, BASE,
                new String[] {ifaceInternal});

        MethodVisitor init = cw.visitMethod(Opcodes.ACC_PUBLIC, "<init>", "()V", null, null);
        init.visitCode();
        init.visitVarInsn(Opcodes.ALOAD, 0);
        init.visitMethodInsn(Opcodes.INVOKESPECIAL, BASE, "<init>", "()V", false);
        init.visitInsn(Opcodes.RETURN);
        init.visitMaxs(0, 0);
        init.visitEnd();

        for (Method m : forwardedMethods(iface).values()) {
            String desc = Type.getMethodDescriptor(m);
            String[] exceptions = new String[m.getExceptionTypes().length];
            for (int i = 0; i < exceptions.length; i++) {
                exceptions[i] = Type.getInternalName(m.getExceptionTypes()[i]);
            }
            MethodVisitor mv = cw.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_FINAL, m.getName(), desc, null, exceptions);
            mv.visitCode();
            mv.visitVarInsn(Opcodes.ALOAD, 0);
            mv.visitFieldInsn(Opcodes.GETFIELD, BASE, "target", "Ljava/lang/Object;");
            String owner = Type.getInternalName(m.getDeclaringClass());
            mv.visitTypeInsn(Opcodes.CHECKCAST, owner);
            int slot = 1;
            for (Type arg : Type.getArgumentTypes(desc)) {
                mv.visitVarInsn(arg.getOpcode(Opcodes.ILOAD), slot);
                slot += arg.getSize();
            }
            mv.visitMethodInsn(Opcodes.INVOKEINTERFACE, owner, m.getName(), desc, true);
            mv.visitInsn(Type.getReturnType(desc).getOpcode(Opcodes.IRETURN));
            mv.visitMaxs(0, 0);
            mv.visitEnd();
        }
        cw.visitEnd();
        byte[] bytes = cw.toByteArray();
        return new HandleLoader(iface.getClassLoader()).define(name, bytes);
    }

    /** Sees the interface's class space, plus {@link AbstractHandle} from this bundle. */
    private static final class HandleLoader extends ClassLoader {
        static {
            registerAsParallelCapable();
        }

        HandleLoader(ClassLoader parent) {
            super("swap-handles", parent);
        }

        Class<?> define(String name, byte[] bytes) {
            return defineClass(name, bytes, 0, bytes.length, HandleFactory.class.getProtectionDomain());
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (name.equals(AbstractHandle.class.getName())) {
                return AbstractHandle.class;
            }
            return super.loadClass(name, resolve);
        }
    }
}
