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

    @Test
    void misspeltKeysInsideRoutesAndOtherNestedItemsGetASuggestion() throws IOException {
        Path file = file("""
                upstreams:
                  api:
                    targets: [{url: "http://127.0.0.1:3001", wieght: 2}]
                    helthCheck: {path: /health}
                    breaker: {windw: 20}
                routes:
                  - name: a
                    match: {prefx: /a, methds: [GET]}
                    upstream: api
                    ratelimit: {tiers: true}
                    cahce: {ttl: 10s}
                    auth: {mod: required}
                  - name: b
                    match: {prefix: /b}
                    upstream: api
                    rateLimit: {limts: [10/s], mode: local}
                    cache: {tll: 10s}
                    requestHeaders: {sett: {X-A: b}}
                """);
        CliRun run = CliRun.run("check-config", file.toString());
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).contains(
                file + ": upstreams.api.targets[0].wieght: unknown key; did you mean 'weight'?",
                file + ": upstreams.api.helthCheck: unknown key; did you mean 'healthCheck'?",
                file + ": upstreams.api.breaker.windw: unknown key; did you mean 'window'?",
                file + ": routes[0].match.prefx: unknown key; did you mean 'prefix'?",
                file + ": routes[0].match.methds: unknown key; did you mean 'methods'?",
                file + ": routes[0].ratelimit: unknown key; did you mean 'rateLimit'?",
                file + ": routes[0].cahce: unknown key; did you mean 'cache'?",
                file + ": routes[0].auth.mod: unknown key; did you mean 'mode'?",
                file + ": routes[1].rateLimit.limts: unknown key; did you mean 'limits'?",
                file + ": routes[1].cache.tll: unknown key; did you mean 'ttl'?",
                file + ": routes[1].requestHeaders.sett: unknown key; did you mean 'set'?");
    }

    @Test
    void anEmptyFileIsWarnedOf() throws IOException {
        for (String empty : new String[]{"", "# nothing here yet\n"}) {
            Path file = file(empty);
            CliRun run = CliRun.run("check-config", file.toString());
            assertThat(run.code()).as(run.err()).isZero();
            assertThat(run.err()).contains("warning: " + file + ": the file is empty: every setting takes its default and, with no route, "
                    + "the gateway answers every request with 404");
            assertThat(run.out()).contains(file + " is valid with 1 warning: 0 route(s)");
        }
    }

    @Test
    void aMisspeltEnvironmentVariableIsWarnedOfByName() throws Exception {
        Path file = file(ROUTED);
        CliRun run = CliProcess.run(Map.of("GATEHOUSE_GATEWAY_PROT", "9090", "GATEHOUSE_ROUTES_0_NAME", "x"), dir, "check-config", file.toString());
        assertThat(run.code()).as(run.out()).isZero();
        assertThat(run.out()).contains(
                "warning: environment variable GATEHOUSE_GATEWAY_PROT: matches no configuration key and is ignored; did you mean GATEHOUSE_GATEWAY_PORT?",
                "warning: environment variable GATEHOUSE_ROUTES_0_NAME: matches no configuration key and is ignored (keys inside routes and "
                        + "upstreams, and in blocks the file leaves out, cannot be set this way)",
                file + " is valid with 2 warnings");
    }

    @Test
    void aBadEnvironmentVariableIsNamedRatherThanReportedAsALineOfTheFile() throws Exception {
        Path file = file(ROUTED);
        CliRun run = CliProcess.run(Map.of("GATEHOUSE_GATEWAY_PORT", "http", "GATEHOUSE_ADMIN_PORT", "8080"), dir, "check-config", file.toString());
        assertThat(run.code()).as(run.out()).isEqualTo(2);
        assertThat(run.out()).contains("environment variable GATEHOUSE_GATEWAY_PORT (gateway.port): must be a whole number, got 'http'",
                        "environment variable GATEHOUSE_ADMIN_PORT (admin.port): is 8080, as gateway.port")
                .doesNotContain(file + ": gateway.port", file + ": admin.port");
    }

    @Test
    void aNodeLogsTheWarningsOfItsConfiguration() throws Exception {
        try (dev.gatehouse.testkit.TestDatabase database = dev.gatehouse.testkit.TestPostgres.newDatabase()) {
            Path file = file("storage: {postgres: {url: \"" + database.jdbcUrl() + "\"}}\ngateway: {port: 0}\nadmin: {port: 0}\n" + ROUTED);
            Path output = dir.resolve("node.out");
            Process node = CliProcess.start(Map.of("GATEHOUSE_GATEWAY_PROT", "9090", "GATEHOUSE_LOG_LEVEL", "INFO"), output,
                    "serve", "--config", file.toString());
            try {
                org.awaitility.Awaitility.await().atMost(java.time.Duration.ofMinutes(1))
                        .failFast("the node exited", () -> !node.isAlive())
                        .untilAsserted(() -> assertThat(Files.readString(output)).contains(" (admin ")
                                .contains("environment variable GATEHOUSE_GATEWAY_PROT: matches no configuration key and is ignored; "
                                        + "did you mean GATEHOUSE_GATEWAY_PORT?"));
            } finally {
                node.destroy();
                node.waitFor();
            }
        }
    }
}
