/** The example consumer's view for tests and operators: how many requests it served, how often it was activated. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package swap.example.consumer;
