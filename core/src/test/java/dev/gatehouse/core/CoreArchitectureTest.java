package dev.gatehouse.core;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

class CoreArchitectureTest {

    private final JavaClasses core = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.gatehouse.core");

    @Test
    void coreIsPlainJavaWithoutNetworkFrameworksJdbcOrLogging() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage(
                        "io.vertx..", "io.netty..", "java.sql..", "javax.sql..", "org.slf4j..", "ch.qos.logback..",
                        "java.util.logging..", "org.apache.logging..", "java.net.http..")
                .because("core holds policy as plain Java; the running system lives in server")
                .check(core);
    }

    @Test
    void coreReadsTimeOnlyThroughAnInjectedClock() {
        noClasses().that().resideOutsideOfPackage("dev.gatehouse.core.time")
                .should().callMethod(System.class, "nanoTime")
                .orShould().callMethod(System.class, "currentTimeMillis")
                .because("time is injected so tests can drive it")
                .check(core);
    }
}
