package swap.shell.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

import swap.api.EntryDTO;
import swap.api.SwapException;
import swap.api.SwapManager;
import swap.api.SwapOptions;
import swap.api.SwapOutcome;
import swap.api.SwapResult;

/**
 * Safe swaps from the shell: {@code swap:watch} (swap, then watch the entry and swap it back if it
 * gets worse than its baseline) and {@code swap:canary} (try the new implementation on a copy of the
 * state with mirrored read-only calls first). A class of its own beside {@link SwapCommands}: the
 * results are the engine's {@link SwapResult} (with its figures and mismatches) or, for a watch run
 * in the background, the entry ({@link EntryDTO}, whose {@code safety} line shows the watch).
 */
@Component(service = SafeSwapCommands.class, property = {
        "osgi.command.scope=swap", "osgi.command.function=watch", "osgi.command.function=canary"})
public final class SafeSwapCommands {

    static final String REASON = "requested from the shell";

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile SwapManager manager;

    // Options are Strings, parsed here: Gogo then prefers these methods to the catch-all overloads
    // (a typed option would need a coercion that ranks below Object...).

    @Descriptor("swap an entry, then watch it: if its error rate or p99 latency gets worse than just before the swap within the window, it is swapped back "
            + "(outcome REVERTED); waits for the verdict unless --background")
    public Object watch(
            @Descriptor("watch window, e.g. 10s, 500ms (default: configuration swap.core.safe)") @Parameter(names = {"-w", "--window"}, absentValue = "") String window,
            @Descriptor("largest tolerated rise of the error rate, e.g. 0.05 (default: configured)") @Parameter(names = {"-e", "--errors"}, absentValue = "") String errors,
            @Descriptor("largest tolerated p99 latency as a multiple of the baseline's, e.g. 5 (default: configured)") @Parameter(names = {"-p", "--p99"}, absentValue = "") String p99,
            @Descriptor("quiescence timeout in ms (default: the swap manager's)") @Parameter(names = {"-t", "--timeout"}, absentValue = "0") String timeout,
            @Descriptor("return once the watch has started (swap:info ID shows it, swap:history the verdict)") @Parameter(names = {"-b", "--background"}, presentValue = "true", absentValue = "false") String background,
            @Descriptor("entry id (swap:list)") String id,
            @Descriptor("implementation name, or an LDAP filter in parentheses, quoted") String target) {
        SwapOptions o = SwapOptions.watch(window(window, "window")).timeout(timeout(timeout));
        if (!errors.isEmpty()) {
            o.errorRate(fraction(errors, "errors", 0, 1, "give the largest tolerated rise of the error rate, e.g. 0.05"));
        }
        if (!p99.isEmpty()) {
            o.p99(fraction(p99, "p99", 1, 1e6, "give the largest tolerated p99 as a multiple of the baseline's, e.g. 5"));
        }
        return run(id, target, o, Boolean.parseBoolean(background));
    }

    @Descriptor("swap an entry after a canary: the new implementation imports a copy of the state, calls of @ReadOnly methods are mirrored to it and "
            + "the results compared; commits after N agreeing calls or the time limit, aborts on the first mismatch (shown)")
    public Object canary(
            @Descriptor("compared calls needed to commit (default: configured)") @Parameter(names = {"-n", "--calls"}, absentValue = "0") String calls,
            @Descriptor("longest canary run, e.g. 10s (default: configured)") @Parameter(names = {"-T", "--time"}, absentValue = "0") String time,
            @Descriptor("mirror on the caller's thread instead of the canary's thread") @Parameter(names = {"-i", "--inline"}, presentValue = "true", absentValue = "false") String inline,
            @Descriptor("after the commit, watch the entry for this long too, e.g. 10s") @Parameter(names = {"-w", "--watch"}, absentValue = "") String watch,
            @Descriptor("quiescence timeout in ms (default: the swap manager's)") @Parameter(names = {"-t", "--timeout"}, absentValue = "0") String timeout,
            @Descriptor("entry id (swap:list)") String id,
            @Descriptor("implementation name, or an LDAP filter in parentheses, quoted") String target) {
        int n = (int) Shell.number("swap", "--calls", calls, 0, Integer.MAX_VALUE, "give how many agreeing calls commit the swap");
        SwapOptions o = SwapOptions.canary(n, millis(time, "time")).timeout(timeout(timeout));
        if (Boolean.parseBoolean(inline)) {
            o.inline();
        }
        if (!watch.isEmpty()) {
            o.andWatch(window(watch, "watch"));
        }
        return run(id, target, o, false);
    }

