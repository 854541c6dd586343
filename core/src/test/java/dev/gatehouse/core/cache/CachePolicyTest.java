package dev.gatehouse.core.cache;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class CachePolicyTest {

    private final CachePolicy policy = new CachePolicy(Duration.ofSeconds(300), Duration.ofHours(1), false, false, Duration.ofMinutes(10));

    private CacheDecision decide(String method, boolean authenticated, String requestCc, int status, String responseCc, String vary) {
        return policy.decide(method, authenticated, CacheControl.parse(requestCc), status, CacheControl.parse(responseCc), vary);
    }

    @ParameterizedTest(name = "{0} {3} {4} -> store={6}, ttl={7}s")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            GET  | false | -         | 200 | -                          | -        | true  | 300
            HEAD | false | -         | 200 | -                          | -        | true  | 300
            POST | false | -         | 200 | max-age=60                 | -        | false | 0
            GET  | false | -         | 200 | max-age=60                 | -        | true  | 60
            GET  | false | -         | 200 | max-age=60, s-maxage=120   | -        | true  | 120
            GET  | false | -         | 200 | max-age=999999             | -        | true  | 3600
            GET  | false | -         | 200 | no-store                   | -        | false | 0
            GET  | false | -         | 200 | private, max-age=60        | -        | false | 0
            GET  | false | -         | 200 | no-cache                   | -        | false | 0
            GET  | false | -         | 200 | max-age=0                  | -        | false | 0
            GET  | false | -         | 200 | max-age=abc                | -        | true  | 300
            GET  | false | no-store  | 200 | max-age=60                 | -        | false | 0
            GET  | false | -         | 500 | max-age=60                 | -        | false | 0
            GET  | false | -         | 201 | max-age=60                 | -        | false | 0
            GET  | false | -         | 404 | max-age=30                 | -        | true  | 30
            GET  | false | -         | 200 | max-age=60                 | *        | false | 0
            GET  | false | -         | 200 | max-age=60                 | Accept   | true  | 60
            GET  | true  | -         | 200 | max-age=60                 | -        | false | 0
            GET  | true  | -         | 200 | public, max-age=60         | -        | true  | 60
            GET  | true  | -         | 200 | s-maxage=60                | -        | true  | 60
            """)
    void followsTheHttpCachingRules(String method, boolean authenticated, String requestCc, int status, String responseCc,
                                    String vary, boolean store, long ttlSeconds) {
        CacheDecision decision = decide(method, authenticated, requestCc, status, responseCc, vary);
        assertThat(decision.store()).as(decision.reason()).isEqualTo(store);
        assertThat(decision.ttl().toSeconds()).isEqualTo(ttlSeconds);
    }

    @Test
    void staleServingIsCappedByTheRouteAndOffUnderMustRevalidate() {
        CacheDecision capped = decide("GET", false, null, 200, "max-age=60, stale-while-revalidate=30, stale-if-error=86400", null);
        assertThat(capped.staleWhileRevalidate()).isEqualTo(Duration.ofSeconds(30));
        assertThat(capped.staleIfError()).isEqualTo(Duration.ofMinutes(10));
        CacheDecision strict = decide("GET", false, null, 200, "max-age=60, must-revalidate, stale-if-error=60", null);
        assertThat(strict.staleIfError()).isZero();
    }

    @Test
    void theRoutesStaleWindowsApplyOnlyWhenTheUpstreamIsSilent() {
        CachePolicy lenient = new CachePolicy(Duration.ofSeconds(30), Duration.ofHours(1), false, false, Duration.ofMinutes(5),
                Duration.ofSeconds(20), Duration.ofMinutes(2));
        CacheDecision silent = lenient.decide("GET", false, CacheControl.NONE, 200, CacheControl.parse("max-age=60"), null);
        assertThat(silent.staleWhileRevalidate()).isEqualTo(Duration.ofSeconds(20));
        assertThat(silent.staleIfError()).isEqualTo(Duration.ofMinutes(2));
        CacheDecision said = lenient.decide("GET", false, CacheControl.NONE, 200,
                CacheControl.parse("max-age=60, stale-while-revalidate=0, stale-if-error=3600"), null);
        assertThat(said.staleWhileRevalidate()).as("the upstream's 0 wins").isZero();
        assertThat(said.staleIfError()).as("capped by maxStale").isEqualTo(Duration.ofMinutes(5));
        assertThat(lenient.longestLifetime()).isEqualTo(Duration.ofMinutes(65));
    }

    @Test
    void staleWindowsLongerThanMaxStaleAreRefused() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new CachePolicy(Duration.ofSeconds(30), Duration.ofHours(1), false, false,
                        Duration.ofMinutes(1), Duration.ZERO, Duration.ofMinutes(2)))
                .hasMessageContaining("must not exceed maxStale");
    }

    @Test
    void aRouteCanDeclareAuthenticatedContentPublicOrKeyItByCaller() {
        CachePolicy shared = new CachePolicy(Duration.ofSeconds(30), Duration.ofHours(1), true, false, Duration.ZERO);
        CachePolicy perCaller = new CachePolicy(Duration.ofSeconds(30), Duration.ofHours(1), false, true, Duration.ZERO);
        assertThat(shared.decide("GET", true, CacheControl.NONE, 200, CacheControl.NONE, null).store()).isTrue();
        assertThat(perCaller.decide("GET", true, CacheControl.NONE, 200, CacheControl.NONE, null).store()).isTrue();
    }

    @Test
    void aRequestAskingForAFreshAnswerSkipsTheCache() {
        assertThat(policy.mayServe("GET", CacheControl.NONE)).isTrue();
        assertThat(policy.mayServe("GET", CacheControl.parse("no-cache"))).isFalse();
        assertThat(policy.mayServe("POST", CacheControl.NONE)).isFalse();
    }

    @Test
    void keysSeparateRoutesCallersAndVariedHeadersButNotQueryOrder() {
        Map<String, String> json = Map.of("accept", "application/json");
        Map<String, String> xml = Map.of("accept", "application/xml");
        String a = CacheKey.of("api", "/items", "b=2&a=1", "Accept", json::get, null);
        assertThat(CacheKey.of("api", "/items", "a=1&b=2", "accept", json::get, null)).isEqualTo(a);
        assertThat(CacheKey.of("api", "/items", "a=1&b=2", "Accept", xml::get, null)).isNotEqualTo(a);
        assertThat(CacheKey.of("other", "/items", "a=1&b=2", "Accept", json::get, null)).isNotEqualTo(a);
        assertThat(CacheKey.of("api", "/items", "a=1&b=2", "Accept", json::get, "key:7")).isNotEqualTo(a)
                .isNotEqualTo(CacheKey.of("api", "/items", "a=1&b=2", "Accept", json::get, "key:8"));
        assertThat(CacheKey.canonicalQuery("z=1&a=2&a=1")).isEqualTo("a=1&a=2&z=1");
    }

    @Test
    void parsesDirectivesCaseInsensitivelyAndIgnoresJunk() {
        CacheControl cc = CacheControl.parse("Public, MAX-AGE=\"60\", s-maxage=abc, x-unknown=1, stale-while-revalidate=5");
        assertThat(cc.isPublic()).isTrue();
        assertThat(cc.maxAge()).isEqualTo(60);
        assertThat(cc.sMaxAge()).isEqualTo(-1);
        assertThat(cc.staleWhileRevalidate()).isEqualTo(5);
    }
}
