package swap.webconsole.internal;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;

import swap.api.Entry;
import swap.api.SwapException;
import swap.api.SwapManager;
import swap.api.SwapOptions;
import swap.api.SwapOutcome;
import swap.api.SwapResult;
import swap.api.UpgradeManager;
import swap.api.UpgradeResult;
import swap.api.fcm.FileCacheManager;

/**
 * The console's actions (swap, watch, canary, release, upgrade): parsed from a form, described on the
 * confirmation page, then performed through the services the shell calls ({@link SwapManager},
 * {@link UpgradeManager}); every change of an implementation goes through them. Refusals throw
 * {@link Refusal} with the shell's wording (SafeSwapCommands, UpgradeCommands, Shell) and change
 * nothing. No OSGi here: the services are passed in. Stateless; any request thread calls it.
 */
final class Actions {
    /** Why the console asks for a swap (the journal's initiator is found by the engine from the calling bundle). */
    static final String REASON = "operator request (web console)";

    private Actions() {
    }

    /** What the operator asked for, checked: the action and its arguments. */
    static final class Request {
        final String action;
        final long id;
        final String target;
        final long windowMillis;
        final int calls;
        final long timeMillis;
        final long bundleId;
        final String location;
        final boolean dryRun;

        private Request(String action, long id, String target, long windowMillis, int calls, long timeMillis, long bundleId, String location, boolean dryRun) {
            this.action = action;
            this.id = id;
            this.target = target;
            this.windowMillis = windowMillis;
            this.calls = calls;
            this.timeMillis = timeMillis;
            this.bundleId = bundleId;
            this.location = location;
            this.dryRun = dryRun;
        }

        /** The form fields that ask for this request again (the confirmation form carries them). */
        Map<String, String> fields() {
            Map<String, String> f = new java.util.LinkedHashMap<>();
            f.put("action", action);
            if (action.equals("upgrade")) {
                f.put("bundle", String.valueOf(bundleId));
                f.put("location", location);
                f.put("dryrun", String.valueOf(dryRun));
                return f;
            }
            f.put("id", String.valueOf(id));
            if (target != null) {
                f.put("target", target);
            }
            if (action.equals("watch")) {
                f.put("window", windowMillis + "ms");
            }
            if (action.equals("canary")) {
                f.put("calls", String.valueOf(calls));
                f.put("time", timeMillis + "ms");
            }
            return f;
        }

        /**
         * What the confirmation binds: the action and its arguments, except the watch window (which the
         * confirmation page lets the operator change).
         */
        String identity() {
            Map<String, String> f = fields();
            f.remove("window");
            return f.toString();
        }

        /** One sentence saying what will happen, for the confirmation page. */
        String describe() {
            switch (action) {
                case "swap":
                    return "Swap entry " + id + " to " + target + ".";
                case "watch":
                    return "Swap entry " + id + " to " + target + ", then watch it for " + (windowMillis == 0 ? "the configured window" : windowMillis + " ms")
                            + "; if its error rate or p99 latency gets worse than before the swap, it is swapped back (REVERTED).";
                case "canary":
                    return "Try " + target + " on a copy of entry " + id + "'s state with mirrored read-only calls ("
                            + (calls == 0 ? "the configured number of" : String.valueOf(calls)) + " agreeing calls, at most "
                            + (timeMillis == 0 ? "the configured time" : timeMillis + " ms") + "), then swap; the first mismatch aborts.";
                case "release":
                    return "Release entry " + id + ": its instance is deactivated and later calls through its handle fail.";
                case "upgrade":
                    return (dryRun ? "Dry run: list what would move from" : "Upgrade") + " bundle " + bundleId + (dryRun ? " to " : " to the new version at ")
                            + location + (dryRun ? "; nothing moves." : ": every entry of the old bundle moves to it as one atomic group, then the old bundle is uninstalled"
                                    + " (on failure every entry stays and the new bundle is uninstalled).");
                default:
                    throw new IllegalStateException(action);
            }
        }
    }

