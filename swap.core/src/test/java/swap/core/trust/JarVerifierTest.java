package swap.core.trust;

import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Map;

import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Jar signature checks with keys made at test time ({@link Signing}): signed by the trusted key
 * passes; unsigned, signed by another key, changed, added or removed after signing fails, saying so.
 */
public class JarVerifierTest {

    @ClassRule
    public static TemporaryFolder tmp = new TemporaryFolder();

    private static Path dir;
    private static Path plain;
    private static Path trusted;
    private static Path other;
    private static KeyStore trust;

    @BeforeClass
    public static void keys() throws Exception {
        dir = tmp.newFolder().toPath();
        Path ksA = Signing.keyStore(dir, "release");
        Path ksB = Signing.keyStore(dir, "intruder");
        Path ts = Signing.trustStore(dir, ksA, "release");
        plain = Signing.jar(dir.resolve("plain.jar"));
        trusted = Signing.sign(plain, ksA, "release", dir.resolve("trusted.jar"));
        other = Signing.sign(plain, ksB, "intruder", dir.resolve("other.jar"));
        trust = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(ts)) {
            trust.load(in, Signing.PASSWORD.toCharArray());
        }
    }

    @Test
    public void signedByTheTrustedKeyIsTrusted() throws Exception {
        assertNull(JarVerifier.check(trusted, trust));
    }

    @Test
    public void unsignedIsRefused() throws Exception {
        String why = JarVerifier.check(plain, trust);
        assertTrue(why, why.startsWith("not signed"));
    }

    @Test
    public void signedByAnotherKeyIsRefused() throws Exception {
        String why = JarVerifier.check(other, trust);
        assertTrue(why, why.contains("CN=intruder") && why.contains("not in the trust store"));
    }

    @Test
    public void changedAfterSigningIsRefused() throws Exception {
        Path t = Signing.rewrite(trusted, dir.resolve("tampered.jar"),
                (name, b) -> name.equals("a/Data.txt") ? "evil data".getBytes(StandardCharsets.UTF_8) : b, Map.of());
        String why = JarVerifier.check(t, trust);
        assertTrue(why, why.startsWith("tampered after signing") && why.contains("a/Data.txt"));
    }

    @Test
    public void anEntryAddedAfterSigningIsRefused() throws Exception {
        Path t = Signing.rewrite(trusted, dir.resolve("added.jar"), (name, b) -> b, Map.of("a/Evil.txt", new byte[] {1, 2, 3}));
        String why = JarVerifier.check(t, trust);
        assertTrue(why, why.contains("a/Evil.txt") && why.contains("not signed"));
    }

    @Test
    public void anEntryRemovedAfterSigningIsRefused() throws Exception {
        Path t = Signing.rewrite(trusted, dir.resolve("removed.jar"), (name, b) -> name.equals("a/More.txt") ? null : b, Map.of());
        String why = JarVerifier.check(t, trust);
        assertTrue(why, why.contains("a/More.txt") && why.contains("missing"));
    }
}
