package dev.gatehouse.core.config;

import dev.gatehouse.core.ratelimit.RateLimit;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class JobsConfigTest {

    private static Map<String, Object> thirdParty(Map<String, Object> quota) {
        return Map.of("targets", List.of(Map.of("url", "https://api.example.com")), "quota", quota);
    }

    private static Map<String, Object> asyncRoute(String name, String upstream, Map<String, Object> async) {
        return Map.of("name", name, "match", Map.of("prefix", "/" + name), "upstream", upstream, "auth", Map.of("mode", "required"),
                "async", async);
    }

    private static GatewayConfig read(Map<String, Object> tree) throws InvalidConfigException {
        return GatewayConfigReader.read(tree, "gatehouse.yaml", name -> null);
    }

    private static List<String> problems(Object tree) {
        InvalidConfigException e = catchThrowableOfType(InvalidConfigException.class,
                () -> GatewayConfigReader.read(tree, "gatehouse.yaml", name -> null));
        assertThat(e).as("expected the configuration to be refused").isNotNull();
        return e.problems().stream().map(ConfigProblem::toString).toList();
    }

    @Test
    void readsAnAsyncRouteItsQueueAndItsUpstreamsQuota() throws InvalidConfigException {
        GatewayConfig config = read(Map.of(
                "upstreams", Map.of("gemini", thirdParty(Map.of("limits", List.of("1000/min", "50000/hour", "500000/day", "100/10s"), "target", "90%"))),
                "routes", List.of(asyncRoute("generate", "gemini", Map.of("queue", "gemini", "contentTypes", List.of("application/json"),
                        "maxBodyBytes", "64KiB"))),
                "jobs", Map.of("statusPath", "/jobs", "queues", Map.of("gemini", Map.of("workers", 20, "backoff", List.of("1s", "10s", "1m"),
                        "jitter", "10%", "timeout", "5s", "lease", "20s")))));
        RouteConfig route = config.routes().get(0);
        assertThat(route.async().queue()).isEqualTo("gemini");
        assertThat(route.async().maxBodyBytes()).isEqualTo(64 * 1024);
        assertThat(route.async().accepts("application/json; charset=utf-8")).isTrue();
        assertThat(route.async().accepts("text/plain")).isFalse();
        assertThat(route.async().accepts(null)).isFalse();
        QuotaConfig quota = config.upstreams().get("gemini").quota();
        assertThat(quota.limits()).containsExactly(RateLimit.parse("1000/min"), RateLimit.parse("50000/hour"), RateLimit.parse("500000/day"),
                new RateLimit(100, Duration.ofSeconds(10)));
        assertThat(quota.target()).isEqualTo(0.9);
        QueueConfig queue = config.jobs().queue("gemini");
        assertThat(queue.workers()).isEqualTo(20);
        assertThat(queue.backoff()).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ofMinutes(1));
        assertThat(queue.attempts()).isEqualTo(4);
        assertThat(queue.jitter()).isEqualTo(0.1);
        assertThat(config.jobs().statusPath()).isEqualTo("/jobs");
        assertThat(config.queueUpstreams()).containsExactly(Map.entry("gemini", "gemini"));
    }

    @Test
    void aQueueNoEntryDescribesTakesTheSeedsRetriesFiveAndFifteenMinutesApart() throws InvalidConfigException {
        GatewayConfig config = read(Map.of("upstreams", Map.of("api", thirdParty(Map.of("limits", List.of("60/min")))),
                "routes", List.of(asyncRoute("generate", "api", Map.of("queue", "generate")))));
        QueueConfig queue = config.jobs().queue("generate");
        assertThat(queue.backoff()).containsExactly(Duration.ofMinutes(5), Duration.ofMinutes(15));
        assertThat(queue.attempts()).isEqualTo(3);
        assertThat(config.upstreams().get("api").quota().target()).isEqualTo(QuotaConfig.DEFAULT_TARGET);
        assertThat(config.routes().get(0).async().contentTypes()).as("any body").isEmpty();
    }

    @Test
    void refusesWhatWouldLoseOrMisrouteJobsNamingFileAndKey() {
        List<String> problems = problems(Map.of(
                "upstreams", Map.of("a", thirdParty(Map.of("limits", List.of("1/min", "ten/min"), "target", "100%", "pace", "fast")),
                        "b", Map.of("targets", List.of(Map.of("url", "http://127.0.0.1:1")))),
                "routes", List.of(
                        Map.of("name", "open", "match", Map.of("prefix", "/open"), "upstream", "a", "async", Map.of("queue", "q")),
                        asyncRoute("one", "a", Map.of("queue", "shared")),
                        asyncRoute("two", "b", Map.of("queue", "shared")),
                        asyncRoute("three", "b", Map.of("queue", "other", "contentTypes", List.of("json")))),
                "jobs", Map.of("queues", Map.of("sahred", Map.of("timeout", "1m", "lease", "30s", "backoff", List.of("soon")),
                        "Bad Name", Map.of()))));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("routes[0].async").contains("needs auth"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("upstreams.a.quota.limits").contains("'1/min' leaves no margin"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("upstreams.a.quota.limits").contains("'ten/min'"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("upstreams.a.quota.target").contains("between 1% and 99%"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("upstreams.a.quota.pace").contains("unknown key"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("routes[3].async.contentTypes").contains("'json' is not a media type"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("routes:").contains("'one' and 'two' both send jobs to queue 'shared'"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("jobs.queues.sahred").contains("no route sends jobs to it")
                .contains("did you mean 'shared'"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("jobs.queues.sahred.lease").contains("must be longer than timeout (1m)"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("jobs.queues.sahred.backoff").contains("'soon'"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("jobs.queues.Bad Name").contains("lower-case"));
    }

    @Test
    void anAsyncRouteTakesNoCacheNorWebSocket() {
        List<String> problems = problems(Map.of("upstreams", Map.of("a", thirdParty(Map.of("limits", List.of("60/min")))),
                "routes", List.of(Map.of("name", "gen", "match", Map.of("prefix", "/gen"), "upstream", "a", "auth", Map.of("mode", "required"),
                        "async", Map.of("queue", "gen"), "cache", Map.of("ttl", "10s")))));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("routes[0].cache").contains("does not apply to an async route"));
    }
}
