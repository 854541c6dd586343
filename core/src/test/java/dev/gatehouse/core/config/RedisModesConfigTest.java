package dev.gatehouse.core.config;

import dev.gatehouse.core.config.RedisConfig.Mode;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class RedisModesConfigTest {

    private static GatewayConfig read(Map<String, Object> redis) throws InvalidConfigException {
        return GatewayConfigReader.read(Map.of("redis", redis), "gatehouse.yaml", name -> null);
    }

    private static List<String> problems(Map<String, Object> redis) {
        InvalidConfigException e = catchThrowableOfType(InvalidConfigException.class, () -> read(redis));
        assertThat(e).as("expected the configuration to be refused").isNotNull();
        assertThat(e.getMessage()).contains("gatehouse.yaml");
        return e.problems().stream().map(ConfigProblem::toString).toList();
    }

    @Test
    void aClusterIsReachedThroughItsSeedNodes() throws InvalidConfigException {
        RedisConfig redis = read(Map.of("mode", "cluster", "nodes", List.of("redis://10.0.0.1:6379", "redis://10.0.0.2:6379"))).redis();
        assertThat(redis.mode()).isEqualTo(Mode.CLUSTER);
        assertThat(redis.enabled()).as("a cluster needs no url").isTrue();
        assertThat(redis.endpoints()).containsExactly("redis://10.0.0.1:6379", "redis://10.0.0.2:6379");
    }

    @Test
    void sentinelsNameTheMasterTheyWatch() throws InvalidConfigException {
        RedisConfig redis = read(Map.of("mode", "sentinel", "sentinels", List.of("redis://:secret@10.0.0.1:26379"), "masterName", "gh")).redis();
        assertThat(redis.mode()).isEqualTo(Mode.SENTINEL);
        assertThat(redis.masterName()).isEqualTo("gh");
        assertThat(redis.endpoints()).containsExactly("redis://:secret@10.0.0.1:26379");
        assertThat(redis.toString()).as("a password never reaches a log").doesNotContain("secret");
    }

    @Test
    void aStandaloneUrlStaysTheDefault() throws InvalidConfigException {
        RedisConfig redis = read(Map.of("url", "redis://127.0.0.1:6379")).redis();
        assertThat(redis.mode()).isEqualTo(Mode.STANDALONE);
        assertThat(redis.endpoints()).containsExactly("redis://127.0.0.1:6379");
    }

    @Test
    void mistakesNameTheKey() {
        assertThat(problems(Map.of("mode", "replicated"))).contains("redis.mode: must be one of standalone, cluster, sentinel, got 'replicated'");
        assertThat(problems(Map.of("mode", "cluster"))).anyMatch(p -> p.startsWith("redis.nodes: is required in cluster mode"));
        assertThat(problems(Map.of("mode", "cluster", "nodes", List.of("10.0.0.1:6379"), "url", "redis://10.0.0.1:6379")))
                .contains("redis.nodes: must start with redis:// or rediss://, got '10.0.0.1:6379'",
                        "redis.url: does not apply in cluster mode (redis.mode)");
        assertThat(problems(Map.of("mode", "sentinel", "sentinels", List.of("redis://10.0.0.1:26379"))))
                .anyMatch(p -> p.startsWith("redis.masterName: is required in sentinel mode"));
        assertThat(problems(Map.of("url", "redis://127.0.0.1:6379", "nodes", List.of("redis://10.0.0.1:6379"))))
                .contains("redis.nodes: does not apply in standalone mode (redis.mode)");
        assertThat(problems(Map.of("mode", "cluster", "nodes", List.of("redis://10.0.0.1:6379"), "keyPrefix", "{gh}:")))
                .contains("redis.keyPrefix: must not contain '{' or '}', got '{gh}:'");
    }
}
