package dev.gatehouse.dist;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The demo started again on the same data directory: after a kill -9, and with the user's edits to its configuration. */
class DemoRestartIT {

    @TempDir
    Path dir;

    private DemoProcess demo;

    @AfterEach
    void stopDemo() throws Exception {
        if (demo != null) {
            demo.stop();
        }
    }

    @Test
    void theDemoStartsAgainAfterItWasKilledWithSignalNine() throws Exception {
        demo = new DemoProcess(dir).start();
        ProcessHandle postgres = demo.postgres().orElseThrow();
        // the three sample instances and the shortener: every service process the demo started
        List<ProcessHandle> samples = demo.process().descendants()
                .filter(p -> p.info().commandLine().orElse("").contains("--instance-id")).toList();
        assertThat(samples).hasSize(4);

        demo.process().destroyForcibly();
        assertThat(demo.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(postgres.isAlive()).as("kill -9 leaves the embedded server running").isTrue();
        await("the demo's service processes end with it").atMost(Duration.ofSeconds(10))
                .until(() -> samples.stream().noneMatch(ProcessHandle::isAlive));

        demo.start();
        assertThat(postgres.isAlive()).as("the server left behind was stopped").isFalse();
        assertThat(demo.status(demo.gateway() + "/api/v1/resources/1")).isEqualTo(200);
    }

    @Test
    void aSecondDemoOnTheSameDataSaysTheFirstIsRunning() throws Exception {
        demo = new DemoProcess(dir).start();
        Process second = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", Path.of("target", "gatehouse.jar").toAbsolutePath().toString(), "demo",
                "--port", "1", "--admin-port", "2", "--sample-ports", "3,4,5", "--data-dir", demo.dataDir.toString())
                .redirectErrorStream(true).start();
        String printed = new String(second.getInputStream().readAllBytes());
        assertThat(second.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(second.exitValue()).isEqualTo(1);
        assertThat(printed).contains("the demo could not start: a node is running on " + demo.dataDir.resolve("postgres")
                + ": stop it or use the admin API").doesNotContain("Exception");
    }

    @Test
    void theDemoKeepsTheUsersEditsToItsConfigurationUnlessToldToResetIt() throws Exception {
        demo = new DemoProcess(dir).start();
        Path config = demo.dataDir.resolve("gatehouse-demo.yaml");
        String written = Files.readString(config);
        String edited = written.replace("""
                  - name: api
                    match: { prefix: /api/v1 }
                """, """
                  - name: api
                    match: { prefix: /api/v1 }
                    responseHeaders: {add: {X-Demo-Edit: kept}}
                """);
        assertThat(edited).as("the route the edit goes into").isNotEqualTo(written);
        Files.writeString(config, edited);
        await("the edit applies while the demo runs").atMost(Duration.ofSeconds(30))
                .until(() -> "kept".equals(demo.header(demo.gateway() + "/api/v1/status", "X-Demo-Edit")));
        demo.stop();

        demo.start();
        assertThat(Files.readString(config)).isEqualTo(edited);
        assertThat(demo.output()).contains("Using " + config + " as an earlier run left it, with any edits (--reset-config writes it afresh).")
                .contains("kept from an earlier run, with your edits");
        assertThat(demo.header(demo.gateway() + "/api/v1/status", "X-Demo-Edit")).isEqualTo("kept");
        demo.stop();

        demo.start("--reset-config");
        assertThat(Files.readString(config)).isEqualTo(written);
        assertThat(demo.header(demo.gateway() + "/api/v1/status", "X-Demo-Edit")).isNull();
    }
}
