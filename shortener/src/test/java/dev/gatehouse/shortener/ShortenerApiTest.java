package dev.gatehouse.shortener;

import dev.gatehouse.core.time.ManualTicker;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;

import static dev.gatehouse.shortener.TestShorteners.as;
import static dev.gatehouse.shortener.TestShorteners.asAdmin;
import static dev.gatehouse.shortener.TestShorteners.json;
import static org.assertj.core.api.Assertions.assertThat;

/** One instance on PostgreSQL alone (no Redis), its clock in the test's hands. */
class ShortenerApiTest {
    static final ManualTicker clock = new ManualTicker();
    static TestShorteners bed;
    static ShortenerInstance instance;

    @BeforeAll
    static void start() throws Exception {
        bed = new TestShorteners(false);
        instance = bed.start("links-1", clock);
    }

    @AfterAll
    static void stop() {
        bed.close();
    }

    HttpResponse<String> create(String subject, JsonObject body) {
        return bed.create(instance, subject, body);
    }

    HttpResponse<String> get(String path, String... headers) {
        return bed.call(instance, "GET", path, null, headers);
    }

    @Test
    void aCreatedLinkRedirectsWithA302ToItsUrl() {
        HttpResponse<String> created = create("key:alice", new JsonObject().put("url", "https://example.com/a?b=c"));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        JsonObject link = json(created);
        String code = link.getString("code");
        assertThat(code).matches("[0-9a-zA-Z]{10,11}");
        assertThat(link.getString("shortUrl")).isEqualTo("http://sho.rt/" + code);
        assertThat(link.getString("owner")).isEqualTo("key:alice");
        assertThat(created.headers().firstValue("location")).hasValue("/api/v1/links/" + code);
        assertThat(SnowflakeIds.nodeOf(Base62.decode(code))).isEqualTo(instance.shortener().node());

        HttpResponse<String> redirect = get("/" + code);
        assertThat(redirect.statusCode()).as(redirect.body()).isEqualTo(302);
        assertThat(redirect.headers().firstValue("location")).hasValue("https://example.com/a?b=c");
        assertThat(redirect.headers().firstValue("cache-control")).hasValue("no-store");
    }

    @Test
    void aPermanentLinkRedirectsWithA301() {
        String code = json(create("key:alice", new JsonObject().put("url", "https://example.com/p").put("permanent", true))).getString("code");
        HttpResponse<String> redirect = get("/" + code);
        assertThat(redirect.statusCode()).as(redirect.body()).isEqualTo(301);
        assertThat(redirect.headers().firstValue("location")).hasValue("https://example.com/p");
    }

    @Test
    void anUnknownCodeIs404AndAnExpiredLinkIs410() {
        HttpResponse<String> unknown = get("/nosuchcode");
        assertThat(unknown.statusCode()).as(unknown.body()).isEqualTo(404);
        assertThat(unknown.headers().firstValue("content-type")).hasValue("application/problem+json");
        assertThat(json(unknown).getString("type")).isEqualTo("urn:gatehouse:shortener:not-found");
        assertThat(get("/not.a.code").statusCode()).isEqualTo(404);

        Instant soon = clock.instant().plus(Duration.ofMinutes(5));
        String code = json(create("key:alice", new JsonObject().put("url", "https://example.com/soon").put("alias", "soon-gone")
                .put("expiresAt", soon.toString()))).getString("code");
        assertThat(code).isEqualTo("soon-gone");
        assertThat(get("/soon-gone").statusCode()).isEqualTo(302);
        bed.advance(clock, Duration.ofMinutes(6));
        HttpResponse<String> expired = get("/soon-gone");
        assertThat(expired.statusCode()).as(expired.body()).isEqualTo(410);
        assertThat(json(expired).getString("detail")).contains("'soon-gone' has expired");
    }

