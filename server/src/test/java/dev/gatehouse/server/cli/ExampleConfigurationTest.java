package dev.gatehouse.server.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code gatehouse.example.yaml} does what its header says: copy it to gatehouse.yaml, check it, serve it; and the
 * README's configuration example is a valid file as printed.
 */
class ExampleConfigurationTest {

    private static final Pattern SERVING = Pattern.compile("serving .*? on [^:\\s]+:(\\d+) \\(admin");

    @Test
    void aNodeServesFromTheExampleFileCopiedAsItIs(@TempDir Path dir) throws Exception {
        Files.copy(Path.of("..", "gatehouse.example.yaml"), dir.resolve("gatehouse.yaml"));
        CliRun check = CliProcess.run(Map.of(), dir, "check-config", dir.resolve("gatehouse.yaml").toString());
        assertThat(check.code()).as(check.out()).isZero();
        assertThat(check.out()).doesNotContain("warning");

        // as written, in the directory it was copied to; only the ports are moved off 8080/8081, which tests must not take
        Path output = dir.resolve("node.out");
        Process node = CliProcess.start(dir, Map.of("GATEHOUSE_GATEWAY_PORT", "0", "GATEHOUSE_ADMIN_PORT", "0", "GATEHOUSE_LOG_LEVEL", "INFO"),
                output, "serve", "--config", "gatehouse.yaml");
        try {
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
                    .failFast("the node exited", () -> assertThat(node.isAlive()).as(Files.readString(output)).isTrue())
                    .until(() -> SERVING.matcher(Files.readString(output)).find());
            Matcher serving = SERVING.matcher(Files.readString(output));
            assertThat(serving.find()).isTrue();
            HttpResponse<String> ready = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + serving.group(1) + "/health/ready")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
            assertThat(dir.resolve("data").resolve("postgres").resolve("PG_VERSION")).as("the embedded database, under ./data").exists();
        } finally {
            node.destroy();
            assertThat(node.waitFor(60, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void theReadmesConfigurationExampleIsAValidFileAsPrinted(@TempDir Path dir) throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        String section = readme.substring(readme.indexOf("## Configuration"));
        Matcher block = Pattern.compile("```yaml\n(.*?)```", Pattern.DOTALL).matcher(section);
        assertThat(block.find()).as("the README's configuration section has a YAML example").isTrue();
        Files.writeString(dir.resolve("gatehouse.yaml"), block.group(1));
        CliRun check = CliProcess.run(Map.of(), dir, "check-config", dir.resolve("gatehouse.yaml").toString());
        assertThat(check.code()).as(check.out()).isZero();
        assertThat(check.out()).doesNotContain("warning");
    }
}
