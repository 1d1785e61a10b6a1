package swap.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;

import java.io.File;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;

/** The distribution boots: every bundle active, the runtime services present. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class PlatformIT extends PlatformTestSupport {

    @Test
    public void everyDistributionBundleIsActive() {
        int found = 0;
        for (File f : distributionBundles()) {
            Bundle b = context.getBundle("file:" + f.getAbsolutePath());
            assertNotNull(f.getName() + " is not installed", b);
            boolean fragment = b.getHeaders().get(org.osgi.framework.Constants.FRAGMENT_HOST) != null;
            assertEquals(b.getSymbolicName() + " (" + f.getName() + ")", fragment ? "RESOLVED" : "ACTIVE", state(b));
            found++;
        }
        assertEquals(distributionBundles().size(), found);
    }

    @Test
    public void everyPlatformBundleIsActive() {
        for (String bsn : PLATFORM_BUNDLES) {
            assertEquals(bsn, "ACTIVE", state(installedBundle(bsn)));
        }
    }

    @Test
    public void runtimeServicesArePresent() throws InterruptedException {
        awaitService("org.osgi.service.component.runtime.ServiceComponentRuntime", 5000);
        awaitService("org.osgi.service.cm.ConfigurationAdmin", 5000);
        awaitService("org.osgi.service.event.EventAdmin", 5000);
        awaitService("org.osgi.service.metatype.MetaTypeService", 5000);
        awaitService("org.osgi.service.log.LoggerFactory", 5000);
    }
}
