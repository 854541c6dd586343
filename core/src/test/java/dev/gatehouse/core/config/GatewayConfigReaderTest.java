package dev.gatehouse.core.config;

import dev.gatehouse.core.cache.CachePolicy;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class GatewayConfigReaderTest {

    private static Map<String, Object> upstream() {
        return Map.of("targets", List.of(Map.of("url", "http://127.0.0.1:3001"), Map.of("url", "http://127.0.0.1:3002", "weight", 3)));
    }

    private static Map<String, Object> minimal() {
        return Map.of("upstreams", Map.of("api", upstream()),
                "routes", List.of(Map.of("name", "api", "match", Map.of("prefix", "/api"), "upstream", "api")));
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
    void anEmptyFileGivesSafeDefaults() throws InvalidConfigException {
        GatewayConfig config = read(null);
        assertThat(config.gateway().port()).isEqualTo(8080);
        assertThat(config.admin().host()).as("admin stays on loopback unless told otherwise").isEqualTo("127.0.0.1");
        assertThat(config.admin().port()).isEqualTo(8081);
        assertThat(config.storage().embedded()).isTrue();
        assertThat(config.redis().enabled()).isFalse();
        assertThat(config.gateway().trustedProxies()).isEmpty();
        assertThat(config.gateway().transport()).as("the fastest network I/O the machine allows").isEqualTo(GatewayListenerConfig.Transport.AUTO);
        assertThat(config.routes()).isEmpty();
    }

    @Test
    void readsRoutesUpstreamsAndTheirSettings() throws InvalidConfigException {
        GatewayConfig config = read(Map.of(
                "gateway", Map.of("maxBodyBytes", "1MiB", "requestTimeout", "2s"),
                "upstreams", Map.of("api", Map.of("balancer", "round-robin", "targets", List.of(Map.of("url", "http://10.0.0.5:8000", "weight", 2)),
                        "healthCheck", Map.of("path", "/ready", "interval", "250ms"),
                        "breaker", Map.of("openWait", "1m", "minimumCalls", 5))),
                "routes", List.of(Map.of("name", "users", "upstream", "api",
                        "match", Map.of("template", "/api/users/{id}", "methods", List.of("get", "PUT")),
                        "rewrite", "/users/{id}", "requestTimeout", "500ms", "retries", 0,
                        "requestHeaders", Map.of("set", Map.of("X-Env", "prod"), "remove", List.of("Cookie"))))));

        assertThat(config.gateway().maxBodyBytes()).isEqualTo(1024 * 1024);
        UpstreamConfig api = config.upstreams().get("api");
        assertThat(api.balancer()).isEqualTo(dev.gatehouse.core.balance.BalancerType.ROUND_ROBIN);
        assertThat(api.targets()).containsExactly(new TargetConfig("http", "10.0.0.5", 8000, 2));
        assertThat(api.healthCheck().interval()).isEqualTo(Duration.ofMillis(250));
        assertThat(api.breaker().openWait()).isEqualTo(Duration.ofMinutes(1));
        RouteConfig users = config.routes().get(0);
        assertThat(users.rule().methods()).containsExactlyInAnyOrder("GET", "PUT");
        assertThat(users.requestTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(users.maxBodyBytes()).as("inherits the gateway default").isEqualTo(1024 * 1024);
        assertThat(users.rewrite().apply("/api/users/7", Map.of("id", "7"))).isEqualTo("/users/7");
        assertThat(users.requestHeaders().set()).containsEntry("X-Env", "prod");
    }

    @Test
    void environmentVariablesOverrideKeysByName() throws InvalidConfigException {
        Map<String, String> env = Map.of("GATEHOUSE_GATEWAY_PORT", "9090", "GATEHOUSE_STORAGE_POSTGRES_URL", "jdbc:postgresql://db:5432/gh",
                "GATEHOUSE_GATEWAY_MAX_HEADER_BYTES", "32KiB");
        GatewayConfig config = GatewayConfigReader.read(minimal(), "gatehouse.yaml", env::get);
        assertThat(config.gateway().port()).isEqualTo(9090);
        assertThat(config.gateway().maxHeaderBytes()).isEqualTo(32 * 1024);
        assertThat(config.storage().url()).isEqualTo("jdbc:postgresql://db:5432/gh");
        assertThat(ConfigNode.environmentName("storage.postgres.poolSize")).isEqualTo("GATEHOUSE_STORAGE_POSTGRES_POOL_SIZE");
    }

    @Test
    void everyProblemIsReportedWithItsKey() {
        List<String> problems = problems(Map.of(
                "gateway", Map.of("prot", 8080, "requestTimeout", "soon", "transport", "kqueue"),
                "upstreams", Map.of("api", Map.of("targets", List.of(Map.of("url", "ftp://x")))),
                "routes", List.of(
                        Map.of("name", "a", "upstream", "apii", "match", Map.of("prefix", "/a")),
                        Map.of("name", "b", "upstream", "api", "match", Map.of("exact", "/b"), "stripPrefix", true),
                        Map.of("name", "c", "upstream", "api", "match", Map.of("prefix", "/c", "exact", "/c")),
                        Map.of("name", "d", "upstream", "api", "match", Map.of("template", "/d/{id}"), "rewrite", "/x/{other}"),
                        Map.of("name", "a", "upstream", "api", "match", Map.of("prefix", "/e", "methods", List.of("FETCH"))),
                        Map.of("name", "f", "upstream", "api", "match", Map.of("prefix", "/f"), "maxHeaderBytes", "1MiB"))));

        assertThat(problems).contains(
                "gateway.prot: unknown key; did you mean 'port'?",
                "gateway.requestTimeout: must be a duration such as 250ms, 5s, 1m or 1h, got 'soon'",
                "gateway.transport: must be one of auto, io_uring, epoll, nio, got 'kqueue'",
                "upstreams.api.targets[0].url: must be an http:// or https:// URL such as http://127.0.0.1:3001, got 'ftp://x'",
                "routes[0].upstream: no upstream named 'apii'; defined: api",
                "routes[1].stripPrefix: only applies to a route matched by prefix",
                "routes[2].match: has prefix and exact; give exactly one",
                "routes[3].rewrite: uses {other} but the route's match does not capture it",
                "routes[4].name: route 'a' is defined twice",
                "routes[5].maxHeaderBytes: must not exceed gateway.maxHeaderBytes (16384): the listener refuses larger header blocks before any route is chosen");
        assertThat(problems).anyMatch(p -> p.startsWith("routes[4].match.methods: 'FETCH' is not an HTTP method"));
    }

    @Test
    void readsARouteRateLimit() throws InvalidConfigException {
        GatewayConfig config = read(Map.of(
                "redis", Map.of("url", "redis://127.0.0.1:6379"),
                "upstreams", Map.of("api", upstream()),
                "routes", List.of(Map.of("name", "api", "match", Map.of("prefix", "/api"), "upstream", "api",
                        "rateLimit", Map.of("algorithm", "sliding-log", "limits", List.of("10/s", "100/min"), "onRedisFailure", "closed")))));
        RateLimitConfig limit = config.routes().get(0).rateLimit();
        assertThat(limit.algorithm()).isEqualTo(dev.gatehouse.core.ratelimit.Algorithm.SLIDING_LOG);
        assertThat(limit.limits()).containsExactly(dev.gatehouse.core.ratelimit.RateLimit.perSecond(10), dev.gatehouse.core.ratelimit.RateLimit.perMinute(100));
        assertThat(limit.exact()).as("exact is the default with Redis").isTrue();
        assertThat(limit.failOpen()).isFalse();
    }

    @Test
    void readsARouteCacheWithItsStaleWindows() throws InvalidConfigException {
        GatewayConfig config = read(Map.of(
                "cache", Map.of("maxBytes", "8MiB", "l1Ttl", "2s", "redis", false),
                "upstreams", Map.of("api", upstream()),
                "routes", List.of(Map.of("name", "api", "match", Map.of("prefix", "/api"), "upstream", "api",
                        "cache", Map.of("ttl", "1m", "staleWhileRevalidate", "30s", "staleIfError", "10m")))));
        assertThat(config.cache().maxBytes()).isEqualTo(8L * 1024 * 1024);
        assertThat(config.cache().l1Ttl()).isEqualTo(Duration.ofSeconds(2));
        assertThat(config.cache().redis()).isFalse();
        CachePolicy policy = config.routes().get(0).cache().policy();
        assertThat(policy.defaultTtl()).isEqualTo(Duration.ofMinutes(1));
        assertThat(policy.staleWhileRevalidate()).isEqualTo(Duration.ofSeconds(30));
        assertThat(policy.staleIfError()).isEqualTo(Duration.ofMinutes(10));
        assertThat(policy.maxStale()).as("defaults to the longer stale window").isEqualTo(Duration.ofMinutes(10));
    }

    @Test
    void adminViewsAreOffByDefaultAndTheirMistakesAreNamed() throws InvalidConfigException {
        assertThat(read(minimal()).adminViews()).isEqualTo(AdminViewsConfig.DEFAULTS);
        assertThat(AdminViewsConfig.DEFAULTS.enabled()).isFalse();
        assertThat(AdminViewsConfig.DEFAULTS.metrics()).isFalse();
        java.util.Map<String, Object> on = new java.util.HashMap<>(minimal());
        on.put("adminViews", Map.of("enabled", true, "basePath", "/ops", "metrics", true));
        assertThat(read(on).adminViews()).isEqualTo(new AdminViewsConfig(true, "/ops", true));

        java.util.Map<String, Object> wrong = new java.util.HashMap<>(minimal());
        wrong.put("adminViews", Map.of("enabled", "yes please", "basePath", "ops/", "metric", true));
        assertThat(problems(wrong)).anyMatch(p -> p.startsWith("adminViews.enabled: "))
                .contains("adminViews.basePath: must start with '/' and not end with one, e.g. /api/v1/admin; got 'ops/'")
                .anyMatch(p -> p.startsWith("adminViews.metric: ") && p.contains("metrics"));
        assertThatThrownBy(() -> new AdminViewsConfig(true, "/ops/", false)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("basePath must start with '/' and not end with one, got '/ops/'");
    }

    @Test
    void cacheMistakesAreNamed() {
        assertThat(problems(Map.of("upstreams", Map.of("api", upstream()),
                "routes", List.of(
                        Map.of("name", "a", "match", Map.of("prefix", "/a"), "upstream", "api",
                                "cache", Map.of("staleIfError", "10m", "maxStale", "1m")),
                        Map.of("name", "b", "match", Map.of("prefix", "/b"), "upstream", "api",
                                "cache", Map.of("ttl", "2h", "maxTtl", "1h", "staleWhileRevalidate", "-1s"))))))
                .contains("routes[0].cache.maxStale: must be at least staleWhileRevalidate and staleIfError (10m)",
                        "routes[1].cache.ttl: must not exceed maxTtl (1h)")
                .anyMatch(p -> p.startsWith("routes[1].cache.staleWhileRevalidate: "));
    }

    @Test
    void rateLimitMistakesAreNamed() {
        assertThat(problems(Map.of("upstreams", Map.of("api", upstream()),
                "routes", List.of(
                        Map.of("name", "a", "match", Map.of("prefix", "/a"), "upstream", "api", "rateLimit", Map.of("limits", List.of("10/week"))),
                        Map.of("name", "b", "match", Map.of("prefix", "/b"), "upstream", "api", "rateLimit", Map.of("limits", List.of("5/min"), "mode", "exact", "cost", 6)),
                        Map.of("name", "c", "match", Map.of("prefix", "/c"), "upstream", "api", "rateLimit", Map.of("algorithm", "leaky", "limits", List.of("5/min"))),
                        Map.of("name", "d", "match", Map.of("prefix", "/d"), "upstream", "api", "rateLimit", Map.of("limits", List.of("5/min", "10/s", "60/minute"))),
                        Map.of("name", "e", "match", Map.of("prefix", "/e"), "upstream", "api", "rateLimit", Map.of("limits", List.of("5/min"), "mode", "leased", "leaseSize", 0)),
                        Map.of("name", "f", "match", Map.of("prefix", "/f"), "upstream", "api", "rateLimit", Map.of("limits", List.of("5/min"), "mode", "local", "leaseTtl", "1s")),
                        Map.of("name", "g", "match", Map.of("prefix", "/g"), "upstream", "api", "rateLimit", Map.of("algorithm", "sliding-log", "limits", List.of("10/s", "50000/min"))),
                        Map.of("name", "h", "match", Map.of("prefix", "/h"), "upstream", "api", "rateLimit", Map.of("limits", List.of("2000000000/s")))))))
                .contains("routes[0].rateLimit.limits: '10/week' has an unknown period 'week'; use s, min, hour or day",
                        "routes[1].rateLimit.mode: exact needs Redis (redis.url); use local for a single node",
                        "routes[1].rateLimit.cost: is 6, more than the limit 5: no request could ever pass",
                        "routes[2].rateLimit.algorithm: must be one of gcra, token-bucket, fixed-window, sliding-log, sliding-counter, got 'leaky'",
                        "routes[3].rateLimit.limits: '60/min' is a second rate for the window of '5/min'; a policy has one rate per window",
                        "routes[4].rateLimit.mode: leased needs Redis (redis.url); use local for a single node",
                        "routes[4].rateLimit.leaseSize: must be between 1 and 10000, got 0",
                        "routes[5].rateLimit.leaseTtl: applies to mode: leased only (this route's mode is local)",
                        "routes[6].rateLimit.limits: '50000/min' is more than a sliding log keeps (an entry per request, at most 10000 per window); "
                                + "use sliding-counter or gcra for larger limits",
                        "routes[7].rateLimit.limits: a rate limit allows at most 1000000000 per window, got 2000000000");
    }

    @Test
    void jwtKeysThatCouldNeverVerifyATokenAreNamed() throws Exception {
        java.security.KeyPairGenerator ec = java.security.KeyPairGenerator.getInstance("EC");
        ec.initialize(256);
        String ecPem = "-----BEGIN PUBLIC KEY-----\n"
                + java.util.Base64.getMimeEncoder().encodeToString(ec.generateKeyPair().getPublic().getEncoded()) + "\n-----END PUBLIC KEY-----";
        Map<String, Object> jwt = Map.of("issuer", "https://id.example.com", "audience", List.of("orders"), "algorithms", List.of("RS256"),
                "publicKeys", List.of(ecPem, "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----", "not base64 !", "-----BEGIN PRIVATE KEY-----"));
        assertThat(problems(Map.of("auth", Map.of("jwt", jwt)))).containsExactly(
                "auth.jwt.publicKeys[0]: is an EC key, which none of the algorithms [RS256] can verify",
                "auth.jwt.publicKeys[1]: is not an RSA or EC public key in PEM form",
                "auth.jwt.publicKeys[2]: is not a PEM public key (-----BEGIN PUBLIC KEY----- and base64)",
                "auth.jwt.publicKeys[3]: is a private key; give the public one (openssl pkey -pubout)");
        assertThat(problems(Map.of("auth", Map.of("jwt", Map.of("issuer", "x", "audience", List.of("a"), "algorithms", List.of(),
                "jwksUrl", "https://id.example.com/jwks"))))).containsExactly("auth.jwt.algorithms: needs at least one algorithm, e.g. [RS256, ES256]");
        GatewayConfig ok = read(Map.of("auth", Map.of("jwt", Map.of("issuer", "x", "audience", List.of("a"), "algorithms", List.of("ES256"),
                "publicKeys", List.of(ecPem)))));
        assertThat(ok.identity().jwt().publicKeys()).containsExactly(ecPem);
    }

    @Test
    void mistakesTheRecordsAlsoRefuseAreReportedWithTheirKeysNotThrown() {
        assertThat(problems(Map.of(
                "auth", Map.of("basePath", "api/", "bootstrapAdmin", Map.of("email", "admin@example.com"), "jwt", Map.of("audience", List.of("a"),
                        "jwksUrl", "https://id.example.com/jwks")),
                "upstreams", Map.of(
                        "api", Map.of("targets", List.of(Map.of("url", "http://127.0.0.1:99999")),
                                "healthCheck", Map.of("path", "health"), "breaker", Map.of("minimumCalls", 30, "window", 20)),
                        "empty", Map.of("targets", List.of())),
                "routes", List.of(
                        Map.of("name", "a", "match", Map.of("prefix", "/a"), "upstream", "api", "auth", Map.of("mode", "none", "scopes", List.of("x"))),
                        Map.of("name", "b", "match", Map.of("prefix", "/b"), "upstream", "api", "cache", Map.of("public", true, "perCaller", true)),
                        Map.of("name", "c", "match", Map.of("prefix", "/c"), "upstream", "api", "rateLimit", Map.of("tiers", false)),
                        Map.of("name", "d", "match", Map.of("prefix", "/d"))))))
                .containsExactlyInAnyOrder(
                        "upstreams.api.targets[0].url: has port 99999, outside 1..65535: 'http://127.0.0.1:99999'",
                        "upstreams.api.healthCheck.path: must start with '/', got 'health'",
                        "upstreams.api.breaker.minimumCalls: must not exceed window (20), got 30",
                        "upstreams.empty.targets: an upstream needs at least one target, e.g. - url: http://127.0.0.1:3001",
                        "routes[0].auth.scopes: need auth mode required or optional: with none nobody is authenticated to have them",
                        "routes[1].cache.perCaller: give public or perCaller, not both",
                        "routes[2].rateLimit.limits: needs at least one rate, e.g. limits: [100/min], or tiers: true",
                        "routes[3].upstream: is required",
                        "auth.basePath: must start with '/' and not end with one, e.g. /api/v1; got 'api/'",
                        "auth.bootstrapAdmin: needs both email and password (e.g. from GATEHOUSE_AUTH_BOOTSTRAP_ADMIN_EMAIL and _PASSWORD)",
                        "auth.jwt.issuer: is required");
    }

    @Test
    void theMessageNamesTheFile() {
        assertThatThrownBy(() -> GatewayConfigReader.read(Map.of("gateway", Map.of("port", 70000)), "conf/gh.yaml", n -> null))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("conf/gh.yaml: gateway.port: must be between 0 and 65535, got 70000");
    }

    @Test
    void valuesOfTheWrongShapeAreNamed() {
        assertThat(problems(Map.of("routes", Map.of("name", "x")))).containsExactly("routes: must be a list, got a mapping");
        assertThat(problems(List.of(1, 2))).containsExactly("the file must be a YAML mapping at the top level");
        assertThat(problems(Map.of("upstreams", Map.of("api", Map.of("targets", List.of()))))).containsExactly(
                "upstreams.api.targets: an upstream needs at least one target, e.g. - url: http://127.0.0.1:3001");
        assertThat(problems(Map.of("gateway", Map.of("trustedProxies", List.of("10.0.0.0/40")))))
                .containsExactly("gateway.trustedProxies: '10.0.0.0/40' has a prefix length outside 0..32");
        assertThat(problems(Map.of("storage", Map.of("postgres", Map.of("url", "postgres://x")))))
                .containsExactly("storage.postgres.url: must be a JDBC URL starting with jdbc:postgresql:, got 'postgres://x'");
    }

    @Test
    void theStorageDescriptionNeverShowsThePassword() {
        StorageConfig storage = new StorageConfig("jdbc:postgresql://db/gh", "gh", "s3cret", 10, Duration.ofSeconds(5), "./data");
        assertThat(storage.toString()).doesNotContain("s3cret").contains("password=***");
        StorageConfig inUrls = new StorageConfig("jdbc:postgresql://pgbouncer/gh?prepareThreshold=0&password=s3cret", null, "gh", null, 10,
                Duration.ofSeconds(5), "./data").withListenUrl("jdbc:postgresql://db/gh?Password=s3cret&ssl=true");
        assertThat(inUrls.toString()).as("a password in either URL").doesNotContain("s3cret")
                .contains("prepareThreshold=0&password=***", "?password=***&ssl=true");
    }
}
