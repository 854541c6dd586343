package dev.gatehouse.dist;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
        List<ProcessHandle> samples = demo.process().descendants()
                .filter(p -> p.info().commandLine().orElse("").contains("--instance-id")).toList();
        assertThat(samples).hasSize(3);

        demo.process().destroyForcibly();
        assertThat(demo.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(postgres.isAlive()).as("kill -9 leaves the embedded server running").isTrue();
        await("the sample instances end with the demo").atMost(Duration.ofSeconds(10))
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
}
