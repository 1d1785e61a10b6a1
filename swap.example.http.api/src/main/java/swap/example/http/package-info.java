/**
 * The network example (issue 26): an HTTP service whose request handler is a swappable component
 * with per-client rate-limit buckets and a response cache, carried across swaps and upgrades in the
 * canonical format {@link swap.example.http.RequestHandler#STATE}.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package swap.example.http;
