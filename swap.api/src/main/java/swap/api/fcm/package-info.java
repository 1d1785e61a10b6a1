/**
 * The file-cache contract: a page cache over one open file ({@link swap.api.fcm.FileCacheManager},
 * implemented by the FCM bundles) and the service that opens files and hands out FCMs, each
 * behind its own swap-manager entry ({@link swap.api.fcm.FileCache}).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.2.0")
package swap.api.fcm;
