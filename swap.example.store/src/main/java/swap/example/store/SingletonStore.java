package swap.example.store;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ServiceScope;

import swap.example.store.api.SessionStore;

/** The store the example consumer uses: one instance, swappable. */
@Component(service = SessionStore.class, scope = ServiceScope.SINGLETON, property = {"store=main", "swap.swappable:Boolean=true"})
public class SingletonStore extends MapStore {
}
