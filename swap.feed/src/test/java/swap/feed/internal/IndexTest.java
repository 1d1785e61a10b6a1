package swap.feed.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.osgi.framework.Version;

import aQute.bnd.osgi.repository.SimpleIndexer;

/**
 * The feed reads the index bnd writes: jars indexed by bnd's own {@link SimpleIndexer} (the code
 * behind {@code bnd index} and the bnd indexer Maven plugin), plain and gzipped, are found by symbolic
 * name with their version, their URL resolved against the index and their SHA-256.
 */
public class IndexTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    private Path bundle(String bsn, String version) throws Exception {
        Path jar = tmp.getRoot().toPath().resolve("jars").resolve(bsn + "-" + version + ".jar");
        Files.createDirectories(jar.getParent());
        Manifest mf = new Manifest();
        Attributes a = mf.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Bundle-ManifestVersion", "2");
        a.putValue("Bundle-SymbolicName", bsn);
        a.putValue("Bundle-Version", version);
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out, mf)) {
            j.putNextEntry(new ZipEntry("x/Y.txt"));
            j.write(version.getBytes());
            j.closeEntry();
        }
        return jar;
    }

    private Path index(boolean gzip, Path... jars) throws Exception {
        Path index = tmp.getRoot().toPath().resolve(gzip ? "index.xml.gz" : "index.xml");
        new SimpleIndexer().files(List.of(java.util.Arrays.stream(jars).map(Path::toFile).toArray(java.io.File[]::new))).base(tmp.getRoot().toURI())
                .compress(gzip).name("fixes").index(index.toFile());
        return index;
    }

    @Test
    public void findsEveryVersionOfASymbolicNameInAnIndexBndWrote() throws Exception {
        for (boolean gzip : new boolean[] {false, true}) {
            Path a = bundle("counter.impl", "1.0.1");
            Path b = bundle("counter.impl", "1.0.2");
            Path other = bundle("other.impl", "2.0.0");
            Index i = Index.read(index(gzip, a, b, other).toUri());
            List<Index.Offer> offers = i.bundles("counter.impl");
            assertEquals(offers.toString(), 2, offers.size());
            for (Index.Offer o : offers) {
                Path expected = o.version().equals(new Version("1.0.1")) ? a : b;
                assertEquals(expected.toUri(), o.url());
                assertEquals(java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(expected))),
                        o.sha256().toLowerCase());
            }
            assertEquals(List.of(), i.bundles("no.such.bundle"));
        }
    }

    @Test
    public void anIndexThatCannotBeReadFailsWithTheReason() {
        try {
            Index.read(tmp.getRoot().toPath().resolve("missing.xml").toUri());
            fail();
        } catch (Exception e) {
            assertTrue(String.valueOf(e.getMessage()), e.getMessage() != null);
        }
    }

    @Test
    public void theRuleTakesMicroByDefaultAndNeverOlder() {
        Version v = new Version("1.2.3");
        assertTrue(Take.MICRO.allows(v, new Version("1.2.4")));
        assertFalse(Take.MICRO.allows(v, new Version("1.3.0")));
        assertFalse(Take.MICRO.allows(v, new Version("1.2.3")));
        assertFalse(Take.MICRO.allows(v, new Version("1.2.2")));
        assertTrue(Take.MINOR.allows(v, new Version("1.3.0")));
        assertFalse(Take.MINOR.allows(v, new Version("2.0.0")));
        assertTrue(Take.MAJOR.allows(v, new Version("2.0.0")));
        try {
            Take.of("patch");
            fail();
        } catch (IllegalArgumentException e) {
            assertEquals("take=patch is not a rule: write take=micro (the default), take=minor or take=major", e.getMessage());
        }
    }
}
