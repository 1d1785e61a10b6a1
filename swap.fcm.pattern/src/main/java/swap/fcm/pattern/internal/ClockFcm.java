package swap.fcm.pattern.internal;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ServiceScope;

import swap.api.StateFormat;
import swap.api.SwapConstants;
import swap.api.fcm.FileCacheManager;
import swap.api.fcm.support.PageMap;

/**
 * The FCM for random reads: CLOCK replacement (second chance), no read-ahead: the shared FCM's
 * policy, in this bundle so that the access-pattern policy has all three classes in one place.
 */
@Component(service = FileCacheManager.class, scope = ServiceScope.PROTOTYPE, property = {
        SwapConstants.IMPL_NAME + "=" + ClockFcm.NAME,
        SwapConstants.IMPL_VERSION + "=1.0.0",
        FileCacheManager.PATTERN + "=random"})
public final class ClockFcm extends PatternFcm {

    public static final String NAME = "fcm.clock";

    /** The structure, by reference, between two CLOCK FCMs. */
    public static final StateFormat<PatternState> MAP = StateFormat.byReference("fcm.clock.map.v1", PatternState.class);

    @Override
    StateFormat<PatternState> byReference() {
        return MAP;
    }

    @Override
    PageMap.Replacement replacement() {
        return PageMap.Replacement.CLOCK;
    }
}
