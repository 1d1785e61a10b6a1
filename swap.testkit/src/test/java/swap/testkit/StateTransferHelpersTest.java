package swap.testkit;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.Test;

import swap.api.StateFormat;
import swap.api.transfer.Formats;
import swap.api.transfer.StateExports;
import swap.api.transfer.StateImports;

/** swap.api.transfer's typed helpers: order, dispatch with the typed state, and one plain line for each mistake. */
public class StateTransferHelpersTest {

    static final StateFormat<Map<String, Long>> COPY = Formats.canonical("t.copy", Map.class);
    static final StateFormat<String> TEXT = StateFormat.canonical("t.text", String.class);

    @Test
    public void importsDispatchTypedStateInOrder() throws Exception {
        AtomicReference<Object> got = new AtomicReference<>();
        StateImports imports = StateImports.builder()
                .on(COPY, (map, c) -> got.set(map.get("a") + 1))   // map is a Map<String, Long>: no cast
                .on(TEXT, (s, c) -> got.set(s.length()))
                .orEmpty()
                .build();
        assertEquals(List.of(COPY, TEXT, StateFormat.EMPTY), imports.formats());
        imports.dispatch(COPY, Map.of("a", 41L), null);
        assertEquals(42L, got.get());
        imports.dispatch(TEXT, "abc", null);
        assertEquals(3, got.get());
        imports.dispatch(StateFormat.EMPTY, null, null);
    }

    @Test
    public void exportsRunTheFormatsWriter() throws Exception {
        StateExports exports = StateExports.builder().on(TEXT, () -> "x").on(COPY, () -> Map.of("a", 1L)).build();
        assertEquals(List.of(TEXT, COPY), exports.formats());
        assertEquals("x", exports.export(TEXT));
        assertEquals(Map.of("a", 1L), exports.export(COPY));
    }

    @Test
    public void mistakesSayWhatToDo() {
        StateImports imports = StateImports.builder().on(TEXT, (s, c) -> { }).build();
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> imports.dispatch(COPY, Map.of(), null));
        assertTrue(unknown.getMessage(), unknown.getMessage().contains("no import handler for state format 't.copy'")
                && unknown.getMessage().contains("[t.text]"));
        ClassCastException wrongType = assertThrows(ClassCastException.class, () -> imports.dispatch(TEXT, 12, null));
        assertTrue(wrongType.getMessage(), wrongType.getMessage().contains("'t.text' must be a java.lang.String"));
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
                () -> StateExports.builder().on(TEXT, () -> "a").on(TEXT, () -> "b"));
        assertTrue(twice.getMessage(), twice.getMessage().contains("listed twice"));
        StateExports exports = StateExports.builder().on(TEXT, () -> "a").build();
        assertThrows(IllegalArgumentException.class, () -> exports.export(COPY));
    }
}
