package swap.core.trust;

import static org.junit.Assert.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Throw-away keys and signed jars, made at test time with the JDK's own {@code keytool} and
 * {@code jarsigner} (nothing is committed): a key store per signer, a trust store holding one
 * signer's certificate, and jars signed, tampered with, or changed after signing.
 */
final class Signing {
    static final String PASSWORD = "changeit";

    private Signing() {
    }

    static String tool(String name) {
        return Path.of(System.getProperty("java.home"), "bin", name).toString();
    }

    static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(String.join(" ", command) + ":\n" + out, 0, p.waitFor());
    }

    /** A new key pair (alias {@code alias}) in a PKCS12 key store. */
    static Path keyStore(Path dir, String alias) throws IOException, InterruptedException {
        Path ks = dir.resolve(alias + ".p12");
        run(tool("keytool"), "-genkeypair", "-keystore", ks.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD, "-keypass", PASSWORD,
                "-alias", alias, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + alias + ",O=swap test", "-validity", "2");
        return ks;
    }

    /** A trust store holding the certificate of {@code alias} from {@code keyStore}. */
    static Path trustStore(Path dir, Path keyStore, String alias) throws IOException, InterruptedException {
        Path cert = dir.resolve(alias + ".cer");
        Path ts = dir.resolve("trust.p12");
        run(tool("keytool"), "-exportcert", "-keystore", keyStore.toString(), "-storepass", PASSWORD, "-alias", alias, "-file", cert.toString());
        run(tool("keytool"), "-importcert", "-noprompt", "-keystore", ts.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD,
                "-alias", alias, "-file", cert.toString());
        return ts;
    }

    /** A signed copy of {@code jar}. */
    static Path sign(Path jar, Path keyStore, String alias, Path out) throws IOException, InterruptedException {
        Files.copy(jar, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        run(tool("jarsigner"), "-keystore", keyStore.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD, out.toString(), alias);
        return out;
    }

    /**
     * A copy of {@code jar} whose entries pass through {@code change} (name, bytes) -&gt; bytes
     * ({@code null}: the entry is left out); {@code extra} entries are added at the end.
     */
    static Path rewrite(Path jar, Path out, BiFunction<String, byte[], byte[]> change, Map<String, byte[]> extra) throws IOException {
        try (ZipFile in = new ZipFile(jar.toFile()); OutputStream os = Files.newOutputStream(out); ZipOutputStream zip = new ZipOutputStream(os)) {
            List<ZipEntry> entries = new ArrayList<>();
            for (Enumeration<? extends ZipEntry> en = in.entries(); en.hasMoreElements();) {
                entries.add(en.nextElement());
            }
            for (ZipEntry e : entries) {
                byte[] b;
                try (InputStream is = in.getInputStream(e)) {
                    b = is.readAllBytes();
                }
                byte[] c = e.isDirectory() ? b : change.apply(e.getName(), b);
                if (c == null) {
                    continue;
                }
                zip.putNextEntry(new ZipEntry(e.getName()));
                zip.write(c);
                zip.closeEntry();
            }
            for (Map.Entry<String, byte[]> x : extra.entrySet()) {
                zip.putNextEntry(new ZipEntry(x.getKey()));
                zip.write(x.getValue());
                zip.closeEntry();
            }
        }
        return out;
    }

    /** A small jar: a manifest and two entries. */
    static Path jar(Path out) throws IOException {
        try (OutputStream os = Files.newOutputStream(out); ZipOutputStream zip = new ZipOutputStream(os)) {
            zip.putNextEntry(new ZipEntry("META-INF/MANIFEST.MF"));
            zip.write("Manifest-Version: 1.0\r\nBundle-SymbolicName: test.signed\r\n\r\n".getBytes(StandardCharsets.UTF_8));
            zip.putNextEntry(new ZipEntry("a/Data.txt"));
            zip.write("the data".getBytes(StandardCharsets.UTF_8));
            zip.putNextEntry(new ZipEntry("a/More.txt"));
            zip.write("more data".getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
        }
        return out;
    }

}
