package dev.gatehouse.server.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code gatehouse check-config} on files (and environments) a user could really have, as the user sees its answer. */
class CheckConfigTest {

    @TempDir
    Path dir;

    private Path file(String yaml) throws IOException {
        Path file = Files.createTempFile(dir, "gatehouse", ".yaml");
        Files.writeString(file, yaml);
        return file;
    }

    private CliRun check(String yaml) throws IOException {
        return CliRun.run("check-config", file(yaml).toString());
    }

    private static final String ROUTED = """
            upstreams:
              api: {targets: [{url: "http://127.0.0.1:3001"}]}
            routes:
              - {name: api, match: {prefix: /api}, upstream: api}
            """;

    @Test
    void everyNumberOutOfRangeIsAProblemNamingItsKeyNeverACrash() throws IOException {
        Path file = file("""
                gateway:
                  port: 99999999999999999999
                  maxBodyBytes: 99999999999999999999
                  requestTimeout: 999999999999999d
                  idleTimeout: 99999999999999999999999ms
                  maxHeaderBytes: 99999999999GiB
                cache: {maxBytes: 99999999999999999999KiB}
                upstreams:
                  api:
                    targets: [{url: "http://127.0.0.1:3001", weight: -99999999999999999999}]
                    breaker: {failureRateThreshold: NaN, slowCallRateThreshold: 1e999}
                routes:
                  - {name: api, match: {prefix: /api}, upstream: api, maxBodyBytes: 99999999999GiB, retries: 1.5}
                """);
        CliRun run = CliRun.run("check-config", file.toString());
        assertThat(run.code()).as(run.err()).isEqualTo(2);
        assertThat(run.err()).doesNotContain("Exception", "\tat ")
                .contains(file + ": gateway.port: must be between 0 and 65535, got 99999999999999999999",
                        file + ": gateway.maxBodyBytes: must be between 0 and 1099511627776 bytes, got 99999999999999999999",
                        file + ": gateway.requestTimeout: must be between 1ms and 24h, got 999999999999999d",
                        file + ": gateway.idleTimeout: must be between 1s and 24h, got 99999999999999999999999ms",
                        file + ": gateway.maxHeaderBytes: must be between 1024 and 1048576 bytes, got 99999999999GiB (107374182398926258176 bytes)",
                        file + ": cache.maxBytes: must be between 1048576 and 1099511627776 bytes, got 99999999999999999999KiB (102399999999999999998976 bytes)",
                        file + ": upstreams.api.targets[0].weight: must be between 1 and 1000, got -99999999999999999999",
                        file + ": upstreams.api.breaker.failureRateThreshold: must be between 1.0 and 100.0, got 'NaN'",
                        file + ": upstreams.api.breaker.slowCallRateThreshold: must be between 1.0 and 100.0, got 'Infinity'",
                        file + ": routes[0].maxBodyBytes: must be between 0 and 1099511627776 bytes, got 99999999999GiB (107374182398926258176 bytes)",
                        file + ": routes[0].retries: must be a whole number, got '1.5'");
    }

    @Test
    void aNumberOutOfRangeFromTheEnvironmentIsAProblemNeverACrash() throws Exception {
        Path file = file(ROUTED);
        CliRun run = CliProcess.run(Map.of("GATEHOUSE_GATEWAY_MAX_BODY_BYTES", "99999999999999999999",
                "GATEHOUSE_GATEWAY_REQUEST_TIMEOUT", "999999999999999d", "GATEHOUSE_STORAGE_POSTGRES_POOL_SIZE", "99999999999999999999"),
                dir, "check-config", file.toString());
        assertThat(run.code()).as(run.out()).isEqualTo(2);
        assertThat(run.out()).doesNotContain("Exception", "\tat ")
                .contains("gateway.maxBodyBytes", "must be between 0 and 1099511627776 bytes, got 99999999999999999999")
                .contains("gateway.requestTimeout", "must be between 1ms and 24h, got 999999999999999d")
                .contains("storage.postgres.poolSize", "must be between 1 and 1000, got 99999999999999999999");
    }
}