    public Object getWatch(Object... wrong) {
        throw Usage.wrong("swap", "watch");
    }

    public Object getCanary(Object... wrong) {
        throw Usage.wrong("swap", "canary");
    }

    private Object run(String idText, String target, SwapOptions o, boolean background) {
        long id = Shell.id("swap", idText);
        SwapManager m = manager;
        if (m == null) {
            throw new ShellException("swap", "no swap manager: bundle swap.core is not active; lb shows it, start it with start ID");
        }
        if (m.entry(id).isEmpty()) {
            throw new ShellException("swap", "no entry with id " + id + "; swap:list shows the entries");
        }
        CompletableFuture<SwapResult> f;
        try {
            f = m.swap(id, target, REASON, o).toCompletableFuture();
        } catch (SwapException e) {
            throw new ShellException("swap", e.getMessage(), e);
        }
        try {
            if (background) {
                while (true) {
                    try {
                        return done(f.get(20, TimeUnit.MILLISECONDS));
                    } catch (TimeoutException stillRunning) {
                        EntryDTO d = m.entry(id).map(e -> e.describe()).orElse(null);
                        if (d != null && d.safety != null && d.safety.startsWith("watch")) {
                            return d;
                        }
                    }
                }
            }
            return done(f.get());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ShellException("swap", "interrupted while waiting; the safe swap of entry " + id + " goes on, swap:history shows its outcome");
        } catch (ExecutionException e) {
            throw new ShellException("swap", "safe swap of entry " + id + " failed: " + e.getCause(), e.getCause());
        }
    }

    private static SwapResult done(SwapResult r) {
        if (r.outcome == SwapOutcome.REFUSED) {
            throw new ShellException("swap", r.reason); // nothing happened: one line saying why and what to do
        }
        return r;
    }

    private static long timeout(String text) {
        return Shell.number("swap", "--timeout", text, 0, Long.MAX_VALUE / 1_000_000, "give the quiescence timeout in milliseconds");
    }

    /** A decimal number between {@code min} and {@code max}. */
    static double fraction(String text, String what, double min, double max, String hint) {
        double v;
        try {
            v = Double.parseDouble(text.trim());
        } catch (NumberFormatException e) {
            throw new ShellException("swap", "--" + what + " " + text + " is not a number; " + hint);
        }
        if (!(v >= min && v <= max)) {
            throw new ShellException("swap", "--" + what + " " + text + " is out of range (" + min + " to " + max + "); " + hint);
        }
        return v;
    }

    /**
     * A watch window: absent ({@code ""}) is the configured default (0 for the API); an explicit 0
     * is refused, since a watch with no window sees no call and could only pass without evidence.
     */
    static long window(String text, String what) {
        if (text.isEmpty()) {
            return 0;
        }
        long ms = millis(text, what);
        if (ms == 0) {
            throw new ShellException("swap", "--" + what + " " + text + " is no window: a watch needs time to see calls; write e.g. --" + what
                    + " 10s, or leave --" + what + " out for the configured default");
        }
        return ms;
    }

    /** A duration: {@code 250ms}, {@code 10s}, {@code 2m} or plain milliseconds; "0": the default. */
    static long millis(String text, String what) {
        String t = text.trim().toLowerCase(java.util.Locale.ROOT);
        try {
            if (t.endsWith("ms")) {
                return nonNegative(Long.parseLong(t.substring(0, t.length() - 2).trim()), text, what);
            }
            if (t.endsWith("s")) {
                return nonNegative(Math.round(Double.parseDouble(t.substring(0, t.length() - 1).trim()) * 1000), text, what);
            }
            if (t.endsWith("m")) {
                return nonNegative(Math.round(Double.parseDouble(t.substring(0, t.length() - 1).trim()) * 60_000), text, what);
            }
            return nonNegative(Long.parseLong(t), text, what);
        } catch (NumberFormatException e) {
            throw new ShellException("swap", "--" + what + " " + text + " is not a duration; write e.g. 500ms, 10s or 2m");
        }
    }

    private static long nonNegative(long ms, String text, String what) {
        if (ms < 0) {
            throw new ShellException("swap", "--" + what + " " + text + " is negative; write e.g. 500ms, 10s or 2m");
        }
        return ms;
    }
}
