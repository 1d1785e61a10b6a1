package swap.core;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import org.junit.Test;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;

/**
 * The layout shows the architecture (docs/design.md, "Layout"): the kernel knows neither OSGi nor
 * any feature, and the packages of swap.core depend on each other one way only:
 *
 * <pre>
 * swap.kernel &lt;- safe &lt;- journal &lt;- trust &lt;- osgi &lt;- {upgrade, service, config, fcm}
 * </pre>
 *
 * where a package uses only those to its left, and the packages of the last group never use each
 * other. There is no package cycle. Checked over the compiled classes of swap.kernel and swap.core.
 */
public class LayeringTest {

    private static final JavaClasses CLASSES = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("swap.kernel", "swap.core");

    @Test
    public void theKernelKnowsNoOsgiAndNoFeature() {
        noClasses().that().resideInAPackage("swap.kernel..").should().dependOnClassesThat().resideInAnyPackage("org.osgi..", "swap.core..")
                .because("the kernel is OSGi-free and features plug into interfaces it owns").check(CLASSES);
    }

    @Test
    public void packagesDependOnEachOtherOneWayOnly() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("kernel").definedBy("swap.kernel..")
                .layer("safe").definedBy("swap.core.safe..")
                .layer("journal").definedBy("swap.core.journal..")
                .layer("trust").definedBy("swap.core.trust..")
                .layer("osgi").definedBy("swap.core.osgi..")
                .layer("upgrade").definedBy("swap.core.upgrade..")
                .layer("service").definedBy("swap.core.service..")
                .layer("config").definedBy("swap.core.config..")
                .layer("fcm").definedBy("swap.core.fcm..")
                .whereLayer("upgrade").mayNotBeAccessedByAnyLayer()
                .whereLayer("service").mayNotBeAccessedByAnyLayer()
                .whereLayer("config").mayNotBeAccessedByAnyLayer()
                .whereLayer("fcm").mayNotBeAccessedByAnyLayer()
                .whereLayer("osgi").mayOnlyBeAccessedByLayers("upgrade", "service", "config", "fcm")
                .whereLayer("trust").mayOnlyBeAccessedByLayers("osgi", "upgrade", "service", "config", "fcm")
                .whereLayer("journal").mayOnlyBeAccessedByLayers("trust", "osgi", "upgrade", "service", "config", "fcm")
                .whereLayer("safe").mayOnlyBeAccessedByLayers("journal", "trust", "osgi", "upgrade", "service", "config", "fcm")
                .check(CLASSES);
    }

    @Test
    public void noPackageCycles() {
        slices().matching("swap.(**)").should().beFreeOfCycles().check(CLASSES);
    }

    @Test
    public void everyClassLivesInALayer() {
        noClasses().should().resideInAPackage("swap.core").because("swap.core's classes live in packages by concern").check(CLASSES);
    }
}
