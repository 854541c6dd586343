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

    @Test
    void theAdminListenerOnTheGatewaysSocketIsRefused() throws IOException {
        Path same = file("gateway: {host: 127.0.0.1, port: 8080}\nadmin: {host: 127.0.0.1, port: 8080}\n" + ROUTED);
        CliRun run = CliRun.run("check-config", same.toString());
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).contains(same + ": admin.port: is 8080, as gateway.port, and admin.host 127.0.0.1 overlaps gateway.host 127.0.0.1: "
                + "the admin listener needs a port of its own");

        Path anyAddress = file("admin: {port: 8080}\n" + ROUTED);
        assertThat(CliRun.run("check-config", anyAddress.toString()).err())
                .as("the gateway's default 0.0.0.0 takes 127.0.0.1's connections too")
                .contains(anyAddress + ": admin.port: is 8080, as gateway.port, and admin.host 127.0.0.1 overlaps gateway.host 0.0.0.0");
        Path localhost = file("gateway: {host: localhost, port: 9000}\nadmin: {port: 9000}\n" + ROUTED);
        assertThat(CliRun.run("check-config", localhost.toString()).code()).isEqualTo(2);

        assertThat(check("gateway: {port: 0}\nadmin: {port: 0}\n" + ROUTED).code()).as("port 0: each gets a free port of its own").isZero();
        assertThat(check("gateway: {host: 127.0.0.1, port: 9000}\nadmin: {host: 127.0.0.2, port: 9000}\n" + ROUTED).code())
                .as("two addresses, two sockets").isZero();
    }

    @Test
    void aKeyGivenTwiceIsRefusedNamingFileAndKey() throws IOException {
        Path routesTwice = file(ROUTED + """
                routes:
                  - {name: other, match: {prefix: /other}, upstream: api}
                """);
        CliRun run = CliRun.run("check-config", routesTwice.toString());
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).contains(routesTwice + ": routes: is given twice in one mapping (again at line 5); "
                + "the second would replace the first: merge them into one");

        Path nested = file("gateway:\n  port: 8080\n  requestTimeout: 5s\n  port: 9090\n" + ROUTED);
        assertThat(CliRun.run("check-config", nested.toString()).err()).contains(nested + ": gateway.port: is given twice");
        Path inAList = file("""
                upstreams:
                  api: {targets: [{url: "http://127.0.0.1:3001"}]}
                routes:
                  - {name: a, match: {prefix: /a}, upstream: api}
                  - name: b
                    match: {prefix: /b, methods: [GET], prefix: /c}
                    upstream: api
                """);
        assertThat(CliRun.run("check-config", inAList.toString()).err()).contains(inAList + ": routes[1].match.prefix: is given twice");
    }
}
