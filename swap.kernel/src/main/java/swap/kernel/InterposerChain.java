package swap.kernel;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.util.List;

import swap.api.Interposer;
import swap.api.Invocation;

/**
 * The interposers of one entry, outermost first, as an immutable chain ending at the entry's inner
 * handle. Adding or removing an interposer builds a new chain and publishes it in one volatile
 * write, so calls already inside the old chain finish through it and no call is lost.
 *
 * <p>Thread-safe (immutable).
 */
public final class InterposerChain implements InvocationHandler {

    /** An interposer on an entry; {@code release} gives a service instance back when it is removed. */
    public record Named(String name, Interposer interposer, Runnable release) {
        public Named(String name, Interposer interposer) {
            this(name, interposer, () -> {
            });
        }
    }

    private final long entryId;
    private final Named[] chain;
    private final Object end;

    InterposerChain(long entryId, List<Named> chain, Object end) {
        this.entryId = entryId;
        this.chain = chain.toArray(new Named[0]);
        this.end = end;
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        return new Call(0, method, args == null ? new Object[0] : args).proceed();
    }

    private final class Call implements Invocation {
        private final int index;
        private final Method method;
        private final Object[] args;
        private boolean proceeded;

        Call(int index, Method method, Object[] args) {
            this.index = index;
            this.method = method;
            this.args = args;
        }

        @Override
        public long entryId() {
            return entryId;
        }

        @Override
        public Method method() {
            return method;
        }

        @Override
        public Object[] arguments() {
            return args;
        }

        @Override
        public Object proceed() throws Throwable {
            if (proceeded) {
                throw new IllegalStateException("an interposer called proceed() twice for one call of entry " + entryId);
            }
            proceeded = true;
            if (index < chain.length) {
                return chain[index].interposer().invoke(new Call(index + 1, method, args));
            }
            return Mediator.call(end, method, args);
        }
    }
}
