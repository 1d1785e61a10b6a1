package swap.example.store;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ServiceScope;

import swap.example.store.api.SessionStore;

/** The same store without the opt-in: an ordinary service, left alone by the platform. */
@Component(service = SessionStore.class, scope = ServiceScope.SINGLETON, property = {"store=plain"})
public class PlainStore extends MapStore {
}