    @ParameterizedTest(name = "{0} -> {1} {2}")
    @CsvSource(delimiter = '|', textBlock = """
            {"url": "ftp://example.com/file"}                          | 400 | invalid-url    | must start with http:// or https://
            {"url": "javascript:alert(1)"}                             | 400 | invalid-url    | must start with http:// or https://
            {"url": "/relative/path"}                                  | 400 | invalid-url    | must start with http:// or https://
            {"url": "https://exa mple.com/"}                           | 400 | invalid-url    | not a valid URL
            {"url": "https://bank.example@evil.example/"}              | 400 | invalid-url    | user info
            {"url": "http://sho.rt/abc"}                               | 400 | invalid-url    | own host
            {"url": "http://SHO.RT./abc"}                              | 400 | invalid-url    | own host
            {"url": "https://"}                                        | 400 | invalid-url    | not a valid URL
            {"url": ""}                                                | 400 | invalid-url    | url is required
            {"alias": "nourl"}                                         | 400 | invalid-url    | url is required
            {"url": 42}                                                | 400 | invalid-url    | url is required
            {"url": "https://example.com", "alias": "ab"}              | 400 | invalid-alias  | 3 to 32 characters
            {"url": "https://example.com", "alias": "has space"}       | 400 | invalid-alias  | 3 to 32 characters
            {"url": "https://example.com", "alias": "sl/ash"}          | 400 | invalid-alias  | 3 to 32 characters
            {"url": "https://example.com", "alias": "API"}             | 400 | reserved-alias | 'API' is reserved
            {"url": "https://example.com", "alias": "health"}          | 400 | reserved-alias | 'health' is reserved
            {"url": "https://example.com", "expiresAt": "tomorrow"}    | 400 | invalid-expiry | ISO-8601
            {"url": "https://example.com", "expiresAt": "2001-01-01T00:00:00Z"} | 400 | invalid-expiry | not in the future
            {"url": "https://example.com", "expiresAt": "2999-01-01T00:00:00Z"} | 400 | invalid-expiry | ten years
            {"url": "https://example.com", "permanent": "yes"}         | 400 | invalid-body   | permanent must be true or false
            {"url": "https://example.com", "expires_at": "x"}          | 400 | invalid-body   | unknown field [expires_at]
            [1, 2]                                                     | 400 | invalid-body   | must be a JSON object
            not json                                                   | 400 | invalid-body   | must be a JSON object
            """)
    void invalidCreationsAreRefusedWithAProblemNamingWhatIsWrong(String body, int status, String slug, String detail) {
        HttpResponse<String> refused = bed.call(instance, "POST", "/api/v1/links", body, as("key:alice"));
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(status);
        assertThat(refused.headers().firstValue("content-type")).hasValue("application/problem+json");
        JsonObject problem = json(refused);
        assertThat(problem.getString("type")).isEqualTo("urn:gatehouse:shortener:" + slug);
        assertThat(problem.getString("detail")).contains(detail);
    }

    @Test
    void aTooLongUrlIsRefusedAndTheLongestAllowedIsTaken() {
        String base = "https://example.com/";
        String longest = base + "a".repeat(LinkRules.MAX_URL - base.length());
        assertThat(create("key:alice", new JsonObject().put("url", longest)).statusCode()).isEqualTo(201);
        HttpResponse<String> refused = create("key:alice", new JsonObject().put("url", longest + "a"));
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
        assertThat(json(refused).getString("detail")).contains("2049 characters long; at most 2048");
    }

    @Test
    void aUrlWithCharactersBeyondAsciiRedirectsPercentEncoded() {
        String code = json(create("key:alice", new JsonObject().put("url", "https://example.com/café"))).getString("code");
        assertThat(get("/" + code).headers().firstValue("location")).hasValue("https://example.com/caf%C3%A9");
    }

    @Test
    void creatingWithoutCredentialsIs401AndATakenAliasIs409() {
        HttpResponse<String> anonymous = bed.call(instance, "POST", "/api/v1/links", new JsonObject().put("url", "https://example.com").encode());
        assertThat(anonymous.statusCode()).as(anonymous.body()).isEqualTo(401);
        assertThat(json(anonymous).getString("type")).isEqualTo("urn:gatehouse:shortener:unauthorized");

        assertThat(create("key:alice", new JsonObject().put("url", "https://example.com/1").put("alias", "taken-one")).statusCode()).isEqualTo(201);
        HttpResponse<String> again = create("key:bob", new JsonObject().put("url", "https://example.com/2").put("alias", "taken-one"));
        assertThat(again.statusCode()).as(again.body()).isEqualTo(409);
        assertThat(json(again).getString("detail")).contains("'taken-one' is taken");
        assertThat(get("/taken-one").headers().firstValue("location")).hasValue("https://example.com/1");
    }

