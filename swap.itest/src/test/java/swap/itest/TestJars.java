package swap.itest;

import static org.junit.Assert.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Variants of the test bundles, made at test time from the jars the build made (as TrustIT does):
 * a copy with manifest headers changed, and a copy signed with a key made by the JDK's keytool.
 */
final class TestJars {
    static final String PASSWORD = "changeit";

    private TestJars() {
    }

    /**
     * A copy of {@code jar} at {@code out} whose main manifest attributes are changed: each header of
     * {@code headers} set (a {@code null} value removes it), and the component descriptions named in
     * {@code dropComponents} (e.g. {@code OSGI-INF/swap.example.store.NamedStore.xml}) left out of
     * {@code Service-Component}. Every other entry is copied unchanged.
     */
    static Path withManifest(Path jar, Path out, Map<String, String> headers, String... dropComponents) throws IOException {
        try (ZipFile in = new ZipFile(jar.toFile()); OutputStream os = Files.newOutputStream(out); ZipOutputStream zip = new ZipOutputStream(os)) {
            for (Enumeration<? extends ZipEntry> en = in.entries(); en.hasMoreElements();) {
                ZipEntry e = en.nextElement();
                byte[] b;
                try (InputStream is = in.getInputStream(e)) {
                    b = is.readAllBytes();
                }
                if (e.getName().equals("META-INF/MANIFEST.MF")) {
                    Manifest mf = new Manifest(new ByteArrayInputStream(b));
                    Attributes a = mf.getMainAttributes();
                    headers.forEach((k, v) -> {
                        if (v == null) {
                            a.remove(new Attributes.Name(k));
                        } else {
                            a.putValue(k, v);
                        }
                    });
                    if (dropComponents.length > 0) {
                        List<String> kept = new ArrayList<>();
                        for (String c : a.getValue("Service-Component").split(",")) {
                            if (!List.of(dropComponents).contains(c.trim())) {
                                kept.add(c.trim());
                            }
                        }
                        a.putValue("Service-Component", String.join(",", kept));
                    }
                    ByteArrayOutputStream changed = new ByteArrayOutputStream();
                    mf.write(changed);
                    b = changed.toByteArray();
                }
                zip.putNextEntry(new ZipEntry(e.getName()));
                zip.write(b);
                zip.closeEntry();
            }
        }
        return out;
    }

    private static String tool(String name) {
        return Paths.get(System.getProperty("java.home"), "bin", name).toString();
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(String.join(" ", command) + ":\n" + out, 0, p.waitFor());
    }

    /** A new PKCS12 key store in {@code dir} with one EC key pair under {@code alias} (CN=alias). */
    static Path keyStore(Path dir, String alias) throws IOException, InterruptedException {
        Path ks = dir.resolve(alias + ".p12");
        run(tool("keytool"), "-genkeypair", "-keystore", ks.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD, "-keypass", PASSWORD,
                "-alias", alias, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + alias + ",O=swap test", "-validity", "2");
        return ks;
    }

    /** A trust store in {@code dir} holding only the certificate of {@code alias} in {@code keyStore}. */
    static Path trustStore(Path dir, Path keyStore, String alias) throws IOException, InterruptedException {
        Path cert = dir.resolve(alias + ".cer");
        Path ts = dir.resolve("trust.p12");
        run(tool("keytool"), "-exportcert", "-keystore", keyStore.toString(), "-storepass", PASSWORD, "-alias", alias, "-file", cert.toString());
        run(tool("keytool"), "-importcert", "-noprompt", "-keystore", ts.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD,
                "-alias", alias, "-file", cert.toString());
        return ts;
    }

    /** A copy of {@code jar} at {@code out}, signed with jarsigner by {@code alias} of {@code keyStore}. */
    static Path sign(Path jar, Path keyStore, String alias, Path out) throws IOException, InterruptedException {
        Files.copy(jar, out);
        run(tool("jarsigner"), "-keystore", keyStore.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD, out.toString(), alias);
        return out;
    }
}
