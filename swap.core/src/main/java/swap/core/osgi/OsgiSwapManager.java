package swap.core.osgi;

import swap.core.config.SafeSwapsConfiguration;
import swap.core.journal.JournalService;
import swap.core.safe.SafeSwaps;
import swap.core.service.ServiceFronts;
import swap.core.trust.SwapManagerVisibility;
import swap.core.trust.TrustPolicy;
import swap.core.upgrade.SideBySide;
import swap.core.upgrade.Upgrades;
import swap.kernel.Engine;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import swap.api.Batch;
import swap.api.BatchResult;
import swap.api.Entry;
import swap.api.EntryDTO;
import swap.api.ImplementationDTO;
import swap.api.Interposer;
import swap.api.StateFormat;
import swap.api.SwapConstants;
import swap.api.SwapOptions;
import swap.api.SwapResult;
import swap.api.SwapManager;

/**
 * The swap manager as a DS component (configuration PID {@code swap.core.manager}): the engine with
 * its OSGi parts plugged in (implementations from prototype-scope services through the trust
 * policy, the journal, Event Admin and the OSGi log, safe swaps), offered as the
 * {@link SwapManager} service to other bundles and as the internal {@link Platform} service to this
 * bundle's own components ({@link Upgrades}, {@link ServiceFronts}, {@link SideBySide},
 * {@link SafeSwapsConfiguration}). It delegates; the engine does the work.
 */
@Component(service = {SwapManager.class, Platform.class}, configurationPid = "swap.core.manager", immediate = true)
@Designate(ocd = OsgiSwapManager.Config.class)
public class OsgiSwapManager implements SwapManager, Platform {

    @ObjectClassDefinition(id = "swap.core.manager", name = "Swap manager", description = "The hot-swap platform's object translation table and swap protocol.")
    public @interface Config {
        @AttributeDefinition(name = "Quiescence timeout (ms)", description = "How long a swap may wait for calls to drain before it rolls back, unless the entry or the request sets its own.", min = "1")
        long timeout_millis() default Engine.DEFAULT_TIMEOUT_MILLIS;

        @AttributeDefinition(name = "History length", description = "How many swap results swap:history keeps.", min = "0")
        int history_size() default 256;

        @AttributeDefinition(name = "Upgrade hold (ms)", description = "While an implementation's bundle is updated or refreshed, how long its entries' calls may wait for the new revision before the entries move elsewhere.", min = "1")
        long upgrade_hold_millis() default 5000;
    }

    private final Engine engine;
    private final OsgiImplementationSource source;
    private final SafeSwaps safeSwaps;
    private final Set<Long> staging = ConcurrentHashMap.newKeySet();
    private final List<java.util.function.LongConsumer> unstaged = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile EventAdmin eventAdmin;

    /** Every swap's outcome and reason goes to the OSGi log too (logger {@code swap.core.osgi.OsgiSwapManager}). */
    @Reference(service = LoggerFactory.class)
    Logger log;

    /** Registered before the swap manager (a mandatory reference), so no bundle it hides ever sees it. */
    @Reference
    SwapManagerVisibility visibility;

    /** Pins (whiteboard): every swap asks them ({@link swap.kernel.Pins}). */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addPin(swap.api.EntryPin pin) {
        pinsToAdd.add(pin);
        Engine e = engine;
        if (e != null) {
            e.pins().add(pin);
        }
    }

    void removePin(swap.api.EntryPin pin) {
        pinsToAdd.remove(pin);
        Engine e = engine;
        if (e != null) {
            e.pins().remove(pin);
        }
    }

