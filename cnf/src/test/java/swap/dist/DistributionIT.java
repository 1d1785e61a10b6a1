package swap.dist;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.Test;

/**
 * Smoke test of the distribution as a user runs it: {@code printf 'lb\n' | java -jar target/swap.jar}
 * with the JVM running the build, in a scratch working directory. The console must list every platform
 * bundle active, and the process must end by itself with status 0 at end of input.
 */
public class DistributionIT {
    private static final List<String> PLATFORM_BUNDLES = Arrays.asList(
            "swap.api", "swap.core", "swap.fcm.shared", "swap.fcm.distributed", "swap.monitor", "swap.shell");

    @Test
    public void pipedLbListsThePlatformActiveAndExits() throws Exception {
        File jar = new File(System.getProperty("swap.jar", "target/swap.jar")).getAbsoluteFile();
        assertTrue(jar + " missing", jar.isFile());
        File work = Files.createDirectories(new File("target/distribution-it").toPath()).toFile();
        File out = new File(work, "output.txt");
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        Process p = new ProcessBuilder(java, "-jar", jar.getPath())
                .directory(work)
                .redirectErrorStream(true)
                .redirectOutput(out)
                .start();
        try (OutputStream stdin = p.getOutputStream()) {
            stdin.write("lb -s\n".getBytes(StandardCharsets.UTF_8));
        }
        boolean ended = p.waitFor(60, TimeUnit.SECONDS);
        if (!ended) {
            p.destroyForcibly();
        }
        String output = new String(Files.readAllBytes(out.toPath()), StandardCharsets.UTF_8);
        assertTrue("swap.jar did not stop at end of input within 60 s; output:\n" + output, ended);
        assertEquals("exit status; output:\n" + output, 0, p.exitValue());
        for (String bsn : PLATFORM_BUNDLES) {
            assertTrue(bsn + " not listed active; output:\n" + output,
                    output.matches("(?s).*\\|Active +\\| +\\d+\\|" + bsn.replace(".", "\\.") + " \\(.*"));
        }
        assertTrue("FileInstall's deploy directory not created", new File(work, "deploy").isDirectory());
    }
}

