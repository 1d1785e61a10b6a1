package swap.core.trust;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSigner;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.osgi.framework.Bundle;

/**
 * Checks that an installed bundle's content is signed, untampered, by a certificate of a trust store,
 * with the JDK's own jar verification ({@link JarFile} opened with {@code verify = true}).
 *
 * <p>The bundle's content is read from the framework ({@link Bundle#getEntry}), i.e. exactly what is
 * installed, not the file it was installed from; it is written into a temporary jar (manifest and
 * signature files first, as {@code jarsigner} orders them, bytes unchanged) and every entry of that
 * jar is read in full, which makes {@code JarFile} check each entry's digest against the signed
 * manifest. The bundle is trusted when every entry other than the signature files is signed by at
 * least one signer whose certificate chain contains a certificate of the trust store, and every entry
 * the signed manifest lists is present. Stateless; each call reads the bundle once.
 */
final class JarVerifier {
    private JarVerifier() {
    }

    /** @return {@code null} if trusted, else why not (one line) */
    static String check(Bundle bundle, KeyStore trustStore, Path scratchDir) {
        if (bundle.getEntry("META-INF/MANIFEST.MF") == null) {
            return "bundle " + bundle.getSymbolicName() + " has no manifest entry to verify";
        }
        Path jar = null;
        try {
            jar = Files.createTempFile(Files.createDirectories(scratchDir), "verify-" + bundle.getBundleId() + "-", ".jar");
            copy(bundle, jar);
            return check(jar, trustStore);
        } catch (IOException e) {
            return "could not read bundle " + bundle.getSymbolicName() + " to verify it: " + e;
        } finally {
            if (jar != null) {
                try {
                    Files.deleteIfExists(jar);
                } catch (IOException ignored) {
                    // a temporary file in the data area; the next check makes another
                }
            }
        }
    }

    /** @return {@code null} if the jar is signed, untampered, by a certificate of {@code trustStore}; else why not */
    static String check(Path file, KeyStore trustStore) throws IOException {
        Set<Certificate> trusted = certificates(trustStore);
        try (JarFile jar = new JarFile(file.toFile(), true)) {
            Manifest mf = jar.getManifest();
            if (mf == null) {
                return "not signed (no manifest)";
            }
            Set<String> present = new HashSet<>();
            String signedBy = null;
            byte[] buf = new byte[8192];
            for (Enumeration<JarEntry> en = jar.entries(); en.hasMoreElements();) {
                JarEntry e = en.nextElement();
                present.add(e.getName());
                if (e.isDirectory() || signatureFile(e.getName())) {
                    continue;
                }
                try (InputStream in = jar.getInputStream(e)) {
                    while (in.read(buf) >= 0) {
                        // reading to the end makes JarFile check the entry's digest
                    }
                } catch (SecurityException tampered) {
                    return "tampered after signing: " + tampered.getMessage();
                }
                CodeSigner[] signers = e.getCodeSigners();
                if (signers == null || signers.length == 0) {
                    return signedBy == null && !hasSignatureFiles(jar) ? "not signed" : "entry " + e.getName() + " is not signed (added or changed after signing)";
                }
                String who = null;
                for (CodeSigner s : signers) {
                    List<? extends Certificate> chain = s.getSignerCertPath().getCertificates();
                    who = who == null ? subject(chain.get(0)) : who;
                    if (!Collections.disjoint(chain, trusted)) {
                        who = null;
                        signedBy = subject(chain.get(0));
                        break;
                    }
                }
                if (who != null) {
                    return "signed by " + who + ", which is not in the trust store";
                }
            }
            for (java.util.Map.Entry<String, Attributes> s : mf.getEntries().entrySet()) {
                if (digested(s.getValue()) && !present.contains(s.getKey())) {
                    return "tampered after signing: signed entry " + s.getKey() + " is missing";
                }
            }
            return signedBy == null ? "not signed (no signed entry)" : null;
        } catch (SecurityException e) {
            return "tampered after signing: " + e.getMessage();
        }
    }

    private static boolean hasSignatureFiles(JarFile jar) {
        for (Enumeration<JarEntry> en = jar.entries(); en.hasMoreElements();) {
            String n = en.nextElement().getName().toUpperCase(Locale.ROOT);
            if (n.startsWith("META-INF/") && n.endsWith(".SF")) {
                return true;
            }
        }
        return false;
    }

    private static boolean digested(Attributes a) {
        for (Object k : a.keySet()) {
            if (k.toString().toUpperCase(Locale.ROOT).endsWith("-DIGEST")) {
                return true;
            }
        }
        return false;
    }

    /** The manifest, the signature block files and the signature directory, which the signature does not cover. */
    static boolean signatureFile(String name) {
        String n = name.toUpperCase(Locale.ROOT);
        if (!n.startsWith("META-INF/") || n.indexOf('/', 9) >= 0) {
            return false;
        }
        return n.equals("META-INF/MANIFEST.MF") || n.endsWith(".SF") || n.endsWith(".RSA") || n.endsWith(".DSA") || n.endsWith(".EC")
                || n.startsWith("META-INF/SIG-");
    }

    private static String subject(Certificate c) {
        return c instanceof X509Certificate ? ((X509Certificate) c).getSubjectX500Principal().getName() : c.getType() + " certificate";
    }

    private static Set<Certificate> certificates(KeyStore ks) throws IOException {
        Set<Certificate> s = new HashSet<>();
        try {
            for (Enumeration<String> a = ks.aliases(); a.hasMoreElements();) {
                Certificate c = ks.getCertificate(a.nextElement());
                if (c != null) {
                    s.add(c);
                }
            }
        } catch (KeyStoreException e) {
            throw new IOException("trust store not loaded: " + e.getMessage(), e);
        }
        return s;
    }

    /** Writes the bundle's entries into a jar, manifest and signature files first, bytes unchanged. */
    private static void copy(Bundle bundle, Path jar) throws IOException {
        List<String> paths = new ArrayList<>();
        collect(bundle, "/", paths);
        List<String> first = new ArrayList<>();
        List<String> rest = new ArrayList<>();
        for (String p : paths) {
            if (p.equalsIgnoreCase("META-INF/MANIFEST.MF")) {
                first.add(0, p);
            } else if (signatureFile(p)) {
                first.add(p);
            } else {
                rest.add(p);
            }
        }
        first.addAll(rest);
        try (OutputStream out = Files.newOutputStream(jar); ZipOutputStream zip = new ZipOutputStream(out)) {
            for (String p : first) {
                zip.putNextEntry(new ZipEntry(p));
                if (!p.endsWith("/")) {
                    try (InputStream in = bundle.getEntry(p).openStream()) {
                        in.transferTo(zip);
                    }
                }
                zip.closeEntry();
            }
        }
    }

    private static void collect(Bundle bundle, String dir, List<String> out) {
        Enumeration<String> e = bundle.getEntryPaths(dir);
        if (e == null) {
            return;
        }
        while (e.hasMoreElements()) {
            String p = e.nextElement();
            out.add(p);
            if (p.endsWith("/")) {
                collect(bundle, p, out);
            }
        }
    }
}
