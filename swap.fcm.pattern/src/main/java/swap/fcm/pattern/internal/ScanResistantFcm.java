package swap.fcm.pattern.internal;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ServiceScope;

import swap.api.StateFormat;
import swap.api.SwapConstants;
import swap.api.fcm.FileCacheManager;
import swap.api.fcm.support.PageMap;

/**
 * The FCM for a hot set mixed with scans (and loops over more pages than the budget): scan-resistant
 * replacement after 2Q ({@link PageMap.Replacement#SCAN_RESISTANT}): pages read once stay on
 * probation, a quarter of the budget, and are evicted before the pages read again.
 */
@Component(service = FileCacheManager.class, scope = ServiceScope.PROTOTYPE, property = {
        SwapConstants.IMPL_NAME + "=" + ScanResistantFcm.NAME,
        SwapConstants.IMPL_VERSION + "=1.0.0",
        FileCacheManager.PATTERN + "=mixed"})
public final class ScanResistantFcm extends PatternFcm {

    public static final String NAME = "fcm.scan";

    /** The structure, by reference, between two scan-resistant FCMs. */
    public static final StateFormat<PatternState> MAP = StateFormat.byReference("fcm.scan.map.v1", PatternState.class);

    @Override
    StateFormat<PatternState> byReference() {
        return MAP;
    }

    @Override
    PageMap.Replacement replacement() {
        return PageMap.Replacement.SCAN_RESISTANT;
    }
}