    /** Parses and checks a form (parameter name -> value); throws {@link Refusal} saying what is wrong. */
    static Request parse(Map<String, String> form) {
        String action = trim(form.get("action"));
        if (action == null) {
            throw new Refusal("say what to do: action=swap, watch, canary, release or upgrade");
        }
        switch (action) {
            case "swap":
            case "watch":
            case "canary": {
                long id = id(form.get("id"));
                String target = trim(form.get("target"));
                if (target == null) {
                    throw new Refusal("usage: " + action + " needs an entry id and a target: an implementation name, or an LDAP filter in parentheses");
                }
                long window = action.equals("watch") ? millis(form.getOrDefault("window", "0"), "window") : 0;
                int calls = action.equals("canary") ? (int) number("--calls", form.getOrDefault("calls", "0"), 0, Integer.MAX_VALUE,
                        "give how many agreeing calls commit the swap") : 0;
                long time = action.equals("canary") ? millis(form.getOrDefault("time", "0"), "time") : 0;
                return new Request(action, id, target, window, calls, time, -1, null, false);
            }
            case "release":
                return new Request(action, id(form.get("id")), null, 0, 0, 0, -1, null, false);
            case "upgrade": {
                String b = trim(form.get("bundle"));
                long bundle = number("bundle id", b, 0, Long.MAX_VALUE, "give the id of the bundle that provides the running implementations (lb, swap:impls)");
                String location = trim(form.get("location"));
                if (location == null) {
                    throw new Refusal("usage: upgrade needs the URL of the new version, e.g. file:/tmp/counter-1.1.0.jar");
                }
                return new Request(action, -1, null, 0, 0, 0, bundle, location, Boolean.parseBoolean(form.get("dryrun")) || "on".equals(form.get("dryrun")));
            }
            default:
                throw new Refusal("unknown action " + action + "; the actions are swap, watch, canary, release and upgrade");
        }
    }

    /** What an action did: one headline and, for an upgrade, one line per moved entry. */
    static final class Outcome {
        final boolean ok;
        final String text;

        Outcome(boolean ok, String text) {
            this.ok = ok;
            this.text = text;
        }
    }

    /** Performs {@code r} through the platform's services; throws {@link Refusal} when refused (nothing changed). */
    static Outcome perform(Request r, SwapManager manager, UpgradeManager upgrades) {
        if (r.action.equals("upgrade")) {
            if (upgrades == null) {
                throw new Refusal("no upgrade manager: bundle swap.core is not active; lb shows it, start it with start ID");
            }
            UpgradeResult u = upgrades.upgrade(r.bundleId, r.location, r.dryRun, 0);
            if (u.outcome == SwapOutcome.REFUSED && u.moves.isEmpty()) {
                throw new Refusal("upgrade refused: " + u.reason);
            }
            return new Outcome(u.outcome == SwapOutcome.COMPLETED, render(u));
        }
        if (manager == null) {
            throw new Refusal("no swap manager: bundle swap.core is not active; lb shows it, start it with start ID");
        }
        Optional<Entry<?>> e = manager.entry(r.id);
        if (e.isEmpty()) {
            throw new Refusal("no entry with id " + r.id + "; swap:list shows the entries");
        }
        if (r.action.equals("release")) {
            if (e.get().handle() instanceof FileCacheManager) {
                throw new Refusal("entry " + r.id + " is an open file of the file cache; fcm:close " + r.id
                        + " flushes it and releases the entry (swap:release would lose its unwritten data)");
            }
            manager.release(r.id);
            return new Outcome(true, "entry " + r.id + " released");
        }
        SwapOptions o;
        switch (r.action) {
            case "watch":
                o = SwapOptions.watch(r.windowMillis);
                break;
            case "canary":
                o = SwapOptions.canary(r.calls, r.timeMillis);
                break;
            default:
                o = SwapOptions.plain();
        }
        SwapResult s;
        try {
            s = manager.swap(r.id, r.target, REASON, o).toCompletableFuture().get();
        } catch (SwapException x) {
            throw new Refusal(x.getMessage());
        } catch (InterruptedException x) {
            Thread.currentThread().interrupt();
            throw new Refusal("interrupted while waiting; the swap of entry " + r.id + " goes on, the timeline shows its outcome");
        } catch (ExecutionException x) {
            throw new Refusal("swap of entry " + r.id + " failed: " + x.getCause());
        }
        if (s.outcome == SwapOutcome.REFUSED || (s.outcome == SwapOutcome.FAILED && r.action.equals("swap"))) {
            throw new Refusal(s.reason); // did not begin, nothing changed (as swap:swap and swap:watch/canary say it)
        }
        return new Outcome(s.outcome == SwapOutcome.COMPLETED, render(s));
    }

