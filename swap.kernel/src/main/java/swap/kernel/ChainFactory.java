package swap.kernel;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

import swap.api.Interposer;
import swap.api.Invocation;
import swap.api.SwapException;

/**
 * Generates one interposer chain class per component interface, as {@link HandleFactory} does for
 * handles, and makes chains of it.
 *
 * <p>A chain implements the interface and is the outer handle's target while an entry has
 * interposers. For each method {@code m} with parameters {@code a, b} it has a small final
 * {@link Invocation} class holding the parameters in typed fields, and
 * <pre>{@code
 * R m(A a, B b) { return (R) interposers[0].invoke(new Call$m(this, 1, null, a, b)); }
 * // Call$m.proceed():
 * if (proceeded) throw twice; proceeded = true;
 * if (index < interposers.length) return interposers[index].invoke(new Call$m(chain, index + 1, arguments, a, b));
 * return box(arguments == null ? end.swap$end$m(a, b) : end.swap$end$m((A) arguments[0], (B) arguments[1]));
 * }</pre>
 * where {@code end} is the entry's inner handle, called directly (no reflection) through the copy
 * of its method {@code m} that {@link #withEndMethods} adds to every handle class. The
 * arguments are boxed into an array only when an interposer asks for {@code arguments()}; the array
 * then travels down the chain (as before: an interposer further in sees the changes of one further
 * out) and the end call takes its values from it. A primitive result is boxed only for
 * {@code proceed()}'s {@code Object}, and unboxed again by the chain method; when the JIT inlines
 * the interposer, the invocation object and the box need not be allocated at all.
 *
 * <p>What callers see is what {@link java.lang.reflect.Proxy} showed them before: what the
 * implementation or an interposer threw passes unchanged if it is unchecked or declared by the
 * method, and any other checked exception arrives wrapped in
 * {@link java.lang.reflect.UndeclaredThrowableException}; an interposer returning {@code null} or a
 * wrong type for a primitive or typed result causes a {@link NullPointerException} or
 * {@link ClassCastException}. Changed arguments go through the conversions of
 * {@link Method#invoke} (an {@link IllegalArgumentException} if one does not fit).
 *
 * <p>Naming: chain classes are named {@value #PREFIX}{@code <interface>$<n>}; the invocation
 * classes {@code swap.generated.ChainCall$...}. {@link Quiescence} recognises a chain frame by that
 * prefix ({@link #isChainClass}). Class loading as for handles: a small loader whose parent is the
 * interface's class loader and which delegates only the kernel's {@link GeneratedChain} and the
 * API's {@link Interposer} and {@link Invocation} to this bundle; cached per interface in a
 * {@link ClassValue}.
 *
 * <p>Thread-safe.
 */
public final class ChainFactory {

    /** The name of every generated chain class starts with this. */
    public static final String PREFIX = "swap.generated.Chain$";

    private static final String CALL_PREFIX = "swap.generated.ChainCall$";
    /** The prefix of the handle class's copies of its methods that a chain's end calls ({@link #withEndMethods}). */
    static final String END = "swap$end$";
    private static final AtomicLong COUNTER = new AtomicLong();
    private static final String BASE = Type.getInternalName(GeneratedChain.class);
    private static final String INTERPOSER = Type.getInternalName(Interposer.class);
    private static final String INVOCATION = Type.getInternalName(Invocation.class);
    private static final String INVOKE_DESC = "(L" + INVOCATION + ";)Ljava/lang/Object;";
    private static final String OBJECTS = "[Ljava/lang/Object;";

    /** A generated chain class and the methods its index constants refer to. */
    private record Template(Constructor<?> constructor, Method[] methods) {
    }

    private static final ClassValue<Template> TEMPLATES = new ClassValue<>() {
        @Override
        protected Template computeValue(Class<?> iface) {
            try {
                return define(iface);
            } catch (ReflectiveOperationException | LinkageError e) {
                throw new SwapException("cannot generate an interposer chain class for " + iface.getName() + ": " + e, e);
            }
        }
    };

    private ChainFactory() {
    }

    /** @return whether {@code className} names a generated chain class (not one of its invocation classes) */
    public static boolean isChainClass(String className) {
        return className.startsWith(PREFIX);
    }