    /** Pins bound before the constructor ran (DS binds dynamic references after it; kept for safety). */
    private final List<swap.api.EntryPin> pinsToAdd = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Activate
    public OsgiSwapManager(BundleContext context, Config config, @Reference TrustPolicy trust, @Reference JournalService journal) {
        source = new OsgiImplementationSource(context, trust, staging);
        engine = new Engine(source);
        for (swap.api.EntryPin p : pinsToAdd) {
            engine.pins().add(p);
        }
        safeSwaps = SafeSwaps.on(engine);
        engine.journal(journal);
        engine.configure(config.timeout_millis(), config.history_size());
        engine.events((topic, properties) -> {
            EventAdmin admin = eventAdmin;
            if (admin != null) {
                admin.postEvent(new Event(topic, (Map<String, ?>) properties));
            }
            Logger l = log;
            if (l != null && topic.equals(SwapConstants.TOPIC_CREATED)) {
                l.debug("entry " + properties.get(SwapConstants.EVENT_ENTRY_ID) + " CREATED on " + properties.get(SwapConstants.EVENT_TO));
            } else if (l != null && !topic.equals(SwapConstants.TOPIC_STARTED)) {
                String line = "entry " + properties.get(SwapConstants.EVENT_ENTRY_ID) + " " + topic.substring(SwapConstants.TOPIC_PREFIX.length())
                        + ": " + properties.get(SwapConstants.EVENT_FROM) + " -> " + properties.get(SwapConstants.EVENT_TO)
                        + ", format " + properties.get(SwapConstants.EVENT_FORMAT) + ": " + properties.get(SwapConstants.EVENT_REASON);
                if (topic.equals(SwapConstants.TOPIC_COMPLETED) || topic.equals(SwapConstants.TOPIC_WATCH_STARTED)
                        || topic.equals(SwapConstants.TOPIC_WATCH_PASSED) || topic.equals(SwapConstants.TOPIC_CANARY_PASSED)) {
                    l.info(line);
                } else {
                    l.warn(line);
                }
            }
        });
    }

    @Modified
    void modified(Config config) {
        engine.configure(config.timeout_millis(), config.history_size());
    }

    @Deactivate
    void deactivate() {
        engine.shutdown();
    }

    // ---------------------------------------------------------------- Platform

    @Override
    public Engine engine() {
        return engine;
    }

    @Override
    public OsgiImplementationSource source() {
        return source;
    }

    @Override
    public SafeSwaps safeSwaps() {
        return safeSwaps;
    }

    @Override
    public Set<Long> staging() {
        return staging;
    }

    @Override
    public void unstage(long bundleId) {
        if (staging.remove(bundleId)) {
            for (java.util.function.LongConsumer l : unstaged) {
                l.accept(bundleId);
            }
        }
    }

    @Override
    public Runnable onUnstaged(java.util.function.LongConsumer listener) {
        unstaged.add(listener);
        return () -> unstaged.remove(listener);
    }

    // ---------------------------------------------------------------- SwapManager: the engine's

    @Override
    public <T> Entry<T> create(Class<T> type, String target) {
        return engine.create(type, target);
    }

    @Override
    public <T, S> Entry<T> create(Class<T> type, String target, StateFormat<S> format, S state) {
        return engine.create(type, target, format, state);
    }

    @Override
    public <T> Entry<T> register(Class<T> type, T instance, String name) {
        return engine.register(type, instance, name);
    }

    @Override
    public Optional<Entry<?>> entry(long id) {
        return engine.entry(id);
    }

    @Override
    public Optional<Entry<?>> entryOf(Object instance) {
        return engine.entryOf(instance);
    }

    @Override
    public List<EntryDTO> list() {
        return engine.list();
    }

    @Override
    public List<ImplementationDTO> implementations(String iface) {
        return engine.implementations(iface);
    }

    @Override
    public CompletionStage<SwapResult> swap(long id, String target, String reason) {
        return engine.swap(id, target, reason);
    }

    @Override
    public CompletionStage<SwapResult> swap(long id, String target, String reason, long timeoutMillis) {
        return engine.swap(id, target, reason, timeoutMillis);
    }

    @Override
    public CompletionStage<SwapResult> swap(long id, String target, String reason, SwapOptions options) {
        return engine.swap(id, target, reason, options);
    }

    @Override
    public CompletionStage<BatchResult> swap(Batch batch) {
        return engine.swap(batch);
    }

    @Override
    public CompletionStage<SwapResult> rejuvenate(long id, boolean keepState, String reason) {
        return engine.rejuvenate(id, keepState, reason);
    }

    @Override
    public void interpose(long id, String name, Interposer interposer) {
        engine.interpose(id, name, interposer);
    }

    @Override
    public void interpose(long id, String name) {
        engine.interpose(id, name);
    }

    @Override
    public List<String> interposerNames() {
        return engine.interposerNames();
    }

    @Override
    public Map<String, Map<String, Object>> statistics(long id) {
        return engine.statistics(id);
    }

    @Override
    public Optional<Interposer> interposer(long id, String name) {
        return engine.interposer(id, name);
    }

    @Override
    public boolean removeInterposer(long id, String name) {
        return engine.removeInterposer(id, name);
    }

    @Override
    public List<SwapResult> history(int max) {
        return engine.history(max);
    }

    @Override
    public boolean release(long id) {
        return engine.release(id);
    }
}
