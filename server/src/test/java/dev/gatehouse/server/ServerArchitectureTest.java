package dev.gatehouse.server;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import java.util.List;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The shape of {@code server/}: packages in the order a request meets them, a stage never reaching forward
 * to a later one nor back into the listener, routing, admin or commands, and the pipeline depending on no
 * stage built on it. A new filter belongs in a stage package of its own or an existing one, and a line in
 * {@code routing.RouteCompiler}.
 */
class ServerArchitectureTest {

    private static final String SERVER = "dev.gatehouse.server";
    /** The stages of a route's chain, in the order a request meets them. */
    private static final List<String> STAGES = List.of("observe", "logs", "edge", "transform", "auth", "ratelimit", "cache", "upstream", "jobs");
    /** What sits above the stages: it receives requests, builds chains, answers operators, or starts things. */
    private static final String[] ABOVE = {SERVER + ".listener..", SERVER + ".routing..", SERVER + ".admin..", SERVER + ".cli..",
            SERVER + ".config.."};

    private final JavaClasses server = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages(SERVER);

    @Test
    void packagesDependOnEachOtherWithoutCycles() {
        slices().matching(SERVER + ".(*)..").should().beFreeOfCycles().check(server);
    }

    @Test
    void aStageUsesOnlyThePipelineStorageAndTheStagesARequestMeetsBeforeIt() {
        for (int i = 0; i < STAGES.size(); i++) {
            List<String> later = STAGES.subList(i + 1, STAGES.size());
            if (later.isEmpty()) {
                continue;
            }
            noClasses().that().resideInAPackage(SERVER + "." + STAGES.get(i) + "..")
                    .should().dependOnClassesThat().resideInAnyPackage(later.stream().map(p -> SERVER + "." + p + "..").toArray(String[]::new))
                    .because("a request meets " + STAGES.get(i) + " before " + String.join(", ", later))
                    .check(server);
        }
    }

    @Test
    void stagesPipelineAndStorageNeverReachBackIntoWhatDrivesThem() {
        noClasses().that().resideInAnyPackage(stagesAnd("pipeline", "store"))
                .should().dependOnClassesThat().resideInAnyPackage(ABOVE)
                .orShould().dependOnClassesThat().resideInAPackage(SERVER)
                .because("the listener, routing, admin and commands drive the stages, not the other way round")
                .check(server);
    }

    @Test
    void thePipelineDependsOnNoStageBuiltOnIt() {
        noClasses().that().resideInAPackage(SERVER + ".pipeline..")
                .should().dependOnClassesThat().resideInAnyPackage(stagesAnd("store"))
                .because("every stage is built on the pipeline")
                .check(server);
    }

    @Test
    void storageKnowsNothingOfRequests() {
        noClasses().that().resideInAPackage(SERVER + ".store..")
                .should().dependOnClassesThat().resideInAnyPackage(stagesAnd("pipeline"))
                .because("storage is below every stage")
                .check(server);
    }

    @Test
    void timeComesOnlyFromTheInjectedClock() {
        noClasses().should().callMethod(System.class, "nanoTime")
                .orShould().callMethod(System.class, "currentTimeMillis")
                .orShould().callMethod(java.time.Instant.class, "now")
                .orShould().callMethod(java.time.LocalDateTime.class, "now")
                .orShould().callMethod(java.time.OffsetDateTime.class, "now")
                .orShould().callMethod(java.time.ZonedDateTime.class, "now")
                .orShould().callMethod(java.time.Clock.class, "systemUTC")
                .orShould().callMethod(com.github.benmanes.caffeine.cache.Ticker.class, "systemTicker")
                .because("one clock (dev.gatehouse.core.time.Clock, passed in) moves every session, token, lease, cache entry "
                        + "and deadline, so a test can drive them without waiting")
                .check(server);
    }

    private static String[] stagesAnd(String... more) {
        return java.util.stream.Stream.concat(STAGES.stream(), java.util.Arrays.stream(more)).map(p -> SERVER + "." + p + "..")
                .toArray(String[]::new);
    }
}
