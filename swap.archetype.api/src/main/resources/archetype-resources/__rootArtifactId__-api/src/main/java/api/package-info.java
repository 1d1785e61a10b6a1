/** The store's API: exported, with its own semantic version (bnd baselining checks it). */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package ${package}.api;
