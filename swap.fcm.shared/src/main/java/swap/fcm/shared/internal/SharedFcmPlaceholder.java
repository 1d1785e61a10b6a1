package swap.fcm.shared.internal;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * Placeholder component: proves the bundle is built, resolved and activated by SCR in the
 * distribution and in the integration tests. Replaced by the real swap.fcm.shared components.
 */
@Component(immediate = true, service = {})
public final class SharedFcmPlaceholder {
    @Activate
    void activate() {
        // nothing yet
    }
}
