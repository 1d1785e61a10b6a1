/** The example component: a counter that many threads increment, swapped live between implementations. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package swap.example.counter;
