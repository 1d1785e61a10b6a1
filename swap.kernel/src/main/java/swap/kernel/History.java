package swap.kernel;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import swap.api.BatchResult;
import swap.api.SwapConstants;
import swap.api.SwapOutcome;
import swap.api.SwapResult;

/**
 * What happened: the bounded history of swap results, the per-entry counts and last result, and
 * the events. A refused request is not a swap: it is neither kept, counted nor posted.
 * Thread-safe.
 */
public final class History {
    private final Deque<SwapResult> results = new ArrayDeque<>();
    private volatile int size = 256;
    private volatile EventSink events = EventSink.NONE;
    private volatile JournalSink journal = JournalSink.NONE;

    void journal(JournalSink sink) {
        journal = sink == null ? JournalSink.NONE : sink;
    }

    void events(EventSink sink) {
        events = sink == null ? EventSink.NONE : sink;
    }

    void size(int n) {
        size = n;
    }

    /** Records one entry's outcome (and posts its event) unless it was refused. @return {@code r} */
    public SwapResult record(EntryImpl<?> e, SwapResult r, long batchId) {
        if (r.outcome == SwapOutcome.REFUSED) {
            journal.swap(e, r, batchId); // the journal keeps refusals, which the history does not
            return r;
        }
        if (r.outcome == SwapOutcome.FAILED) {
            e.failures.incrementAndGet();
        }
        e.last = r;
        synchronized (results) {
            results.addFirst(r);
            while (results.size() > size) {
                results.removeLast();
            }
        }
        journal.swap(e, r, batchId); // after the entry's last result is set: the journal's fsync does not delay it
        post(r.outcome == SwapOutcome.COMPLETED ? SwapConstants.TOPIC_COMPLETED
                : r.outcome == SwapOutcome.ROLLED_BACK ? SwapConstants.TOPIC_ROLLED_BACK : SwapConstants.TOPIC_FAILED, e, r, r.reason, batchId);
        return r;
    }

    /** Entry {@code e} was released; it ran {@code impl}. Journaled only. */
    void released(EntryImpl<?> e, Implementation impl) {
        journal.released(e, impl.label());
    }

    /** Entry {@code e} was created and is in the table: posts {@link SwapConstants#TOPIC_CREATED} (not journaled). */
    void created(EntryImpl<?> e) {
        if (events == EventSink.NONE) {
            return; // nobody listens (outside OSGi): do not build the properties
        }
        Map<String, Object> p = new HashMap<>();
        p.put(SwapConstants.EVENT_ENTRY_ID, e.id());
        p.put(SwapConstants.EVENT_INTERFACE, e.type().getName());
        put(p, SwapConstants.EVENT_TO, e.implementation().label());
        send(SwapConstants.TOPIC_CREATED, p);
    }

    void started(EntryImpl<?> e, SwapResult r, long batchId) {
        post(SwapConstants.TOPIC_STARTED, e, r, r.reason, batchId);
    }

    /**
     * Puts {@code now} in {@code old}'s place (a watch's verdict on a swap that completed: the
     * result is a new object, so a result already read never changes). Counts nothing, posts nothing.
     */
    public void replace(EntryImpl<?> e, SwapResult old, SwapResult now) {
        synchronized (results) {
            List<SwapResult> l = new ArrayList<>(results);
            int i = l.indexOf(old);
            if (i >= 0) {
                l.set(i, now);
                results.clear();
                results.addAll(l);
            }
        }
        if (e.last == old) {
            e.last = now;
        }
    }

    /** Posts a safe-swap event ({@code swap/entry/WATCH_*}, {@code REVERTED}, {@code CANARY_*}) with extra properties. */
    public void post(String topic, EntryImpl<?> e, SwapResult r, String reason, Map<String, Object> extra) {
        post(topic, e, r, reason, 0, extra);
    }

    private void post(String topic, EntryImpl<?> e, SwapResult r, String reason, long batchId) {
        post(topic, e, r, reason, batchId, Map.of());
    }

