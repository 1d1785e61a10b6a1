package swap.core.safe;

import swap.kernel.Mediator;
import swap.kernel.Negotiation;
import swap.kernel.SwapJob;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import swap.api.Interposer;
import swap.api.Invocation;
import swap.api.MismatchDTO;
import swap.api.ReadOnly;
import swap.api.StateFormat;
import swap.api.StatefulComponent;
import swap.api.SwapConstants;

/**
 * A canary: a new instance that received a copy of the entry's state and to which the entry's
 * calls of {@link ReadOnly} methods are mirrored, so that its results can be compared with the
 * running instance's before the swap commits.
 *
 * <p><b>The copy</b> is taken by the ordinary swap steps ({@link SwapJob}: copy, mediator,
 * quiescence, blocked, export and import in a canonical format), stopped short of the switch: the
 * old instance is published again and keeps running, the canary keeps what it imported. If both
 * instances can pre-copy ({@code PreCopyComponent}) the state is copied while the entry serves and
 * only the last delta (by value: the old instance serves on) while calls are held, with the swap's
 * limit ({@code SwapOptions.transferTimeout}) and progress events. The canary holds the
 * entry's swap claim until it ends, so no other swap changes the entry under it.
 *
 * <p><b>Writes</b> (calls of unmarked methods) are not mirrored: the canary's copy is stale once one
 * has begun, so a read is compared only if no write began between the copy and the end of the read
 * (a write that was waiting in the mediator while the copy was taken counts as begun). Reads that
 * are not compared are counted as {@code skipped}.
 *
 * <p>This class is the interposer ({@value #NAME}) that does the mirroring. Thread-safety: {@link #invoke}
 * is called by any caller thread; comparisons happen on the mirror thread (or the caller's, inline)
 * and publish their counts through atomics; the verdict is read by the safe-swap thread.
 */
final class Canary implements Interposer {
    static final String NAME = "canary";
    private static final int KEEP = 10;

    private final Object instance;
    private final Map<Method, Comparator<Object>> reads;
    private final boolean inline;
    private final int wanted;
    private final ThreadPoolExecutor mirror;
    private final AtomicLong writesBegun = new AtomicLong();
    private final AtomicLong ended = new AtomicLong();
    private final AtomicLong mirrored = new AtomicLong();
    private final AtomicLong compared = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong mismatchCount = new AtomicLong();
    private final List<MismatchDTO> mismatches = new ArrayList<>();
    private volatile boolean armed;
    private volatile boolean done;
    private volatile long base = -1;
    final long started = System.nanoTime();

