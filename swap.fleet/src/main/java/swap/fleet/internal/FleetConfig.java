package swap.fleet.internal;

import java.util.Map;

/**
 * The fleet's configuration (PID {@value Fleet#PID}), read from the raw Configuration Admin
 * properties rather than converted by SCR, so that a bad value is reported by this bundle in one
 * line (on the console, in the log and by every {@code fleet:*} command) instead of SCR failing to
 * activate the component with a {@code NumberFormatException} only {@code scr:info} shows.
 *
 * <p>A value may carry a trailing comment, as a {@code .cfg} file copied from the docs may:
 * {@code 15000  # a node silent this long...} reads as {@code 15000} (a {@code #} preceded by white
 * space ends the value; FileInstall keeps it as part of the value).
 *
 * <p>Immutable; the last configuration error is kept in a static field for the commands (there is
 * no component to ask while the configuration is bad).
 */
final class FleetConfig {
    /** The last configuration's error, {@code null} once a configuration was good. */
    static volatile String error;

    final String connect;
    final String node;
    final String labels;
    final int sessionTimeoutMillis;
    final int connectionTimeoutMillis;
    final String namespace;
    final long pollMillis;
    final long lostGraceMillis;
    final long targetWaitMillis;
    final long reconcileMillis;

    /**
     * @throws IllegalArgumentException with one line that names the key, the value and what to write
     */
    FleetConfig(Map<String, ?> p) {
        connect = string(p, "connect", "");
        if (connect.isEmpty()) {
            throw new IllegalArgumentException("connect is empty: give the ZooKeeper ensemble as host:port[,host:port...], e.g. connect=127.0.0.1:2181");
        }
        node = string(p, "node", "");
        if (node.contains("/")) {
            throw new IllegalArgumentException("node name '" + node + "' must not contain '/'");
        }
        labels = string(p, "labels", "");
        sessionTimeoutMillis = (int) number(p, "session.timeout.millis", 15_000, 1);
        connectionTimeoutMillis = (int) number(p, "connection.timeout.millis", 10_000, 1);
        namespace = string(p, "namespace", "swap-fleet");
        pollMillis = number(p, "poll.millis", 250, 10);
        lostGraceMillis = number(p, "lost.grace.millis", 5_000, 0);
        targetWaitMillis = number(p, "target.wait.millis", 30_000, 0);
        reconcileMillis = number(p, "reconcile.millis", 10_000, 100);
    }

    /** The value without a trailing comment ({@code "15000  # ..."} -> {@code "15000"}), trimmed; {@code def} if absent or empty. */
    static String string(Map<String, ?> p, String key, String def) {
        Object o = p.get(key);
        if (o == null) {
            return def;
        }
        String v = String.valueOf(o);
        for (int i = 1; i < v.length(); i++) {
            if (v.charAt(i) == '#' && Character.isWhitespace(v.charAt(i - 1))) {
                v = v.substring(0, i);
                break;
            }
        }
        v = v.trim();
        return v.isEmpty() ? def : v;
    }

    private static long number(Map<String, ?> p, String key, long def, long min) {
        Object o = p.get(key);
        if (o instanceof Number n) {
            return check(key, n.longValue(), min);
        }
        String v = string(p, key, null);
        if (v == null) {
            return def;
        }
        try {
            return check(key, Long.parseLong(v.replace("_", "")), min);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + "=" + v + " is not a whole number of milliseconds; write e.g. " + key + "=" + def);
        }
    }

    private static long check(String key, long v, long min) {
        if (v < min) {
            throw new IllegalArgumentException(key + "=" + v + " is too small: at least " + min);
        }
        return v;
    }
}
