package dev.kdumpbridge;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The layering of design.md: data flows up from dump to the front ends, and a layer never knows
 * the ones above it. Rules allow empty packages so they hold while layers are still being
 * written.
 */
@AnalyzeClasses(packages = "dev.kdumpbridge", importOptions = ArchitectureTest.MainClassesOnly.class)
class ArchitectureTest {
    /**
     * ArchUnit's own DoNotIncludeTests only knows target/test-classes; the pom's buildDirectory
     * property moves it, so any test-classes directory is left out.
     */
    static final class MainClassesOnly implements ImportOption {
        @Override
        public boolean includes(Location location) {
            return !location.contains("/test-classes/");
        }
    }


    private static final String DUMP = "dev.kdumpbridge.dump..";
    private static final String MEMORY = "dev.kdumpbridge.memory..";
    private static final String KERNEL = "dev.kdumpbridge.kernel..";
    private static final String ARCH = "dev.kdumpbridge.arch..";
    private static final String TARGET = "dev.kdumpbridge.target..";
    private static final String GDB = "dev.kdumpbridge.gdb..";
    private static final String DAP = "dev.kdumpbridge.dap..";
    private static final String CLI = "dev.kdumpbridge.cli..";
    private static final String REPORT = "dev.kdumpbridge.report..";
    private static final String DUMPTARGET = "dev.kdumpbridge.dumptarget..";

    @ArchTest
    static final ArchRule dumpKnowsNoLayerAbove = noClasses()
        .that().resideInAPackage(DUMP)
        .should().dependOnClassesThat().resideInAnyPackage(MEMORY, KERNEL, ARCH, TARGET, GDB, DAP, CLI)
        .allowEmptyShould(true);

    /** Page-table walkers come from arch through an interface that memory owns. */
    @ArchTest
    static final ArchRule memoryKnowsOnlyDump = noClasses()
        .that().resideInAPackage(MEMORY)
        .should().dependOnClassesThat().resideInAnyPackage(KERNEL, ARCH, TARGET, GDB, DAP, CLI)
        .allowEmptyShould(true);

    @ArchTest
    static final ArchRule kernelKnowsNoFrontEnd = noClasses()
        .that().resideInAPackage(KERNEL)
        .should().dependOnClassesThat().resideInAnyPackage(TARGET, GDB, DAP, CLI)
        .allowEmptyShould(true);

    /** Reports describe the kernel model for the CLI and monitor commands alike. */
    @ArchTest
    static final ArchRule reportKnowsNoFrontEnd = noClasses()
        .that().resideInAPackage(REPORT)
        .should().dependOnClassesThat().resideInAnyPackage(TARGET, DUMPTARGET, GDB, DAP, CLI)
        .allowEmptyShould(true);

    @ArchTest
    static final ArchRule targetKnowsNoFrontEnd = noClasses()
        .that().resideInAPackage(TARGET)
        .should().dependOnClassesThat().resideInAnyPackage(GDB, DAP, CLI)
        .allowEmptyShould(true);

    @ArchTest
    static final ArchRule gdbDoesNotKnowDap = noClasses()
        .that().resideInAPackage(GDB)
        .should().dependOnClassesThat().resideInAPackage(DAP)
        .allowEmptyShould(true);

    @ArchTest
    static final ArchRule dapDoesNotKnowGdb = noClasses()
        .that().resideInAPackage(DAP)
        .should().dependOnClassesThat().resideInAPackage(GDB)
        .allowEmptyShould(true);

    @ArchTest
    static final ArchRule onlyCliKnowsCli = noClasses()
        .that().resideOutsideOfPackage(CLI)
        .should().dependOnClassesThat().resideInAPackage(CLI)
        .allowEmptyShould(true);

    /** Catches a cycle the rules above leave open, such as kernel and arch using each other. */
    @ArchTest
    static final ArchRule layersHaveNoCycles = slices()
        .matching("dev.kdumpbridge.(*)..")
        .should().beFreeOfCycles()
        .allowEmptyShould(true);
}
