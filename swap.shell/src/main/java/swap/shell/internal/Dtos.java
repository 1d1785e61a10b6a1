package swap.shell.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import swap.api.EntryDTO;
import swap.api.ImplementationDTO;
import swap.api.PolicyDTO;
import swap.api.SwapResult;

/**
 * What the commands return: data transfer objects (public fields, no behaviour), rendered for the
 * console by {@link ShellConverter}. Tables are lists, so a script can iterate them
 * ({@code each (swap:list) { ... }}) and a pipe receives their rendering ({@code swap:list | grep fcm}).
 */
public final class Dtos {
    private Dtos() {
    }

    /** {@code swap:list}: every entry, ordered by id. */
    public static final class EntryTable extends ArrayList<EntryDTO> {
        private static final long serialVersionUID = 1L;

        public EntryTable(List<EntryDTO> entries) {
            super(entries);
        }
    }

    /** One implementation with the formats it exports and imports, when known. */
    public static final class Implementation {
        public ImplementationDTO implementation;
        /** The formats, taken from a live entry of this implementation; {@code null} while none exists. */
        public List<String> exportFormats;
        public List<String> importFormats;
        /** Ids of the entries running this implementation now. */
        public List<Long> entries = new ArrayList<>();

        @Override
        public String toString() {
            return String.valueOf(implementation);
        }
    }

    /** {@code swap:impls}. */
    public static final class ImplementationTable extends ArrayList<Implementation> {
        private static final long serialVersionUID = 1L;
        /** The interface asked for, or {@code null} for all. */
        public String iface;
    }

    /** {@code swap:history}: newest first. */
    public static final class HistoryTable extends ArrayList<SwapResult> {
        private static final long serialVersionUID = 1L;

        public HistoryTable(List<SwapResult> results) {
            super(results);
        }
    }

    /** {@code swap:stats ID}. */
    public static final class Stats {
        public EntryDTO entry;
        /** The file cache's own statistics ({@code FileCacheManager.stats()}), for a file cache entry. */
        public Map<String, Object> cache;
        /** The background load of {@code fcm:load}, if one ran on this entry. */
        public Load load;
        /** Per monitor on the entry (outermost first): what it measured ({@code SwapManager.statistics}). */
        public Map<String, Map<String, Object>> monitors = new LinkedHashMap<>();
        /** Interposers on the entry that measure nothing (not a {@code swap.api.Monitor}). */
        public List<String> silentMonitors = new ArrayList<>();
    }

    /** A background load ({@code fcm:load}) and its counts so far. */
    public static final class Load {
        public long entryId;
        public int threads;
        public int seconds;
        public boolean running;
        public long reads;
        public long writes;
        public long errors;
        /** Operations per second over the time run so far. */
        public double opsPerSecond;
        public long elapsedMillis;
        /** The last error seen, or {@code null}. */
        public String lastError;
    }

    /** {@code swap:policy}: the policy runner's policies. */
    public static final class PolicyTable extends ArrayList<PolicyDTO> {
        private static final long serialVersionUID = 1L;
        /** Whether a policy runner is there at all. */
        public boolean runner;
    }

    /** {@code swap:monitors}: the interposer services the swap manager can put on entries. */
    public static final class Monitor {
        public String name;
        /** Ids of the entries it is on. */
        public List<Long> entries = new ArrayList<>();

        @Override
        public String toString() {
            return "monitor " + name + " on entries " + entries;
        }
    }

    /** {@code swap:monitors}. */
    public static final class MonitorTable extends ArrayList<Monitor> {
        private static final long serialVersionUID = 1L;
    }

    /** {@code swap:health}: the swap health check's status and messages. */
    public static final class Health {
        /** The worst status of the checks run (OK, WARN, CRITICAL, HEALTH_CHECK_ERROR...). */
        public String status;
        /** Each message as {status, text}. */
        public List<String[]> messages = new ArrayList<>();
    }

    /** One open file in {@code fcm:stat}. */
    public static final class FileStat {
        public long id;
        /** The file ({@code FileCacheManager.path()}), or {@code null} if the FCM could not say. */
        public String path;
        /** The FCM implementation's name. */
        public String implementation;
        /** The file cache's counters, as {@code swap:stats ID} shows them on its {@code cache} line ({@link FileStats#counters}). */
        public Map<String, Object> cache;
        /** The access-pattern monitor's class ({@code SEQUENTIAL}, {@code RANDOM}...), or {@code null} when the monitor is not on the file. */
        public String pattern;

        @Override
        public String toString() {
            return "entry " + id + " " + path + " " + implementation + " " + cache + (pattern == null ? "" : " pattern=" + pattern);
        }
    }

    /** {@code fcm:stat}: the open files, ordered by entry id. */
    public static final class FileStatTable extends ArrayList<FileStat> {
        private static final long serialVersionUID = 1L;
    }

    /** {@code fcm:open}: the new entry. */
    public static final class Opened {
        public long id;
        public String path;
        public String implementation;
        public long size;
    }

    /** {@code fcm:read}. */
    public static final class Read {
        public long id;
        public long offset;
        /** Bytes read, or -1 at the end of the file. */
        public int count;
        /** Bytes asked for: more than {@link #count} when the file ends first. */
        public long requested;
        /** The file's size after the read, or -1 if unknown. */
        public long size = -1;
        /** The bytes as UTF-8 text (malformed input replaced). */
        public String text;
        /** Whether every byte read is 0 (the console shows a count instead of invisible characters). */
        public boolean zeros;
    }

    /** {@code fcm:write}, {@code fcm:close}, {@code swap:interpose}, {@code swap:remove}, {@code swap:release}: what was done. */
    public static final class Done {
        public long id;
        public String what;

        public Done(long id, String what) {
            this.id = id;
            this.what = what;
        }
    }
}
