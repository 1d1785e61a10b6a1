package swap.testkit.store;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Broken importState variants of {@link HashSessionMap}: each loses or corrupts part of the state. */
public final class BrokenImports {

    private BrokenImports() {
    }

    /** Drops one session (the first in the snapshot's order). */
    public static class DropOne extends HashSessionMap {
        @Override
        protected synchronized void load(Snapshot s) {
            super.load(s);
            if (!map.isEmpty()) {
                map.remove(map.keySet().iterator().next());
            }
        }
    }

    /** Keeps only the first 8 sessions. */
    public static class KeepFirst8 extends HashSessionMap {
        @Override
        protected synchronized void load(Snapshot s) {
            int n = 0;
            for (Map.Entry<String, Session> e : s.sessions().entrySet()) {
                if (n++ == 8) {
                    break;
                }
                map.put(e.getKey(), e.getValue());
            }
            version = s.version();
        }
    }

    /** Swaps the values of the first two sessions (keys and expiry times stay). */
    public static class SwapValues extends HashSessionMap {
        @Override
        protected synchronized void load(Snapshot s) {
            super.load(s);
            List<String> keys = new ArrayList<>(map.keySet());
            if (keys.size() >= 2) {
                Session a = map.get(keys.get(0));
                Session b = map.get(keys.get(1));
                map.put(keys.get(0), new Session(b.value(), a.expiresAt()));
                map.put(keys.get(1), new Session(a.value(), b.expiresAt()));
            }
        }
    }

    /** Loses a field: every session's expiry time (as if an older record type without it were read). */
    public static class LoseExpiry extends HashSessionMap {
        @Override
        protected synchronized void load(Snapshot s) {
            for (Map.Entry<String, Session> e : s.sessions().entrySet()) {
                map.put(e.getKey(), new Session(e.getValue().value(), 0));
            }
            version = s.version();
        }
    }

    /** Off by one on the version field. */
    public static class VersionOffByOne extends HashSessionMap {
        @Override
        protected synchronized void load(Snapshot s) {
            super.load(s);
            version = s.version() + 1;
        }
    }
}
