package swap.feed.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * What the feed remembers across restarts, in one properties file of its bundle's data area:
 * versions it took ({@code taken.BSN@VERSION}, with how: on a fleet, the rollout), versions it took and the watch (or the
 * fleet's rollout) sent back ({@code bad.BSN@VERSION}), versions it refused
 * ({@code refused.BSN@VERSION}, with why) and the implementations on hold ({@code hold.WORD}).
 * Written whole to a temporary file and moved in place, so a crash leaves the old or the new one.
 *
 * <p>Thread-safe (every method synchronized).
 */
final class Memory {
    private final Path file;
    private final Properties p = new Properties();

    Memory(Path file) {
        this.file = file;
        if (Files.exists(file)) {
            try (InputStream in = Files.newInputStream(file)) {
                p.load(in);
            } catch (IOException e) {
                // unreadable: start empty (the feed then only retries what it had refused or found bad)
            }
        }
    }

    synchronized String bad(String bsn, String version) {
        return p.getProperty("bad." + bsn + "@" + version);
    }

    synchronized void bad(String bsn, String version, String why) {
        put("bad." + bsn + "@" + version, why);
    }

    synchronized String taken(String bsn, String version) {
        return p.getProperty("taken." + bsn + "@" + version);
    }

    synchronized void taken(String bsn, String version, String what) {
        put("taken." + bsn + "@" + version, what);
    }

    synchronized String refused(String bsn, String version) {
        return p.getProperty("refused." + bsn + "@" + version);
    }

    synchronized void refused(String bsn, String version, String why) {
        put("refused." + bsn + "@" + version, why);
    }

    synchronized boolean held(String word) {
        return p.containsKey("hold." + word);
    }

    synchronized void hold(String word) {
        put("hold." + word, "held by the operator");
    }

    /** Releases {@code word} and forgets the versions refused for it, so that they are tried again. @return whether it was held */
    synchronized boolean release(String word) {
        boolean was = p.remove("hold." + word) != null;
        p.keySet().removeIf(k -> String.valueOf(k).startsWith("refused." + word + "@"));
        save();
        return was;
    }

    /** @return every remembered key with its text, sorted */
    synchronized Map<String, String> all() {
        Map<String, String> m = new TreeMap<>();
        p.forEach((k, v) -> m.put(String.valueOf(k), String.valueOf(v)));
        return m;
    }

    private void put(String k, String v) {
        p.setProperty(k, v);
        save();
    }

    private void save() {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            try (OutputStream out = Files.newOutputStream(tmp)) {
                p.store(out, "swap.feed: what the feed remembers (bad and refused versions, holds)");
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // kept in memory; the next save tries again
        }
    }
}
