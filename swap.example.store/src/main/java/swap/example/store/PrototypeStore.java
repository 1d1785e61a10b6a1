package swap.example.store;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ServiceScope;

import swap.example.store.api.SessionStore;

/** A store of prototype scope (one instance per getService), swappable. */
@Component(service = SessionStore.class, scope = ServiceScope.PROTOTYPE, property = {"store=prototype", "swap.swappable:Boolean=true"})
public class PrototypeStore extends MapStore {
}
