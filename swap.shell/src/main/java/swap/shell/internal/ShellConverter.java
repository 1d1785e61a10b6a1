package swap.shell.internal;

import org.apache.felix.service.command.Converter;
import org.osgi.service.component.annotations.Component;

import swap.api.EntryDTO;
import swap.api.SwapResult;

/**
 * Renders the shell's DTOs for the Gogo console: tables for the lists at {@link Converter#INSPECT}
 * level (what the console prints for a command's result, and what a pipe receives), one line each
 * at {@link Converter#LINE} level (inside other structures). Converts nothing from text.
 *
 * <p>Stateless; called by any session thread.
 */
@Component(service = Converter.class, property = {
        Converter.CONVERTER_CLASSES + "=swap.api.EntryDTO",
        Converter.CONVERTER_CLASSES + "=swap.api.SwapResult",
        Converter.CONVERTER_CLASSES + "=swap.shell.internal.Dtos"})
public final class ShellConverter implements Converter {

    @Override
    public Object convert(Class<?> desiredType, Object in) {
        return null; // nothing to convert: commands take ids, names and filters as plain arguments
    }

    @Override
    public CharSequence format(Object target, int level, Converter escape) {
        boolean inspect = level == INSPECT;
        if (target instanceof Dtos.EntryTable) {
            return inspect ? Render.entries((Dtos.EntryTable) target) : null;
        }
        if (target instanceof Dtos.HistoryTable) {
            return inspect ? Render.history((Dtos.HistoryTable) target) : null;
        }
        if (target instanceof Dtos.ImplementationTable) {
            return inspect ? Render.implementations((Dtos.ImplementationTable) target) : null;
        }
        if (target instanceof Dtos.PolicyTable) {
            return inspect ? Render.policies((Dtos.PolicyTable) target) : null;
        }
        if (target instanceof Dtos.FileStatTable) {
            return inspect ? Render.fileStats((Dtos.FileStatTable) target) : null;
        }
        if (target instanceof Dtos.MonitorTable) {
            return inspect ? Render.monitors((Dtos.MonitorTable) target) : null;
        }
        if (target instanceof EntryDTO) {
            return inspect ? Render.entry((EntryDTO) target) : Render.entryLine((EntryDTO) target);
        }
        if (target instanceof SwapResult) {
            return inspect ? Render.result((SwapResult) target) : Render.resultLine((SwapResult) target);
        }
        if (target instanceof Dtos.Stats) {
            return Render.stats((Dtos.Stats) target);
        }
        if (target instanceof Dtos.Load) {
            return Render.load((Dtos.Load) target);
        }
        if (target instanceof Dtos.Health) {
            return Render.health((Dtos.Health) target);
        }
        if (target instanceof Dtos.Opened) {
            return Render.opened((Dtos.Opened) target);
        }
        if (target instanceof Dtos.Read) {
            return Render.read((Dtos.Read) target);
        }
        if (target instanceof Dtos.Done) {
            return ((Dtos.Done) target).what;
        }
        if (target instanceof Dtos.Implementation) {
            Dtos.Implementation i = (Dtos.Implementation) target;
            return i.implementation.name + " " + i.implementation.version + " (" + i.implementation.bundle + ")";
        }
        return null;
    }
}
