package swap.kernel;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import swap.api.EntryDTO;
import swap.api.SwapException;

/**
 * The object translation table: entries by id, and by the instance they run on (so an
 * implementation can find its own entry). Thread-safe.
 */
public final class Table {
    private final ConcurrentHashMap<Long, EntryImpl<?>> byId = new ConcurrentHashMap<>();
    private final Map<Object, EntryImpl<?>> byInstance = Collections.synchronizedMap(new IdentityHashMap<>());
    private final AtomicLong ids = new AtomicLong();

    long nextId() {
        return ids.incrementAndGet();
    }

    void add(EntryImpl<?> e, Object instance) {
        byId.put(e.id(), e);
        byInstance.put(instance, e);
    }

    /** @return the entry removed, or {@code null} */
    EntryImpl<?> remove(long id) {
        return byId.remove(id);
    }

    void forget(Object instance) {
        byInstance.remove(instance);
    }

    /** A swap completed: the entry now runs on {@code fresh}. */
    void moved(Object old, Object fresh, EntryImpl<?> e) {
        byInstance.remove(old);
        byInstance.put(fresh, e);
    }

    EntryImpl<?> get(long id) {
        return byId.get(id);
    }

    EntryImpl<?> require(long id) {
        EntryImpl<?> e = byId.get(id);
        if (e == null) {
            throw new SwapException("no entry with id " + id + "; swap:list shows the entries");
        }
        return e;
    }

    EntryImpl<?> of(Object instance) {
        return byInstance.get(instance);
    }

    public Collection<EntryImpl<?>> entries() {
        return byId.values();
    }

    /** @return the entries whose instance came from {@code origin} */
    List<EntryImpl<?>> from(Object origin) {
        List<EntryImpl<?>> l = new ArrayList<>();
        for (EntryImpl<?> e : byId.values()) {
            if (origin.equals(e.implementation().origin())) {
                l.add(e);
            }
        }
        return l;
    }

    List<EntryDTO> describe() {
        List<EntryDTO> l = new ArrayList<>();
        for (EntryImpl<?> e : byId.values()) {
            l.add(e.describe());
        }
        l.sort(Comparator.comparingLong(d -> d.id));
        return l;
    }
}
