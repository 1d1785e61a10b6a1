package swap.shell.internal;

import java.util.ArrayList;
import java.util.List;

import org.apache.felix.service.command.Converter;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import swap.api.SwappableServiceDTO;
import swap.api.SwappableServices;

/**
 * {@code swap:services}: the swappable OSGi services (registered with {@code swap.swappable=true})
 * and their fronts. Its own component, with its own {@link Converter} for the table it returns.
 */
@Component(service = {ServiceCommands.class, Converter.class}, property = {
        "osgi.command.scope=swap", "osgi.command.function=services",
        Converter.CONVERTER_CLASSES + "=swap.shell.internal.ServiceCommands$ServiceTable"})
public final class ServiceCommands implements Converter {

    @Reference
    SwappableServices services;

    /** The result of {@code swap:services}: one DTO per front. */
    public static final class ServiceTable extends ArrayList<SwappableServiceDTO> {
        private static final long serialVersionUID = 1L;

        ServiceTable(List<SwappableServiceDTO> l) {
            super(l);
        }
    }

    @Descriptor("list the swappable services (swap.swappable=true): interface, provider bundle and version, front and original service ids, scope, state, entries, consumers, moves")
    public ServiceTable services() {
        return new ServiceTable(services.list());
    }

    public Object getServices(Object... wrong) {
        throw Usage.wrong("swap", "services");
    }

    @Override
    public Object convert(Class<?> desiredType, Object in) {
        return null;
    }

    @Override
    public CharSequence format(Object target, int level, Converter escape) {
        if (!(target instanceof ServiceTable) || level != INSPECT) {
            return null;
        }
        ServiceTable l = (ServiceTable) target;
        Render.Table t = new Render.Table("Interface", "Provider", "Version", "Front", "Original", "Scope", "State", "Entries", "Consumers", "Moves", "Last move");
        t.rightAligned(3, 4, 9);
        for (SwappableServiceDTO d : l) {
            t.row(String.join(",", d.interfaces), d.providerBundle + " [" + d.providerBundleId + "]", d.providerVersion,
                    String.valueOf(d.frontServiceId), d.originalServiceId < 0 ? "-" : String.valueOf(d.originalServiceId), d.scope, d.state,
                    d.entryIds.isEmpty() ? "-" : Render.joinLongs(d.entryIds), Render.list(d.consumers), String.valueOf(d.moves),
                    Render.orDash(d.lastMove));
        }
        return t.render(l.isEmpty() ? "no swappable services: register a service with the property swap.swappable=true" : null);
    }
}