    /**
     * @param interposers outermost first; not empty
     * @param end where the chain ends (the entry's inner handle), an instance of {@code iface}
     * @return a new chain implementing {@code iface}
     */
    static Object newChain(Class<?> iface, long entryId, List<InterposerChain.Named> interposers, Object end) {
        if (interposers.isEmpty()) {
            throw new IllegalArgumentException("a chain needs at least one interposer");
        }
        Interposer[] ips = new Interposer[interposers.size()];
        for (int i = 0; i < ips.length; i++) {
            ips[i] = interposers.get(i).interposer();
        }
        Template t = TEMPLATES.get(iface);
        try {
            return t.constructor().newInstance(entryId, ips, t.methods(), iface.cast(end));
        } catch (InvocationTargetException e) {
            throw new SwapException("cannot create an interposer chain for " + iface.getName() + ": " + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new SwapException("cannot create an interposer chain for " + iface.getName() + ": " + e, e);
        }
    }

    private static Template define(Class<?> iface) throws ReflectiveOperationException {
        long n = COUNTER.incrementAndGet();
        String chainName = PREFIX + iface.getSimpleName() + "$" + n;
        String chain = chainName.replace('.', '/');
        String ifaceInternal = Type.getInternalName(iface);
        Method[] methods = HandleFactory.forwardedMethods(iface).values().toArray(new Method[0]);
        Class<?> handleClass = HandleFactory.newHandle(iface).getClass();
        String handle = Type.getInternalName(handleClass);
        ChainLoader loader = new ChainLoader(iface.getClassLoader(), handleClass);
        String[] calls = new String[methods.length];
        for (int k = 0; k < methods.length; k++) {
            String callName = CALL_PREFIX + iface.getSimpleName() + "$" + n + "$" + k;
            calls[k] = callName.replace('.', '/');
            loader.define(callName, callClass(calls[k], chain, handle, k, methods[k]));
        }
        Class<?> c = loader.define(chainName, chainClass(chain, ifaceInternal, handle, methods, calls));
        return new Template(c.getConstructor(long.class, Interposer[].class, Method[].class, Object.class), methods);
    }

    private static ClassWriter writer() {
        return new ClassWriter(ClassWriter.COMPUTE_FRAMES) {
            @Override
            protected String getCommonSuperClass(String a, String b) {
                return "java/lang/Object"; // frames never merge two different reference types here; never load classes
            }
        };
    }

    private static String callConstructor(String chain, String desc) {
        StringBuilder b = new StringBuilder("(L").append(chain).append(";I").append(OBJECTS);
        for (Type t : Type.getArgumentTypes(desc)) {
            b.append(t.getDescriptor());
        }
        return b.append(")V").toString();
    }

    /**
     * Adds to a generated handle class a copy of each of its instance methods, named
     * {@value #END}{@code <name>}, whose calls of the class's own copied methods go to the copies: a
     * chain's end calls the inner handle through these. They run exactly the code of the originals
     * (whatever {@link HandleFactory} generates), in frames of the same class, so the quiescence
     * check sees the inner handle's frame as before. They exist for the JIT: outer and inner handles
     * share one class, and through the original methods the inner handle's call site would see the
     * chain too (the outer handle's callee), so the JIT would inline the chain into itself and give
     * up on inlining (and on removing the invocation objects) sooner.
     */
    static byte[] withEndMethods(byte[] handleClass) {
        ClassReader reader = new ClassReader(handleClass);
        ClassWriter out = new ClassWriter(reader, 0);
        java.util.Set<String> copied = new java.util.HashSet<>();
        String[] owner = new String[1];
        reader.accept(new ClassVisitor(Opcodes.ASM9, out) {
            @Override
            public void visit(int version, int access, String name, String signature, String superName, String[] interfaces) {
                owner[0] = name;
                super.visit(version, access, name, signature, superName, interfaces);
            }

            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
                if ((access & Opcodes.ACC_STATIC) == 0 && !name.startsWith("<")) {
                    copied.add(name + descriptor);
                }
                return super.visitMethod(access, name, descriptor, signature, exceptions);
            }

            @Override
            public void visitEnd() {
                // the copies follow below
            }
        }, 0);
        reader.accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
                if (!copied.contains(name + descriptor)) {
                    return null;
                }
                MethodVisitor copy = out.visitMethod(access, END + name, descriptor, signature, exceptions);
                return new MethodVisitor(Opcodes.ASM9, copy) {
                    @Override
                    public void visitMethodInsn(int opcode, String o, String n, String d, boolean itf) {
                        boolean own = o.equals(owner[0]) && copied.contains(n + d);
                        super.visitMethodInsn(opcode, o, own ? END + n : n, d, itf);
                    }
                };
            }
        }, 0);
        out.visitEnd();
        return out.toByteArray();
    }

    // ------------------------------------------------------------------ the chain class

    private static byte[] chainClass(String chain, String iface, String handle, Method[] methods, String[] calls) {
        ClassWriter cw = writer();
        cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC | Opcodes.ACC_FINAL | Opcodes.ACC_SUPER, chain, null, BASE, new String[] {iface});
        cw.visitField(Opcodes.ACC_PUBLIC | Opcodes.ACC_FINAL, "end", "L" + handle + ";", null, null).visitEnd();

        MethodVisitor init = cw.visitMethod(Opcodes.ACC_PUBLIC, "<init>", "(J[L" + INTERPOSER + ";[Ljava/lang/reflect/Method;Ljava/lang/Object;)V", null, null);
        init.visitCode();
        init.visitVarInsn(Opcodes.ALOAD, 0);
        init.visitVarInsn(Opcodes.LLOAD, 1);
        init.visitVarInsn(Opcodes.ALOAD, 3);
        init.visitVarInsn(Opcodes.ALOAD, 4);
        init.visitMethodInsn(Opcodes.INVOKESPECIAL, BASE, "<init>", "(J[L" + INTERPOSER + ";[Ljava/lang/reflect/Method;)V", false);
        init.visitVarInsn(Opcodes.ALOAD, 0);
        init.visitVarInsn(Opcodes.ALOAD, 5);
        init.visitTypeInsn(Opcodes.CHECKCAST, handle);
        init.visitFieldInsn(Opcodes.PUTFIELD, chain, "end", "L" + handle + ";");
        init.visitInsn(Opcodes.RETURN);
        init.visitMaxs(0, 0);
        init.visitEnd();

        for (int k = 0; k < methods.length; k++) {
            Method m = methods[k];
            String desc = Type.getMethodDescriptor(m);
            Class<?>[] declared = m.getExceptionTypes();
            String[] exceptions = new String[declared.length];
            for (int i = 0; i < exceptions.length; i++) {
                exceptions[i] = Type.getInternalName(declared[i]);
            }
            MethodVisitor mv = cw.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_FINAL, m.getName(), desc, null, exceptions);
            mv.visitCode();
            Label start = new Label();
            Label end = new Label();
            // Unchecked and declared exceptions pass unchanged; anything else is wrapped, as Proxy did.
            String[] passed = new String[exceptions.length + 2];
            passed[0] = "java/lang/RuntimeException";
            passed[1] = "java/lang/Error";
            System.arraycopy(exceptions, 0, passed, 2, exceptions.length);
            Label[] rethrow = new Label[passed.length];
            for (int i = 0; i < passed.length; i++) {
                rethrow[i] = new Label();
                mv.visitTryCatchBlock(start, end, rethrow[i], passed[i]);
            }
            Label wrap = new Label();
            mv.visitTryCatchBlock(start, end, wrap, "java/lang/Throwable");
            mv.visitLabel(start);
            // interposers[0].invoke(new Call(this, 1, null, args))
            mv.visitVarInsn(Opcodes.ALOAD, 0);
            mv.visitFieldInsn(Opcodes.GETFIELD, BASE, "interposers", "[L" + INTERPOSER + ";");
            mv.visitInsn(Opcodes.ICONST_0);
            mv.visitInsn(Opcodes.AALOAD);
            mv.visitTypeInsn(Opcodes.NEW, calls[k]);
            mv.visitInsn(Opcodes.DUP);
            mv.visitVarInsn(Opcodes.ALOAD, 0);
            mv.visitInsn(Opcodes.ICONST_1);
            mv.visitInsn(Opcodes.ACONST_NULL);
            int slot = 1;
            for (Type arg : Type.getArgumentTypes(desc)) {
                mv.visitVarInsn(arg.getOpcode(Opcodes.ILOAD), slot);
                slot += arg.getSize();
            }
            mv.visitMethodInsn(Opcodes.INVOKESPECIAL, calls[k], "<init>", callConstructor(chain, desc), false);
            mv.visitMethodInsn(Opcodes.INVOKEINTERFACE, INTERPOSER, "invoke", INVOKE_DESC, true);
            unboxResult(mv, Type.getReturnType(desc));
            mv.visitLabel(end);
            mv.visitInsn(Type.getReturnType(desc).getOpcode(Opcodes.IRETURN));
            for (Label r : rethrow) {
                mv.visitLabel(r);
                mv.visitInsn(Opcodes.ATHROW);
            }
            mv.visitLabel(wrap);
            mv.visitVarInsn(Opcodes.ASTORE, slot);
            mv.visitTypeInsn(Opcodes.NEW, "java/lang/reflect/UndeclaredThrowableException");
            mv.visitInsn(Opcodes.DUP);
            mv.visitVarInsn(Opcodes.ALOAD, slot);
            mv.visitMethodInsn(Opcodes.INVOKESPECIAL, "java/lang/reflect/UndeclaredThrowableException", "<init>", "(Ljava/lang/Throwable;)V", false);
            mv.visitInsn(Opcodes.ATHROW);
            mv.visitMaxs(0, 0);
            mv.visitEnd();
        }
        cw.visitEnd();
        return cw.toByteArray();
    }

    /** The interposer's {@code Object} on the stack to the method's result, as Proxy's generated code does it. */
    private static void unboxResult(MethodVisitor mv, Type r) {
        switch (r.getSort()) {
            case Type.VOID -> mv.visitInsn(Opcodes.POP);
            case Type.OBJECT, Type.ARRAY -> {
                if (!r.getInternalName().equals("java/lang/Object")) {
                    mv.visitTypeInsn(Opcodes.CHECKCAST, r.getInternalName());
                }
            }
            default -> {
                String box = wrapper(r);
                mv.visitTypeInsn(Opcodes.CHECKCAST, box);
                mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, box, r.getClassName() + "Value", "()" + r.getDescriptor(), false);
            }
        }
    }

    private static String wrapper(Type primitive) {
        return switch (primitive.getSort()) {
            case Type.BOOLEAN -> "java/lang/Boolean";
            case Type.BYTE -> "java/lang/Byte";
            case Type.CHAR -> "java/lang/Character";
            case Type.SHORT -> "java/lang/Short";
            case Type.INT -> "java/lang/Integer";
            case Type.LONG -> "java/lang/Long";
            case Type.FLOAT -> "java/lang/Float";
            case Type.DOUBLE -> "java/lang/Double";
            default -> throw new IllegalArgumentException(primitive + " is not primitive");
        };
    }

    /** A primitive on the stack to its wrapper ({@code valueOf}); references unchanged. */
    private static void box(MethodVisitor mv, Type t) {
        if (t.getSort() == Type.VOID) {
            mv.visitInsn(Opcodes.ACONST_NULL);
        } else if (t.getSort() != Type.OBJECT && t.getSort() != Type.ARRAY) {
            String w = wrapper(t);
            mv.visitMethodInsn(Opcodes.INVOKESTATIC, w, "valueOf", "(" + t.getDescriptor() + ")L" + w + ";", false);
        }
    }

    // ------------------------------------------------------------------ the invocation class of one method

    private static byte[] callClass(String call, String chain, String handle, int k, Method m) {
        String desc = Type.getMethodDescriptor(m);
        Type[] args = Type.getArgumentTypes(desc);
        Type returns = Type.getReturnType(desc);
        String chainDesc = "L" + chain + ";";
        ClassWriter cw = writer();
        cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC | Opcodes.ACC_FINAL | Opcodes.ACC_SUPER, call, null, "java/lang/Object", new String[] {INVOCATION});
        cw.visitField(Opcodes.ACC_PRIVATE | Opcodes.ACC_FINAL, "chain", chainDesc, null, null).visitEnd();
        cw.visitField(Opcodes.ACC_PRIVATE | Opcodes.ACC_FINAL, "index", "I", null, null).visitEnd();
        cw.visitField(Opcodes.ACC_PRIVATE, "arguments", OBJECTS, null, null).visitEnd();
        cw.visitField(Opcodes.ACC_PRIVATE, "proceeded", "Z", null, null).visitEnd();
        for (int i = 0; i < args.length; i++) {
            cw.visitField(Opcodes.ACC_PRIVATE | Opcodes.ACC_FINAL, "a" + i, args[i].getDescriptor(), null, null).visitEnd();
        }

        // <init>(chain, index, arguments, a0..an)
        MethodVisitor mv = cw.visitMethod(Opcodes.ACC_PUBLIC, "<init>", callConstructor(chain, desc), null, null);
        mv.visitCode();
        mv.visitVarInsn(Opcodes.ALOAD, 0);
        mv.visitMethodInsn(Opcodes.INVOKESPECIAL, "java/lang/Object", "<init>", "()V", false);
        mv.visitVarInsn(Opcodes.ALOAD, 0);
        mv.visitVarInsn(Opcodes.ALOAD, 1);
        mv.visitFieldInsn(Opcodes.PUTFIELD, call, "chain", chainDesc);
        mv.visitVarInsn(Opcodes.ALOAD, 0);
        mv.visitVarInsn(Opcodes.ILOAD, 2);
        mv.visitFieldInsn(Opcodes.PUTFIELD, call, "index", "I");
        mv.visitVarInsn(Opcodes.ALOAD, 0);
        mv.visitVarInsn(Opcodes.ALOAD, 3);
        mv.visitFieldInsn(Opcodes.PUTFIELD, call, "arguments", OBJECTS);
        int slot = 4;
        for (int i = 0; i < args.length; i++) {
            mv.visitVarInsn(Opcodes.ALOAD, 0);
            mv.visitVarInsn(args[i].getOpcode(Opcodes.ILOAD), slot);
            mv.visitFieldInsn(Opcodes.PUTFIELD, call, "a" + i, args[i].getDescriptor());
            slot += args[i].getSize();
        }
        mv.visitInsn(Opcodes.RETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();

        // entryId()
        mv = cw.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_FINAL, "entryId", "()J", null, null);
        mv.visitCode();
        mv.visitVarInsn(Opcodes.ALOAD, 0);
        mv.visitFieldInsn(Opcodes.GETFIELD, call, "chain", chainDesc);
        mv.visitFieldInsn(Opcodes.GETFIELD, BASE, "entryId", "J");
        mv.visitInsn(Opcodes.LRETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();

        // method()
        mv = cw.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_FINAL, "method", "()Ljava/lang/reflect/Method;", null, null);
        mv.visitCode();
        mv.visitVarInsn(Opcodes.ALOAD, 0);
        mv.visitFieldInsn(Opcodes.GETFIELD, call, "chain", chainDesc);
        mv.visitFieldInsn(Opcodes.GETFIELD, BASE, "methods", "[Ljava/lang/reflect/Method;");
        mv.visitLdcInsn(k);
        mv.visitInsn(Opcodes.AALOAD);
        mv.visitInsn(Opcodes.ARETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();

        // arguments(): boxed on first use, then shared down the chain
        mv = cw.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_FINAL, "arguments", "()" + OBJECTS, null, null);
        mv.visitCode();
        if (args.length == 0) {
            mv.visitFieldInsn(Opcodes.GETSTATIC, BASE, "NO_ARGUMENTS", OBJECTS);
            mv.visitInsn(Opcodes.ARETURN);
        } else {
            Label made = new Label();
            mv.visitVarInsn(Opcodes.ALOAD, 0);
            mv.visitFieldInsn(Opcodes.GETFIELD, call, "arguments", OBJECTS);
            mv.visitInsn(Opcodes.DUP);
            mv.visitJumpInsn(Opcodes.IFNONNULL, made);
            mv.visitInsn(Opcodes.POP);
            mv.visitLdcInsn(args.length);
            mv.visitTypeInsn(Opcodes.ANEWARRAY, "java/lang/Object");
            for (int i = 0; i < args.length; i++) {
                mv.visitInsn(Opcodes.DUP);
                mv.visitLdcInsn(i);
                mv.visitVarInsn(Opcodes.ALOAD, 0);
                mv.visitFieldInsn(Opcodes.GETFIELD, call, "a" + i, args[i].getDescriptor());
                box(mv, args[i]);
                mv.visitInsn(Opcodes.AASTORE);
            }
            mv.visitVarInsn(Opcodes.ASTORE, 1);
            mv.visitVarInsn(Opcodes.ALOAD, 0);
            mv.visitVarInsn(Opcodes.ALOAD, 1);
            mv.visitFieldInsn(Opcodes.PUTFIELD, call, "arguments", OBJECTS);
            mv.visitVarInsn(Opcodes.ALOAD, 1);
            mv.visitLabel(made);
            mv.visitInsn(Opcodes.ARETURN);
        }
        mv.visitMaxs(0, 0);
        mv.visitEnd();

        // proceed()
        mv = cw.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_FINAL, "proceed", "()Ljava/lang/Object;", null, new String[] {"java/lang/Throwable"});
        mv.visitCode();
        Label first = new Label();
        mv.visitVarInsn(Opcodes.ALOAD, 0);
        mv.visitFieldInsn(Opcodes.GETFIELD, call, "proceeded", "Z");
        mv.visitJumpInsn(Opcodes.IFEQ, first);
        mv.visitVarInsn(Opcodes.ALOAD, 0);
        mv.visitFieldInsn(Opcodes.GETFIELD, call, "chain", chainDesc);
        mv.visitFieldInsn(Opcodes.GETFIELD, BASE, "entryId", "J");
        mv.visitMethodInsn(Opcodes.INVOKESTATIC, BASE, "twice", "(J)Ljava/lang/IllegalStateException;", false);
        mv.visitInsn(Opcodes.ATHROW);
        mv.visitLabel(first);
        mv.visitVarInsn(Opcodes.ALOAD, 0);
        mv.visitInsn(Opcodes.ICONST_1);
        mv.visitFieldInsn(Opcodes.PUTFIELD, call, "proceeded", "Z");
        // if (index < chain.interposers.length) return chain.interposers[index].invoke(new Call(chain, index + 1, arguments, a0..an));
        Label last = new Label();
        mv.visitVarInsn(Opcodes.ALOAD, 0);
        mv.visitFieldInsn(Opcodes.GETFIELD, call, "index", "I");
        mv.visitVarInsn(Opcodes.ALOAD, 0);
        mv.visitFieldInsn(Opcodes.GETFIELD, call, "chain", chainDesc);
        mv.visitFieldInsn(Opcodes.GETFIELD, BASE, "interposers", "[L" + INTERPOSER + ";");
        mv.visitInsn(Opcodes.ARRAYLENGTH);
        mv.visitJumpInsn(Opcodes.IF_ICMPGE, last);
        mv.visitVarInsn(Opcodes.ALOAD, 0);
        mv.visitFieldInsn(Opcodes.GETFIELD, call, "chain", chainDesc);
        mv.visitFieldInsn(Opcodes.GETFIELD, BASE, "interposers", "[L" + INTERPOSER + ";");
        mv.visitVarInsn(Opcodes.ALOAD, 0);
        mv.visitFieldInsn(Opcodes.GETFIELD, call, "index", "I");
        mv.visitInsn(Opcodes.AALOAD);
        mv.visitTypeInsn(Opcodes.NEW, call);
        mv.visitInsn(Opcodes.DUP);
        mv.visitVarInsn(Opcodes.ALOAD, 0);
        mv.visitFieldInsn(Opcodes.GETFIELD, call, "chain", chainDesc);
        mv.visitVarInsn(Opcodes.ALOAD, 0);
        mv.visitFieldInsn(Opcodes.GETFIELD, call, "index", "I");
        mv.visitInsn(Opcodes.ICONST_1);
        mv.visitInsn(Opcodes.IADD);
        mv.visitVarInsn(Opcodes.ALOAD, 0);
        mv.visitFieldInsn(Opcodes.GETFIELD, call, "arguments", OBJECTS);
        for (int i = 0; i < args.length; i++) {
            mv.visitVarInsn(Opcodes.ALOAD, 0);
            mv.visitFieldInsn(Opcodes.GETFIELD, call, "a" + i, args[i].getDescriptor());
        }
        mv.visitMethodInsn(Opcodes.INVOKESPECIAL, call, "<init>", callConstructor(chain, desc), false);
        mv.visitMethodInsn(Opcodes.INVOKEINTERFACE, INTERPOSER, "invoke", INVOKE_DESC, true);
        mv.visitInsn(Opcodes.ARETURN);
        mv.visitLabel(last);
        // the end: chain.end.m(a0..an), or with the values from arguments if an interposer asked for them
        Label fromArray = new Label();
        if (args.length > 0) {
            mv.visitVarInsn(Opcodes.ALOAD, 0);
            mv.visitFieldInsn(Opcodes.GETFIELD, call, "arguments", OBJECTS);
            mv.visitJumpInsn(Opcodes.IFNONNULL, fromArray);
        }
        mv.visitVarInsn(Opcodes.ALOAD, 0);
        mv.visitFieldInsn(Opcodes.GETFIELD, call, "chain", chainDesc);
        mv.visitFieldInsn(Opcodes.GETFIELD, chain, "end", "L" + handle + ";");
        for (int i = 0; i < args.length; i++) {
            mv.visitVarInsn(Opcodes.ALOAD, 0);
            mv.visitFieldInsn(Opcodes.GETFIELD, call, "a" + i, args[i].getDescriptor());
        }
        mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, handle, END + m.getName(), desc, false);
        box(mv, returns);
        mv.visitInsn(Opcodes.ARETURN);
        if (args.length > 0) {
            mv.visitLabel(fromArray);
            mv.visitVarInsn(Opcodes.ALOAD, 0);
            mv.visitFieldInsn(Opcodes.GETFIELD, call, "arguments", OBJECTS);
            mv.visitVarInsn(Opcodes.ASTORE, 1);
            mv.visitVarInsn(Opcodes.ALOAD, 0);
            mv.visitFieldInsn(Opcodes.GETFIELD, call, "chain", chainDesc);
            mv.visitFieldInsn(Opcodes.GETFIELD, chain, "end", "L" + handle + ";");
            for (int i = 0; i < args.length; i++) {
                mv.visitVarInsn(Opcodes.ALOAD, 1);
                mv.visitLdcInsn(i);
                mv.visitInsn(Opcodes.AALOAD);
                unpack(mv, args[i], i);
            }
            mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, handle, END + m.getName(), desc, false);
            box(mv, returns);
            mv.visitInsn(Opcodes.ARETURN);
        }
        mv.visitMaxs(0, 0);
        mv.visitEnd();
        cw.visitEnd();
        return cw.toByteArray();
    }

    /** {@code arguments[i]} on the stack to parameter type {@code t}, with Method.invoke's conversions. */
    private static void unpack(MethodVisitor mv, Type t, int i) {
        mv.visitLdcInsn(i);
        switch (t.getSort()) {
            case Type.OBJECT, Type.ARRAY -> {
                mv.visitInsn(Opcodes.POP);
                if (!t.getInternalName().equals("java/lang/Object")) {
                    mv.visitLdcInsn(t);
                    mv.visitLdcInsn(i);
                    mv.visitMethodInsn(Opcodes.INVOKESTATIC, BASE, "reference", "(Ljava/lang/Object;Ljava/lang/Class;I)Ljava/lang/Object;", false);
                    mv.visitTypeInsn(Opcodes.CHECKCAST, t.getInternalName());
                }
            }
            default -> mv.visitMethodInsn(Opcodes.INVOKESTATIC, BASE, t.getClassName() + "Argument", "(Ljava/lang/Object;I)" + t.getDescriptor(), false);
        }
    }

    /** Sees the interface's class space, plus the kernel's chain base class and the interposer API from this bundle. */
    private static final class ChainLoader extends ClassLoader {
        static {
            registerAsParallelCapable();
        }

        private final Class<?> handleClass;

        ChainLoader(ClassLoader parent, Class<?> handleClass) {
            super("swap-chains", parent);
            this.handleClass = handleClass;
        }

        Class<?> define(String name, byte[] bytes) {
            return defineClass(name, bytes, 0, bytes.length, ChainFactory.class.getProtectionDomain());
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (name.equals(handleClass.getName())) {
                return handleClass;
            }
            if (name.equals(GeneratedChain.class.getName())) {
                return GeneratedChain.class;
            }
            if (name.equals(Interposer.class.getName())) {
                return Interposer.class;
            }
            if (name.equals(Invocation.class.getName())) {
                return Invocation.class;
            }
            return super.loadClass(name, resolve);
        }
    }
}
