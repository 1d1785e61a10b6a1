package swap.core.upgrade;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.Enumeration;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.osgi.framework.Bundle;

/**
 * The content of a bundle's current revision as a jar, to update the bundle back to it later (a
 * watched in-place update that got worse). Built from the revision's own entries
 * ({@link Bundle#getEntryPaths}), manifest first, every other entry byte for byte, so a signed
 * bundle stays signed: the trust gate checks it again when the entries resume on it.
 *
 * <p>The framework offers no standard way to read a revision's jar back, and the location may
 * already hold the new version (a jar overwritten in deploy/), hence this copy, taken while the old
 * revision is still the current one (its bundle is stopping for the update).
 */
final class BundleContent {
    private static final String MANIFEST = "META-INF/MANIFEST.MF";

    private BundleContent() {
    }

    /** @return the current revision of {@code b} as jar bytes */
    static byte[] of(Bundle b) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            URL mf = b.getEntry(MANIFEST);
            if (mf == null) {
                throw new IOException("bundle " + b.getBundleId() + " has no " + MANIFEST);
            }
            zip.putNextEntry(new ZipEntry("META-INF/"));
            zip.closeEntry();
            copy(zip, MANIFEST, mf);
            walk(b, "/", zip);
        }
        return out.toByteArray();
    }

    private static void walk(Bundle b, String dir, ZipOutputStream zip) throws IOException {
        Enumeration<String> paths = b.getEntryPaths(dir);
        if (paths == null) {
            return;
        }
        while (paths.hasMoreElements()) {
            String p = paths.nextElement();
            if (p.endsWith("/")) {
                if (!p.equals("META-INF/")) {
                    zip.putNextEntry(new ZipEntry(p));
                    zip.closeEntry();
                }
                walk(b, p, zip);
            } else if (!p.equals(MANIFEST)) {
                URL u = b.getEntry(p);
                if (u != null) {
                    copy(zip, p, u);
                }
            }
        }
    }

    private static void copy(ZipOutputStream zip, String name, URL from) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        try (InputStream in = from.openStream()) {
            in.transferTo(zip);
        }
        zip.closeEntry();
    }
}
