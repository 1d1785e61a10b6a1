package swap.shell.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

import org.junit.Test;

import swap.api.EntryDTO;

/** What {@link Builtins} says about the entries of a stopped or uninstalled bundle, and about bundle URLs. */
public class BuiltinsTest {

    private static EntryDTO entry(long id, String impl, String version, String bundle, long bundleId, String state, String reason) {
        EntryDTO d = new EntryDTO();
        d.id = id;
        d.iface = "swap.example.counter.Counter";
        d.implementation = impl;
        d.version = version;
        d.bundle = bundle;
        d.bundleId = bundleId;
        d.state = state;
        d.stateReason = reason;
        d.revision = version;
        return d;
    }

    @Test
    public void eachEntrySaysWhereItWentAndWhy() {
        EntryDTO was = entry(1, "counter.simple", "1.0.0", "swap.example.simple", 25, "ACTIVE", null);
        assertEquals("entry 1 (swap.example.counter.Counter, counter.simple 1.0.0) moved to counter.striped 1.1.0 of bundle swap.example.striped (29),"
                + " with its state: no other implementation named counter.simple is registered, so the implementation of swap.example.counter.Counter"
                + " with the highest version (then service ranking) took it; swap:swap 1 TARGET moves it elsewhere",
                Builtins.consequence("b", was, entry(1, "counter.striped", "1.1.0", "swap.example.striped", 29, "ACTIVE", null)));
        assertEquals("entry 1 (swap.example.counter.Counter, counter.simple 1.0.0) moved to counter.simple 1.1.0 of bundle swap.example.simple (28),"
                + " with its state: the other implementation named counter.simple with the highest version",
                Builtins.consequence("b", was, entry(1, "counter.simple", "1.1.0", "swap.example.simple", 28, "ACTIVE", null)));
        assertEquals("entry 1 (swap.example.counter.Counter, counter.simple 1.0.0) is ORPHANED: implementation counter.simple 1.0.0 is gone",
                Builtins.consequence("b", was, entry(1, "counter.simple", "1.0.0", "swap.example.simple", 25, "ORPHANED", "implementation counter.simple 1.0.0 is gone")));
        assertEquals("entry 1 (swap.example.counter.Counter, counter.simple 1.0.0) is released", Builtins.consequence("b", was, null));
        assertNull("nothing changed", Builtins.consequence("b", was, entry(1, "counter.simple", "1.0.0", "swap.example.simple", 25, "ACTIVE", null)));
    }

    @Test
    public void aMissingFileIsRefusedWithWhatToType() throws Exception {
        try {
            Builtins.url(null, "update", "file:/no/such/dir/x.jar");
            fail();
        } catch (ShellException e) {
            assertEquals("update: no file /no/such/dir/x.jar (no directory /no/such/dir); give the URL of the bundle's jar, e.g. file:/tmp/bundle-1.1.0.jar",
                    e.toString());
        }
        Path jar = Files.createTempFile("builtins", ".jar");
        try {
            assertEquals(jar.toUri().toString(), Builtins.url(null, "update", jar.toUri().toString()));
            assertTrue(Builtins.url(null, "update", jar.toString()).startsWith("file:"));
        } finally {
            Files.delete(jar);
        }
        assertEquals("http://example.com/x.jar", Builtins.url(null, "update", "http://example.com/x.jar"));
    }

    @Test
    public void aRelativeFileUrlReadsAgainstTheWorkingDirectoryAsInstallReadsIt() throws Exception {
        Path dir = Files.createTempDirectory("builtins");
        Path jar = Files.createFile(dir.resolve("x.jar"));
        try {
            assertEquals(jar.toUri().toString(), Builtins.relativeFile(dir, "file:x.jar"));
            assertEquals(jar.toUri().toString(), Builtins.relativeFile(dir, "file:./sub/../x.jar"));
            assertEquals("file:/tmp/y.jar", Builtins.relativeFile(dir, "file:/tmp/y.jar"));
            assertEquals("http://example.com/x.jar", Builtins.relativeFile(dir, "http://example.com/x.jar"));
            Path here = Paths.get("").toAbsolutePath();
            Path local = Files.createTempFile(here, "builtins", ".jar");
            try {
                assertEquals(local.toUri().toString(), Builtins.url(null, "update", "file:" + local.getFileName()));
            } finally {
                Files.delete(local);
            }
        } finally {
            Files.delete(jar);
            Files.delete(dir);
        }
    }
}