    /** A swap's result as one line: outcome, from -> to, format, how long, why. */
    static String render(SwapResult s) {
        return "entry " + s.entryId + ": " + s.outcome + " (" + s.from + " -> " + s.to + ", format " + (s.format == null ? "-" : s.format)
                + String.format(Locale.ROOT, ", %.3f ms", s.totalNanos / 1e6) + ")" + (s.reason == null || s.outcome == SwapOutcome.COMPLETED ? "" : ": " + s.reason);
    }

    /** An upgrade's result, as swap:upgrade prints it. */
    static String render(UpgradeResult r) {
        StringBuilder b = new StringBuilder();
        b.append(r.dryRun ? "dry run: " : "").append("upgrade of bundle ").append(r.oldBundleId).append(" (").append(r.oldBundle).append(") to bundle ")
                .append(r.newBundleId).append(" (").append(r.newBundle).append("): ").append(r.outcome).append('\n');
        for (SwapResult m : r.moves) {
            b.append("  entry ").append(m.entryId).append(": ").append(m.from).append(" -> ").append(m.to).append("  ")
                    .append(r.dryRun && m.outcome == SwapOutcome.COMPLETED ? "would move" : String.valueOf(m.outcome))
                    .append(", format ").append(m.format == null ? "-" : m.format);
            if (m.outcome != SwapOutcome.COMPLETED && m.reason != null) {
                b.append(": ").append(m.reason);
            }
            b.append('\n');
        }
        if (r.moves.isEmpty()) {
            b.append("  no entry runs on bundle ").append(r.oldBundleId).append('\n');
        }
        if (r.reason != null) {
            b.append(r.reason).append('\n');
        }
        if (r.oldUninstalled) {
            b.append("bundle ").append(r.oldBundleId).append(" uninstalled\n");
        }
        if (r.newUninstalled) {
            b.append("bundle ").append(r.newBundleId).append(" (the new version) uninstalled again\n");
        }
        return b.toString().stripTrailing();
    }

    private static String trim(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    /** An entry id, refused as {@code swap:*} refuses it. */
    static long id(String text) {
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException | NullPointerException e) {
            throw new Refusal("not an entry id: " + text + "; give the number swap:list shows in column ID");
        }
    }

    static long number(String what, String text, long min, long max, String hint) {
        long v;
        try {
            v = Long.parseLong(text.trim());
        } catch (NumberFormatException | NullPointerException e) {
            if (text != null && text.trim().matches("-?\\d+")) {
                throw new Refusal(what + " " + text.trim() + " is out of range (" + min + " to " + max + "); " + hint);
            }
            throw new Refusal(what + " " + text + " is not a whole number; " + hint);
        }
        if (v < min || v > max) {
            throw new Refusal(what + " " + v + " is out of range (" + min + " to " + max + "); " + hint);
        }
        return v;
    }

    /** A duration as swap:watch takes it: {@code 250ms}, {@code 10s}, {@code 2m} or plain milliseconds; 0: the configured default. */
    static long millis(String text, String what) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        try {
            long ms;
            if (t.endsWith("ms")) {
                ms = Long.parseLong(t.substring(0, t.length() - 2).trim());
            } else if (t.endsWith("s")) {
                ms = Math.round(Double.parseDouble(t.substring(0, t.length() - 1).trim()) * 1000);
            } else if (t.endsWith("m")) {
                ms = Math.round(Double.parseDouble(t.substring(0, t.length() - 1).trim()) * 60_000);
            } else {
                ms = Long.parseLong(t);
            }
            if (ms < 0) {
                throw new Refusal("--" + what + " " + text + " is negative; write e.g. 500ms, 10s or 2m");
            }
            return ms;
        } catch (NumberFormatException e) {
            throw new Refusal("--" + what + " " + text + " is not a duration; write e.g. 500ms, 10s or 2m");
        }
    }
}
