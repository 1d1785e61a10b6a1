/**
 * Typed helpers for the state-transfer SPI ({@link swap.api.StatefulComponent}): a format-to-handler
 * table for imports ({@link swap.api.transfer.StateImports}) and for exports
 * ({@link swap.api.transfer.StateExports}), so an implementation lists each format once, next to the
 * code that reads or writes it, with no {@code if (format.equals(...))} chain and no cast; and
 * {@link swap.api.transfer.Formats} for formats of a generic type ({@code Map<String, Long>}) without
 * raw types.
 *
 * <pre>{@code
 * static final StateFormat<Map<String, Long>> COPY = Formats.canonical("store.copy.v1", Map.class);
 * private final StateImports imports = StateImports.builder()
 *         .on(COPY, (copy, context) -> map.putAll(copy))
 *         .build();
 * public List<StateFormat<?>> importFormats() { return imports.formats(); }
 * public void importState(StateFormat<?> f, Object state, TransferContext c) throws Exception { imports.dispatch(f, state, c); }
 * }</pre>
 *
 * <p>Plain final classes, provided by the platform (version 1.0.0 of this package, since swap.api's
 * bundle for issue 23).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package swap.api.transfer;
