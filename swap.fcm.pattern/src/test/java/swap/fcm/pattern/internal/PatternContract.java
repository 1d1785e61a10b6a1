package swap.fcm.pattern.internal;

import swap.api.StateFormat;
import swap.api.fcm.FileCacheManager;
import swap.fcm.testkit.FcmContractTest;
import swap.kernel.StandaloneSource;

/**
 * The file-cache contract for one FCM of this bundle; every FCM of the bundle is registered, and
 * the swaps under load go through all three (canonically between them, by reference to the second
 * registration of the same one) and the failing one.
 */
abstract class PatternContract extends FcmContractTest {

    static void registerAll(StandaloneSource source) {
        source.add(FileCacheManager.class, ClockFcm.NAME, "1.0.0", ClockFcm::new, FileCacheManager.PATTERN, "random");
        source.add(FileCacheManager.class, ScanResistantFcm.NAME, "1.0.0", ScanResistantFcm::new, FileCacheManager.PATTERN, "mixed");
        source.add(FileCacheManager.class, ReadAheadFcm.NAME, "1.0.0", ReadAheadFcm::new, FileCacheManager.PATTERN, "sequential");
    }

    abstract PatternFcm fresh();

    @Override
    protected void register(StandaloneSource source) {
        registerAll(source);
        source.add(FileCacheManager.class, otherImplementation(), "1.0.0", this::fresh);
    }

    @Override
    protected StateFormat<?> byReferenceFormat() {
        return fresh().byReference();
    }

    @Override
    protected boolean readsAreAtomicAcrossPages() {
        return true; // under one monitor, or two pages validated by their stamps
    }

    @Override
    protected String[] swapTargets() {
        return new String[] {otherImplementation(), ClockFcm.NAME, ReadAheadFcm.NAME, ScanResistantFcm.NAME, implementation(), "fcm.broken"};
    }
}
