/**
 * Building blocks for FCM implementations, written once so that implementations differ only in how
 * they partition and lock their pages (as in K42: a shared FCM has one page map under one lock, a
 * distributed one several, each under its own): {@link swap.api.fcm.support.PagedFile} (argument
 * checks, the page-walking read and all-or-nothing write, eviction, write-back, flush, truncate,
 * close, statistics and the canonical state), {@link swap.api.fcm.support.PageMap} (one map of
 * pages with its budget and statistics) and {@link swap.api.fcm.support.SelfSwap} (an FCM asking
 * for its own replacement without ever storming).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.4.0")
package swap.api.fcm.support;
