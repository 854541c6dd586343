package dev.gatehouse.shortener;

import dev.gatehouse.core.time.Clock;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.Map;

import static dev.gatehouse.shortener.TestShorteners.as;
import static dev.gatehouse.shortener.TestShorteners.json;
import static org.assertj.core.api.Assertions.assertThat;

/** Two instances sharing PostgreSQL and Redis: what one changes, the other's next redirect follows. */
class LinkCacheAcrossInstancesTest {
    static TestShorteners bed;
    static ShortenerInstance a;
    static ShortenerInstance b;

    @BeforeAll
    static void start() throws Exception {
        bed = new TestShorteners(true);
        a = bed.start("links-a", Clock.system());
        b = bed.start("links-b", Clock.system());
    }

    @AfterAll
    static void stop() {
        bed.close();
    }

    static String location(ShortenerInstance instance, String code) {
        HttpResponse<String> r = bed.call(instance, "GET", "/" + code, null);
        return r.statusCode() + " " + r.headers().firstValue("location").orElse("-");
    }

    @Test
    void anEditIsSeenOnTheOtherInstancesNextRedirect() {
        String code = json(bed.create(a, "key:alice", new JsonObject().put("url", "https://example.com/v1"))).getString("code");
        assertThat(location(b, code)).isEqualTo("302 https://example.com/v1");
        assertThat(b.shortener().resolveLocal(code)).as("b now answers from memory").isNotNull();

        for (int version = 2; version <= 5; version++) {
            HttpResponse<String> changed = bed.call(a, "PATCH", "/api/v1/links/" + code, "{\"url\": \"https://example.com/v" + version + "\"}",
                    as("key:alice"));
            assertThat(changed.statusCode()).isEqualTo(200);
            assertThat(location(b, code)).isEqualTo("302 https://example.com/v" + version);
        }
        HttpResponse<String> permanent = bed.call(b, "PATCH", "/api/v1/links/" + code, "{\"permanent\": true}", as("key:alice"));
        assertThat(permanent.statusCode()).isEqualTo(200);
        assertThat(location(a, code)).isEqualTo("301 https://example.com/v5");
    }

    @Test
    void aDeletionIsSeenOnTheOtherInstancesNextRedirect() {
        String code = json(bed.create(a, "key:alice", new JsonObject().put("url", "https://example.com/doomed"))).getString("code");
        assertThat(location(b, code)).isEqualTo("302 https://example.com/doomed");
        assertThat(bed.call(a, "DELETE", "/api/v1/links/" + code, null, as("key:alice")).statusCode()).isEqualTo(204);
        assertThat(location(b, code)).isEqualTo("404 -");
    }

    @Test
    void anAliasLookedUpBeforeItExistedRedirectsOnceCreatedElsewhere() {
        assertThat(location(b, "brand-new")).isEqualTo("404 -");
        assertThat(location(b, "brand-new")).as("remembered as absent").isEqualTo("404 -");
        assertThat(bed.create(a, "key:alice", new JsonObject().put("url", "https://example.com/new").put("alias", "brand-new")).statusCode())
                .isEqualTo(201);
        assertThat(location(b, "brand-new")).isEqualTo("302 https://example.com/new");
    }

    @Test
    void aFreedAliasTakenAgainRedirectsToTheNewLinkEverywhere() {
        bed.create(a, "key:alice", new JsonObject().put("url", "https://example.com/first").put("alias", "reused"));
        assertThat(location(b, "reused")).isEqualTo("302 https://example.com/first");
        bed.call(b, "DELETE", "/api/v1/links/reused", null, as("key:alice"));
        assertThat(location(a, "reused")).isEqualTo("404 -");
        assertThat(bed.create(b, "key:bob", new JsonObject().put("url", "https://example.com/second").put("alias", "reused")).statusCode())
                .isEqualTo(201);
        assertThat(location(a, "reused")).isEqualTo("302 https://example.com/second");
        assertThat(location(b, "reused")).isEqualTo("302 https://example.com/second");
    }

    @Test
    void aHotLinkIsAnsweredFromMemoryWithoutReadingTheDatabase() {
        String code = json(bed.create(a, "key:alice", new JsonObject().put("url", "https://example.com/hot"))).getString("code");
        location(b, code); // the first read on b: from Redis
        Map<String, Object> before = b.shortener().cacheStats();
        for (int i = 0; i < 200; i++) {
            assertThat(location(b, code)).isEqualTo("302 https://example.com/hot");
        }
        Map<String, Object> after = b.shortener().cacheStats();
        assertThat((long) after.get("l1Hits") - (long) before.get("l1Hits")).isEqualTo(200);
        assertThat(after.get("misses")).isEqualTo(before.get("misses"));
        assertThat(after.get("l2Hits")).isEqualTo(before.get("l2Hits"));
    }

    @Test
    void anAdminDeletesEveryLinkOfACallerOnEveryInstanceAtOnce() {
        String one = json(bed.create(a, "key:spammer", new JsonObject().put("url", "https://spam.example/1"))).getString("code");
        String two = json(bed.create(b, "key:spammer", new JsonObject().put("url", "https://spam.example/2"))).getString("code");
        String kept = json(bed.create(a, "key:alice", new JsonObject().put("url", "https://example.com/kept"))).getString("code");
        for (String code : new String[]{one, two}) {
            assertThat(location(a, code)).startsWith("302");
            assertThat(location(b, code)).startsWith("302");
        }
        assertThat(bed.call(a, "DELETE", "/api/v1/links?owner=key:spammer", null, as("key:alice")).statusCode()).isEqualTo(403);
        HttpResponse<String> purged = bed.call(a, "DELETE", "/api/v1/links?owner=key:spammer", null, TestShorteners.asAdmin("user:root"));
        assertThat(purged.statusCode()).isEqualTo(200);
        assertThat(json(purged).getInteger("deleted")).isEqualTo(2);
        for (String code : new String[]{one, two}) {
            assertThat(location(a, code)).isEqualTo("404 -");
            assertThat(location(b, code)).isEqualTo("404 -");
        }
        assertThat(location(b, kept)).isEqualTo("302 https://example.com/kept");
    }
}
