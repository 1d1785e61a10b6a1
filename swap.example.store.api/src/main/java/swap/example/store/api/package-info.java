/** The example session store's interface: what the swappable-service example's consumers program against. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package swap.example.store.api;