    Canary(long entryId, Object instance, Map<Method, Comparator<Object>> reads, boolean inline, int wanted) {
        this.instance = instance;
        this.reads = reads;
        this.inline = inline;
        this.wanted = wanted;
        this.mirror = inline ? null : new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(10_000), r -> {
            Thread t = new Thread(r, "swap-canary-" + entryId);
            t.setDaemon(true);
            return t;
        }, (r, pool) -> dropped.incrementAndGet());
    }

    /**
     * The {@link ReadOnly} methods of {@code type} and how their results are compared.
     *
     * @throws IllegalArgumentException if a comparator cannot be made, saying which
     */
    @SuppressWarnings("unchecked")
    static Map<Method, Comparator<Object>> reads(Class<?> type) {
        Map<Method, Comparator<Object>> m = new HashMap<>();
        for (Method method : type.getMethods()) {
            ReadOnly r = method.getAnnotation(ReadOnly.class);
            if (r == null) {
                continue;
            }
            Comparator<Object> c = null;
            if (r.comparator() != Comparator.class) {
                try {
                    c = r.comparator().getConstructor().newInstance();
                } catch (ReflectiveOperationException | LinkageError ex) {
                    throw new IllegalArgumentException("the comparator " + r.comparator().getName() + " of " + method.getName()
                            + " needs a public no-argument constructor: " + ex);
                }
            }
            m.put(method, c);
        }
        return m;
    }

    /**
     * The format to copy the state in: the importer's first canonical format the exporter lists too;
     * {@link StateFormat#EMPTY} only if the running instance has no state to export.
     *
     * @return the format, or {@code null} if there is none
     */
    static StateFormat<?> copyFormat(Object old, Object canary) {
        List<StateFormat<?>> exports = Negotiation.exports(old);
        for (StateFormat<?> f : Negotiation.imports(canary)) {
            if (f.isByReference() || (f.equals(StateFormat.EMPTY) && old instanceof StatefulComponent)) {
                continue;
            }
            if (Negotiation.negotiate(exports, List.of(f)) != null) {
                return f;
            }
        }
        return null;
    }

    Object instance() {
        return instance;
    }

    /** The copy was taken while the entry was quiescent: from now on reads are mirrored. */
    void arm(long begunAtCopy, boolean writeWaiting) {
        base = writeWaiting ? -1 : begunAtCopy;
        armed = true;
    }

    /** @return the writes begun so far (read by the safe-swap thread while the entry is quiescent) */
    long writesBegun() {
        return writesBegun.get();
    }


    /** @return writes that have ended (a write begun but not ended while the entry is quiescent is waiting in the mediator) */
    long writesEnded() {
        return ended.get();
    }

    @Override
    public Object invoke(Invocation call) throws Throwable {
        Method m = call.method();
        if (!reads.containsKey(m)) {
            writesBegun.incrementAndGet();
            try {
                return call.proceed();
            } finally {
                ended.incrementAndGet();
            }
        }
        if (!armed || done) {
            return call.proceed();
        }
        Object[] args = call.arguments().clone();
        Object result = null;
        Throwable thrown = null;
        try {
            result = call.proceed();
            return result;
        } catch (Throwable t) {
            thrown = t;
            throw t;
        } finally {
            if (writesBegun.get() != base) {
                skipped.incrementAndGet();
            } else {
                mirrored.incrementAndGet();
                Object r = result;
                Throwable t = thrown;
                if (inline) {
                    compare(m, args, r, t);
                } else {
                    mirror.execute(() -> compare(m, args, r, t));
                }
            }
        }
    }

    private void compare(Method m, Object[] args, Object expected, Throwable expectedThrown) {
        if (done) {
            return;
        }
        Object actual = null;
        Throwable actualThrown = null;
        try {
            actual = Mediator.call(instance, m, args);
        } catch (Throwable t) {
            actualThrown = t;
        }
        boolean agree;
        String note = "";
        if (expectedThrown != null || actualThrown != null) {
            agree = expectedThrown != null && actualThrown != null && expectedThrown.getClass() == actualThrown.getClass();
        } else {
            Comparator<Object> c = reads.get(m);
            try {
                agree = c == null ? Objects.deepEquals(expected, actual) : c.compare(expected, actual) == 0;
            } catch (RuntimeException ex) {
                agree = false;
                note = " (the comparator threw " + ex + ")";
            }
        }
        compared.incrementAndGet();
        if (!agree) {
            MismatchDTO d = new MismatchDTO();
            d.method = signature(m);
            List<String> a = new ArrayList<>();
            for (Object o : args) {
                a.add(render(o, null));
            }
            d.arguments = a;
            d.expected = render(expected, expectedThrown);
            d.actual = render(actual, actualThrown) + note;
            synchronized (mismatches) {
                if (mismatches.size() < KEEP) {
                    mismatches.add(d);
                }
            }
            // counted after the list has it: a verdict that sees the count finds the mismatch (SafeSwaps reads the first)
            mismatchCount.incrementAndGet();
        }
        if (!agree || compared.get() >= wanted) {
            synchronized (this) {
                notifyAll();
            }
        }
    }

    static String signature(Method m) {
        StringBuilder b = new StringBuilder(m.getName()).append('(');
        Class<?>[] p = m.getParameterTypes();
        for (int i = 0; i < p.length; i++) {
            b.append(i == 0 ? "" : ", ").append(p[i].getSimpleName());
        }
        return b.append(')').toString();
    }

    private static String render(Object o, Throwable t) {
        if (t != null) {
            return "threw " + t;
        }
        if (o instanceof Object[]) {
            return Arrays.deepToString((Object[]) o);
        }
        if (o != null && o.getClass().isArray()) {
            return Arrays.deepToString(new Object[] {o}).replaceAll("^\\[|\\]$", "");
        }
        return String.valueOf(o);
    }

    /**
     * Waits until the canary has a verdict: a mismatch, {@code wanted} compared calls, or the deadline.
     *
     * @return whether it passed
     */
    boolean await(long deadlineNanos) throws InterruptedException {
        synchronized (this) {
            while (mismatchCount.get() == 0 && compared.get() < wanted) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
        }
        return mismatchCount.get() == 0;
    }

    /** Stops mirroring (after the interposer is off the entry) and waits briefly for the mirror thread. */
    void stop() {
        done = true;
        if (mirror != null) {
            mirror.shutdownNow();
            try {
                mirror.awaitTermination(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    List<MismatchDTO> mismatches() {
        synchronized (mismatches) {
            return List.copyOf(mismatches);
        }
    }

    long compared() {
        return compared.get();
    }

    long skipped() {
        return skipped.get();
    }

    long mismatchCount() {
        return mismatchCount.get();
    }

    Map<String, Object> figures(String verdict, String format) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("canary", verdict);
        m.put("mirrored", mirrored.get());
        m.put("compared", compared.get());
        m.put("mismatches", mismatchCount.get());
        m.put("skipped", skipped.get());
        m.put("dropped", dropped.get());
        m.put("writes", writesBegun.get() - Math.max(0, base));
        m.put("format", format);
        m.put("millis", (System.nanoTime() - started) / 1_000_000);
        return m;
    }

    Map<String, Object> eventProperties() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put(SwapConstants.EVENT_MIRRORED, mirrored.get());
        p.put(SwapConstants.EVENT_COMPARED, compared.get());
        p.put(SwapConstants.EVENT_MISMATCHES, mismatchCount.get());
        return p;
    }

    /** @return the canary in progress as one line, for {@link swap.api.EntryDTO#safety} */
    String line(long deadlineNanos) {
        return "canary: " + compared.get() + " of " + wanted + " calls compared, " + mismatchCount.get() + " mismatch(es), " + skipped.get()
                + " skipped after writes; " + Math.max(0, (deadlineNanos - System.nanoTime()) / 1_000_000) + " ms left";
    }
}