    private void post(String topic, EntryImpl<?> e, SwapResult r, String reason, long batchId, Map<String, Object> extra) {
        if (events == EventSink.NONE) {
            return; // nobody listens (outside OSGi): do not build the properties
        }
        Map<String, Object> p = new HashMap<>(extra);
        if (!SwapConstants.TOPIC_STARTED.equals(topic) && !SwapConstants.TOPIC_TRANSFER_PROGRESS.equals(topic)) {
            p.put(SwapConstants.EVENT_RESULT, r); // final from here on (a watch's verdict is a new object)
        }
        p.put(SwapConstants.EVENT_ENTRY_ID, e.id());
        p.put(SwapConstants.EVENT_INTERFACE, e.type().getName());
        put(p, SwapConstants.EVENT_FROM, r.from);
        put(p, SwapConstants.EVENT_TO, r.to);
        put(p, SwapConstants.EVENT_FORMAT, r.format);
        put(p, SwapConstants.EVENT_REASON, reason);
        if (batchId != 0) {
            p.put(SwapConstants.EVENT_BATCH_ID, batchId);
        }
        send(topic, p);
    }

    /** Posts a state transfer's progress ({@link SwapConstants#TOPIC_TRANSFER_PROGRESS}). */
    void transfer(EntryImpl<?> e, SwapResult r, long batchId, String phase, long copied, long size, long parts, long deltas, long millis, long limitMillis) {
        if (events == EventSink.NONE) {
            return; // nobody listens (outside OSGi): do not build the properties
        }
        Map<String, Object> p = new HashMap<>();
        p.put(SwapConstants.EVENT_TRANSFER_PHASE, phase);
        p.put(SwapConstants.EVENT_TRANSFER_COPIED, copied);
        p.put(SwapConstants.EVENT_TRANSFER_SIZE, size);
        p.put(SwapConstants.EVENT_TRANSFER_PARTS, parts);
        p.put(SwapConstants.EVENT_TRANSFER_DELTAS, deltas);
        p.put(SwapConstants.EVENT_TRANSFER_MILLIS, millis);
        p.put(SwapConstants.EVENT_TRANSFER_LIMIT_MILLIS, limitMillis);
        post(SwapConstants.TOPIC_TRANSFER_PROGRESS, e, r, null, batchId, p);
    }

    /** Posts a batch's start ({@code result == null}) or end. */
    void batch(long batchId, boolean atomic, long[] entries, String target, String reason, BatchResult result) {
        if (result != null) {
            journal.batch(batchId, atomic, entries, target, reason, result);
            if (result.outcome == SwapOutcome.REFUSED) {
                return; // journaled only: a refused batch posts no event
            }
        }
        if (events == EventSink.NONE) {
            return; // nobody listens (outside OSGi): do not build the properties
        }
        Map<String, Object> p = new HashMap<>();
        p.put(SwapConstants.EVENT_BATCH_ID, batchId);
        p.put(SwapConstants.EVENT_ATOMIC, atomic);
        p.put(SwapConstants.EVENT_ENTRIES, entries);
        put(p, SwapConstants.EVENT_TO, target);
        put(p, SwapConstants.EVENT_REASON, result == null ? reason : result.reason != null ? result.reason : reason);
        send(result == null ? SwapConstants.TOPIC_BATCH_STARTED
                : result.outcome == SwapOutcome.COMPLETED ? SwapConstants.TOPIC_BATCH_COMPLETED : SwapConstants.TOPIC_BATCH_ROLLED_BACK, p);
    }

    /** An interposer was put on or taken off an entry: journaled. */
    void interposer(long entryId, String name, boolean added) {
        journal.interposer(entryId, name, added);
    }

    private static void put(Map<String, Object> p, String key, Object value) {
        if (value != null) {
            p.put(key, value);
        }
    }

    private void send(String topic, Map<String, Object> p) {
        try {
            events.post(topic, p);
        } catch (RuntimeException ignored) {
            // events are best effort; a broken sink must not break a swap
        }
    }

    List<SwapResult> last(int max) {
        synchronized (results) {
            List<SwapResult> l = new ArrayList<>(Math.min(max, results.size()));
            for (SwapResult r : results) {
                if (l.size() >= max) {
                    break;
                }
                l.add(r);
            }
            return l;
        }
    }
}