    @Test
    void onlyTheOwnerOrAnAdminSeesChangesOrDeletesALink() {
        String code = json(create("key:alice", new JsonObject().put("url", "https://example.com/mine"))).getString("code");
        assertThat(get("/api/v1/links/" + code, as("key:alice")).statusCode()).isEqualTo(200);
        assertThat(get("/api/v1/links/" + code, asAdmin("user:root")).statusCode()).isEqualTo(200);
        HttpResponse<String> other = get("/api/v1/links/" + code, as("key:mallory"));
        assertThat(other.statusCode()).as(other.body()).isEqualTo(403);
        assertThat(json(other).getString("detail")).contains("only the link's owner or an admin");
        assertThat(get("/api/v1/links/" + code).statusCode()).isEqualTo(401);
        assertThat(get("/api/v1/links/" + code + "/stats", as("key:mallory")).statusCode()).isEqualTo(403);
        assertThat(bed.call(instance, "PATCH", "/api/v1/links/" + code, "{\"url\": \"https://evil.example\"}", as("key:mallory")).statusCode())
                .isEqualTo(403);
        assertThat(bed.call(instance, "DELETE", "/api/v1/links/" + code, null, as("key:mallory")).statusCode()).isEqualTo(403);
        assertThat(get("/" + code).headers().firstValue("location")).hasValue("https://example.com/mine");

        HttpResponse<String> changed = bed.call(instance, "PATCH", "/api/v1/links/" + code, "{\"url\": \"https://example.com/moved\"}", as("key:alice"));
        assertThat(changed.statusCode()).as(changed.body()).isEqualTo(200);
        assertThat(json(changed).getString("url")).isEqualTo("https://example.com/moved");
        assertThat(get("/" + code).headers().firstValue("location")).hasValue("https://example.com/moved");

        assertThat(bed.call(instance, "DELETE", "/api/v1/links/" + code, null, asAdmin("user:root")).statusCode()).isEqualTo(204);
        assertThat(get("/" + code).statusCode()).isEqualTo(404);
        assertThat(get("/api/v1/links/" + code, as("key:alice")).statusCode()).isEqualTo(404);
    }

    @Test
    void anExpiryCanBeSetAndClearedByAChange() {
        String code = json(create("key:alice", new JsonObject().put("url", "https://example.com/e"))).getString("code");
        String inAMinute = clock.instant().plus(Duration.ofMinutes(1)).toString();
        HttpResponse<String> set = bed.call(instance, "PATCH", "/api/v1/links/" + code, "{\"expiresAt\": \"" + inAMinute + "\"}", as("key:alice"));
        assertThat(json(set).getString("expiresAt")).isEqualTo(Instant.parse(inAMinute).toString());
        bed.advance(clock, Duration.ofMinutes(2));
        assertThat(get("/" + code).statusCode()).isEqualTo(410);
        bed.call(instance, "PATCH", "/api/v1/links/" + code, "{\"expiresAt\": null}", as("key:alice"));
        assertThat(get("/" + code).statusCode()).isEqualTo(302);
        HttpResponse<String> empty = bed.call(instance, "PATCH", "/api/v1/links/" + code, "{}", as("key:alice"));
        assertThat(empty.statusCode()).as(empty.body()).isEqualTo(400);
        assertThat(json(empty).getString("detail")).contains("at least one of");
    }

