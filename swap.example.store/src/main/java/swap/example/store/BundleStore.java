package swap.example.store;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ServiceScope;

import swap.example.store.api.SessionStore;

/** A store of bundle scope (one instance per consuming bundle), swappable. */
@Component(service = SessionStore.class, scope = ServiceScope.BUNDLE, property = {"store=bundle", "swap.swappable:Boolean=true"})
public class BundleStore extends MapStore {
}
