package swap.example.store;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.ServiceScope;

import swap.api.SwapConstants;
import swap.example.store.api.SessionStore;

/**
 * The store as a named implementation of {@link SessionStore} ({@code session.map}, prototype
 * scope): entries made with {@code SwapManager.create(SessionStore.class, "session.map")} run on it,
 * so an update of this bundle moves them as it moves any implementation's entries. Registered only
 * while a configuration with its PID ({@code swap.example.store.NamedStore}) exists, so the
 * example's services stay as they are unless a test (swap.itest's ProtocolDefectsIT) asks for it.
 */
@Component(service = SessionStore.class, scope = ServiceScope.PROTOTYPE, configurationPolicy = ConfigurationPolicy.REQUIRE, property = {
        SwapConstants.IMPL_NAME + "=session.map",
        SwapConstants.IMPL_VERSION + "=1.0.0",
        "store=named"})
public class NamedStore extends MapStore {
}