    @Test
    void clicksAreCountedExactlyAfterAFlushByDayReferrerAndAgent() {
        String code = json(create("key:carol", new JsonObject().put("url", "https://example.com/c"))).getString("code");
        for (int i = 0; i < 7; i++) {
            get("/" + code, "Referer", "https://news.example.org/item?id=1", "User-Agent",
                    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36");
        }
        for (int i = 0; i < 3; i++) {
            get("/" + code, "User-Agent", "curl/8.5.0");
        }
        bed.call(instance, "HEAD", "/" + code, null); // a HEAD is not a click
        String today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC).toString();
        JsonObject before = json(get("/api/v1/links/" + code + "/stats?from=" + today + "&to=" + today, as("key:carol")));
        assertThat(before.getLong("total")).as("nothing flushed yet").isZero();

        assertThat(instance.shortener().flushClicks().toCompletionStage().toCompletableFuture().join()).isGreaterThanOrEqualTo(10);
        JsonObject stats = json(get("/api/v1/links/" + code + "/stats?from=" + today + "&to=" + today, as("key:carol")));
        assertThat(stats.getLong("total")).isEqualTo(10);
        assertThat(stats.getLong("inRange")).isEqualTo(10);
        assertThat(stats.getJsonArray("days")).containsExactly(new JsonObject().put("day", today).put("clicks", 10L));
        assertThat(stats.getJsonArray("referrers")).containsExactly(
                new JsonObject().put("host", "news.example.org").put("clicks", 7L), new JsonObject().put("host", "(direct)").put("clicks", 3L));
        assertThat(stats.getJsonArray("agents")).containsExactly(
                new JsonObject().put("family", "chrome").put("clicks", 7L), new JsonObject().put("family", "curl").put("clicks", 3L));
    }

    @Test
    void statsCoverTheRangeAskedForDayByDay() {
        String code = json(create("key:dave", new JsonObject().put("url", "https://example.com/d"))).getString("code");
        LocalDate first = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
        get("/" + code);
        bed.advance(clock, Duration.ofDays(1));
        get("/" + code);
        get("/" + code);
        bed.advance(clock, Duration.ofDays(2));
        get("/" + code);
        instance.shortener().flushClicks().toCompletionStage().toCompletableFuture().join();

        JsonObject all = json(get("/api/v1/links/" + code + "/stats?from=" + first + "&to=" + first.plusDays(3), as("key:dave")));
        assertThat(all.getLong("inRange")).isEqualTo(4);
        assertThat(all.getJsonArray("days").stream().map(d -> ((JsonObject) d).getLong("clicks")).toList()).containsExactly(1L, 2L, 0L, 1L);
        JsonObject middle = json(get("/api/v1/links/" + code + "/stats?from=" + first.plusDays(1) + "&to=" + first.plusDays(2), as("key:dave")));
        assertThat(middle.getLong("total")).isEqualTo(4);
        assertThat(middle.getLong("inRange")).isEqualTo(2);
        JsonObject byDefault = json(get("/api/v1/links/" + code + "/stats", as("key:dave")));
        assertThat(byDefault.getJsonArray("days")).hasSize(30);
        assertThat(byDefault.getString("to")).isEqualTo(first.plusDays(3).toString());
        assertThat(byDefault.getLong("inRange")).isEqualTo(4);

        HttpResponse<String> backwards = get("/api/v1/links/" + code + "/stats?from=" + first.plusDays(1) + "&to=" + first, as("key:dave"));
        assertThat(backwards.statusCode()).as(backwards.body()).isEqualTo(400);
        assertThat(json(backwards).getString("type")).isEqualTo("urn:gatehouse:shortener:invalid-range");
        assertThat(get("/api/v1/links/" + code + "/stats?from=2020-01-01&to=2030-01-01", as("key:dave")).statusCode()).isEqualTo(400);
        assertThat(get("/api/v1/links/" + code + "/stats?from=yesterday", as("key:dave")).statusCode()).isEqualTo(400);
    }

    @Test
    void anOwnerListsTheirLinksNewestFirst() {
        for (int i = 0; i < 3; i++) {
            create("key:erin", new JsonObject().put("url", "https://example.com/" + i));
        }
        JsonObject page = json(get("/api/v1/links?limit=2", as("key:erin")));
        JsonArray links = page.getJsonArray("links");
        assertThat(links).hasSize(2);
        assertThat(links.getJsonObject(0).getString("url")).isEqualTo("https://example.com/2");
        JsonObject rest = json(get(page.getString("next"), as("key:erin")));
        assertThat(rest.getJsonArray("links")).hasSize(1);
        assertThat(rest.getJsonArray("links").getJsonObject(0).getString("url")).isEqualTo("https://example.com/0");
    }
}
