package dev.gatehouse.server;

import dev.gatehouse.server.pipeline.Problem;
import dev.gatehouse.testkit.RedisNamespace;
import dev.gatehouse.testkit.TestRedis;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What the operations reference (docs/operations.md) promises about errors and metrics, held to what the code
 * produces: a problem type or a meter added without its line there (or a line left after its code went) fails here.
 */
class ReadmeAgreesWithCodeTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @Test
    void theReadmeListsExactlyTheProblemTypesTheCodeAnswersWith() {
        String errors = paragraph("**Errors**");
        errors = errors.substring(errors.indexOf("`urn:gatehouse:problem:`"));
        Set<String> listed = new TreeSet<>();
        Matcher slug = Pattern.compile("`(?:urn:gatehouse:problem:)?([a-z]+(?:-[a-z]+)*)`").matcher(errors);
        while (slug.find()) {
            listed.add(slug.group(1));
        }
        assertThat(listed).containsExactlyInAnyOrderElementsOf(Problem.TYPES);
    }

    @Test
    void everyProblemTheSourcesCreateIsRegisteredAndEveryRegisteredOneIsCreated() {
        // a status then a slug, as Problem.of and the admin API's problem(...) take them
        Set<String> created = matches(Pattern.compile("\\b[1-5][0-9]{2},\\s*\"([a-z]+(?:-[a-z]+)*)\""), "server/src/main/java");
        assertThat(Problem.TYPES).containsExactlyInAnyOrderElementsOf(created);
        Set<String> writtenOut = matches(Pattern.compile("urn:gatehouse:problem:([a-z-]+)\"\\s*\\+?"), "server/src/main/java");
        assertThat(writtenOut).as("problem types written out in code instead of made by Problem.of").isEmpty();
        assertThatThrownBy(() -> Problem.of(400, "made-up", "Made up", "no such type"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'made-up' is not a registered problem type");
    }

    @Test
    void everyMeterANodeRegistersIsInTheReadmesListOfMetricsAndEveryListedOneExists() {
        Set<String> documented = new TreeSet<>();
        Matcher name = Pattern.compile("`(gatehouse_[a-z0-9_]+)(?:\\{[a-z,]*})?`").matcher(paragraph("**Metrics**"));
        while (name.find()) {
            documented.add(name.group(1));
        }
        // what a node serving every kind of route exposes, once each kind of request has passed
        Set<String> scraped = new TreeSet<>();
        try (TestBed bed = new TestBed(); RedisNamespace namespace = TestRedis.newNamespace()) {
            TestUpstream upstream = bed.upstream("svc");
            upstream.handler(r -> r.response().putHeader("cache-control", "max-age=60").end("ok"));
            try (GatewayHarness gateway = GatewayHarness.start(bed.database, """
                    redis: {url: "%s", keyPrefix: "%s"}
                    upstreams:
                      svc: {targets: [{url: "%s"}], healthCheck: {path: /health, interval: 1s}}
                    routes:
                      - {name: cached, match: {prefix: /c}, upstream: svc, cache: {ttl: 30s}, rateLimit: {mode: exact, limits: [1000/min]}}
                      - {name: leased, match: {prefix: /l}, upstream: svc, rateLimit: {mode: leased, tiers: true}}
                      - {name: local, match: {prefix: /o}, upstream: svc, rateLimit: {mode: local, limits: [1000/min]}, auth: {mode: optional}}
                    """.formatted(TestRedis.url(), namespace.prefix(), upstream.url()))) {
                for (String path : new String[]{"/c/1", "/c/1", "/l/1", "/o/1", "/none"}) {
                    gateway.get(path);
                }
                gateway.get("/o/1", "X-API-Key", "gh_live_unknown");
                Set<String> summaries = new TreeSet<>();
                gateway.admin("/metrics").body().lines().filter(l -> l.startsWith("# TYPE gatehouse_")).forEach(line -> {
                    String[] parts = line.split(" ");
                    scraped.add(parts[2]);
                    if (parts[3].equals("summary") || parts[3].equals("histogram")) {
                        summaries.add(parts[2] + "_max"); // Micrometer's companion gauge, part of the documented name
                    }
                });
                scraped.removeAll(summaries);
            }
        }
        assertThat(scraped).as("the run exercised the node").contains("gatehouse_requests_seconds", "gatehouse_cache_l2_available",
                "gatehouse_ratelimit_leases_taken_total", "gatehouse_identity_lookups_in_flight");
        assertThat(documented).as("docs/operations.md's list of metrics").containsAll(scraped);

        // and meters a run may not register (a fault's, a mode's): every one the sources build
        Set<String> declared = new TreeSet<>();
        matches(Pattern.compile("(?:builder|gauge|counter|timer|summary)\\(\\s*\"(gatehouse\\.[a-z0-9.]+)\""), "server/src/main/java")
                .forEach(meter -> declared.add(meter.replace('.', '_')));
        matches(Pattern.compile("(?:builder|gauge|counter|timer|summary)\\(\\s*\"(gatehouse\\.[a-z0-9.]+)\""), "cache/src/main/java")
                .forEach(meter -> declared.add(meter.replace('.', '_')));
        assertThat(declared).as("meters the sources build").allSatisfy(meter -> assertThat(documented)
                .as("docs/operations.md's list of metrics").containsAnyOf(meter, meter + "_total", meter + "_seconds"));
        assertThat(documented).as("listed metrics").allSatisfy(listed -> assertThat(declared)
                .as("meters the sources build").containsAnyOf(listed, listed.replaceFirst("_(total|seconds)$", "")));
    }

    /** The paragraph of docs/operations.md that starts with {@code opening}, up to the next blank line. */
    static String paragraph(String opening) {
        String readme = read(ROOT.resolve("docs/operations.md"));
        int start = readme.indexOf("\n" + opening);
        assertThat(start).as("docs/operations.md has a paragraph starting %s", opening).isPositive();
        int end = readme.indexOf("\n\n", start + 1);
        return readme.substring(start, end < 0 ? readme.length() : end);
    }

    /** Group 1 of every match in the Java sources under {@code dir} (relative to the repository). */
    static Set<String> matches(Pattern pattern, String dir) {
        Set<String> found = new TreeSet<>();
        try (Stream<Path> files = Files.walk(ROOT.resolve(dir))) {
            files.filter(f -> f.toString().endsWith(".java")).forEach(f -> {
                Matcher m = pattern.matcher(read(f));
                while (m.find()) {
                    found.add(m.group(1));
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return found;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
