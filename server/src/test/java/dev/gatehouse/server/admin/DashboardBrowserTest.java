package dev.gatehouse.server.admin;

import dev.gatehouse.server.GatewayNode;
import dev.gatehouse.server.TestNodes;
import dev.gatehouse.testkit.TestDatabase;
import dev.gatehouse.testkit.TestPostgres;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The dashboard in headless Chromium against a real node and PostgreSQL, doing what an operator does: signing in,
 * watching the overview count traffic, creating a key (shown once), using it through the gateway and revoking it,
 * purging the cache, finding a request in the log by its id; and a non-admin seeing nothing. Each test leaves a
 * screenshot of what the browser saw in target/dashboard-screenshots/.
 */
class DashboardBrowserTest {
    static final String ADMIN = "ada@example.com";
    static final String ADMIN_PASSWORD = "correct horse battery";
    static final String USER = "bob@example.com";
    static final String USER_PASSWORD = "another good password";

    static Vertx vertx;
    static TestDatabase database;
    static GatewayNode node;
    static final HttpClient http = HttpClient.newHttpClient();
    static final java.util.concurrent.atomic.AtomicBoolean thirdPartyUp = new java.util.concurrent.atomic.AtomicBoolean();
    DashboardBrowser browser;

    @BeforeAll
    static void start(@TempDir Path spool) throws Exception {
        vertx = Vertx.vertx();
        database = TestPostgres.newDatabase();
        int upstream = vertx.createHttpServer().requestHandler(r -> {
            if (r.path().startsWith("/third-party")) {
                r.response().setStatusCode(thirdPartyUp.get() ? 200 : 500).end(thirdPartyUp.get() ? "{\"done\": true}" : "down");
            } else if (r.path().startsWith("/catalog")) {
                r.response().putHeader("cache-control", "max-age=300").end("item " + r.path());
            } else {
                r.response().end("ok");
            }
        }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get().actualPort();
        node = TestNodes.start("""
                gateway: {host: 127.0.0.1, port: 0, instances: 1}
                admin: {port: 0}
                storage: {postgres: {url: "%s", poolSize: 4}}
                observability: {accessLog: "off"}
                logs: {spoolDir: "%s"}
                auth: {endpoints: true, passwordIterations: 100000}
                upstreams:
                  svc: {targets: [{url: "http://127.0.0.1:%d"}]}
                routes:
                  - {name: catalog, match: {prefix: /catalog}, upstream: svc, cache: {ttl: 5m}}
                  - {name: orders, match: {prefix: /orders}, upstream: svc, auth: {mode: required}}
                  - {name: open, match: {prefix: /open}, upstream: svc}
                  - {name: generate, match: {prefix: /generate, methods: [POST]}, upstream: svc, rewrite: /third-party/generate,
                     auth: {mode: required}, async: {queue: thirdparty}}
                jobs:
                  queues:
                    thirdparty: {workers: 1, backoff: []}   # one attempt: a failure is a dead letter at once
                """.formatted(database.jdbcUrl(), spool, upstream));
        node.identities().users().create(ADMIN, ADMIN_PASSWORD, "admin", "enterprise");
        node.identities().users().create(USER, USER_PASSWORD, "user", "free");
    }

    @AfterAll
    static void stop() {
        node.close();
        vertx.close();
        database.close();
    }

    @BeforeEach
    void openBrowser() {
        browser = new DashboardBrowser("http://127.0.0.1:" + node.adminPort(), 1400, 950);
    }

    @AfterEach
    void closeBrowser(TestInfo test) {
        // whatever happened, keep what the browser saw last
        browser.screenshot("last-" + test.getTestMethod().orElseThrow().getName());
        browser.close();
    }

    static HttpResponse<String> gateway(String path, String... headers) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.gatewayPort() + path)).timeout(Duration.ofSeconds(20));
            if (headers.length > 0) {
                request.headers(headers);
            }
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    void signInAsAdmin() {
        browser.signIn(ADMIN, ADMIN_PASSWORD);
        browser.find("nav.sidebar");
    }

    /** The overview's count of requests since the node started, as its first tile says it. */
    long requestsSinceStart() {
        String text = browser.text("[data-stat=requests] .tile-sub");
        Matcher number = Pattern.compile("([0-9,]+) since the node started").matcher(text);
        assertThat(number.find()).as("the requests tile says how many since the start: '%s'", text).isTrue();
        return Long.parseLong(number.group(1).replace(",", ""));
    }

    @Test
    void anAdminSignsInAndTheOverviewCountsRequestsAsTheyArrive() {
        signInAsAdmin();
        assertThat(browser.find("h1").getText()).isEqualTo("Overview");
        browser.until(d -> d.findElement(By.cssSelector(".live-status")).getText().equals("Live"));
        long before = requestsSinceStart();
        for (int i = 0; i < 25; i++) {
            assertThat(gateway("/open/" + i).statusCode()).isEqualTo(200);
        }
        browser.until(d -> requestsSinceStart() >= before + 25);
        assertThat(browser.text("[data-stat=requests] .tile-value")).endsWith("/s");
        assertThat(browser.driver.findElements(By.cssSelector(".uplot"))).as("the overview's charts").hasSize(4);
        browser.screenshot("overview");
        assertThat(browser.severeConsoleMessages()).isEmpty();
    }

    @Test
    void aKeyIsCreatedShownOnceUsedThroughTheGatewayThenRevokedAndRefused() {
        signInAsAdmin();
        browser.open("#/keys");
        browser.find("#key-name").sendKeys("browser checkout");
        new Select(browser.find("#key-create select[name=tier]")).selectByValue("pro");
        browser.find("#key-create button[type=submit]").click();

        String secret = browser.find("#new-key-secret").getAttribute("value");
        assertThat(secret).startsWith("gh_live_");
        assertThat(browser.find("#key-created").getText()).contains("shown only once");
        browser.screenshot("key-created");
        browser.find("#key-created button[value=done]").click();
        browser.until(ExpectedConditions.invisibilityOfElementLocated(By.id("key-created")));
        assertThat(browser.driver.getPageSource()).as("the secret, once the dialog is closed").doesNotContain(secret);

        assertThat(gateway("/orders/1", "x-api-key", secret).statusCode()).as("the new key through the gateway").isEqualTo(200);
        assertThat(gateway("/orders/1").statusCode()).as("no key").isEqualTo(401);

        assertThat(browser.row("#keys-list", "browser checkout")).contains("active", "pro");
        browser.clickInRow("#keys-list", "browser checkout", "Revoke");
        assertThat(browser.find("dialog[open]").getText()).contains("Revoke browser checkout?");
        browser.find("dialog[open] button[value=confirm]").click();
        assertThat(browser.find("#keys-messages .notice").getText()).startsWith("Revoked browser checkout");
        browser.until(d -> browser.row("#keys-list", "browser checkout").contains("revoked"));
        browser.screenshot("keys");

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(gateway("/orders/1", "x-api-key", secret).statusCode()).as("the revoked key").isEqualTo(401));
    }

    @Test
    void aPurgeFromTheCachePageMakesTheNextRequestAMiss() {
        String path = "/catalog/" + UUID.randomUUID();
        assertThat(gateway(path).headers().firstValue("x-cache")).hasValue("MISS");
        assertThat(gateway(path).headers().firstValue("x-cache")).hasValue("HIT-L1");

        signInAsAdmin();
        browser.open("#/cache");
        browser.find("[data-stat=entries]");
        new Select(browser.find("#cache-purge select[name=kind]")).selectByValue("path");
        browser.find("#purge-value").sendKeys(path);
        browser.find("#cache-purge button[type=submit]").click();
        assertThat(browser.find("dialog[open]").getText()).contains("Purge cached answers?", path);
        browser.find("dialog[open] button[value=confirm]").click();
        assertThat(browser.find("#cache-messages .notice").getText()).startsWith("Purged 1 cached answer");
        browser.screenshot("cache");

        assertThat(gateway(path).headers().firstValue("x-cache")).as("the request after the purge").hasValue("MISS");
    }

    @Test
    void theLogsPageFindsARequestByItsRequestIdAndOpensTheWholeRecord() {
        String id = "browser-" + UUID.randomUUID();
        assertThat(gateway("/open/looked-for", "x-request-id", id).statusCode()).isEqualTo(200);

        signInAsAdmin();
        browser.open("#/logs");
        browser.find("#log-request-id").sendKeys(id);
        // the request log writes its rows in batches a moment after the answer: search until it is there
        browser.until(d -> {
            d.findElement(By.cssSelector("#logs-search button[type=submit]")).click();
            return d.findElements(By.cssSelector("#logs-results tbody tr")).stream().anyMatch(r -> r.getText().contains(id));
        });
        assertThat(browser.row("#logs-results", id)).contains("200", "GET", "/open/looked-for", "open");
        browser.until(d -> {
            d.findElements(By.cssSelector("#logs-results tbody tr")).stream().filter(r -> r.getText().contains(id)).findFirst().orElseThrow().click();
            return true;
        });
        WebElement record = browser.find("#log-record");
        assertThat(record.getText()).contains(id, "/open/looked-for", "requestId", "durationUs", "client");
        browser.screenshot("logs");
    }

    @Test
    void aDeadJobIsReplayedFromTheJobsPageAndThenSucceeds() throws Exception {
        String client = node.identities().keys().create("jobs client", "free", List.of(), null, null).key();
        HttpResponse<String> accepted = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.gatewayPort() + "/generate"))
                .header("x-api-key", client).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\": \"hello\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        String job = new io.vertx.core.json.JsonObject(accepted.body()).getString("jobId");

        signInAsAdmin();
        browser.open("#/jobs");
        assertThat(browser.find("#job-queues").getText()).contains("thirdparty");
        // the worker's one attempt fails, and the job is a dead letter: the page shows it (refreshing until it does)
        browser.until(d -> {
            Select state = new Select(d.findElement(By.cssSelector("main select[aria-label=State]")));
            state.selectByValue("failed");
            state.selectByValue("dead"); // choosing the state again lists the jobs afresh
            return d.findElements(By.cssSelector("#job-list tbody tr")).stream().anyMatch(r -> r.getText().contains(job));
        });
        assertThat(browser.row("#job-list", job)).contains("dead", "1 of 1", "thirdparty");
        browser.screenshot("jobs");

        thirdPartyUp.set(true);
        browser.clickInRow("#job-list", job, "Replay");
        assertThat(browser.find("#jobs-messages .notice").getText()).isEqualTo("Job " + job + " is queued again.");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            HttpResponse<String> status = gateway("/api/v1/jobs/" + job, "x-api-key", client);
            assertThat(new io.vertx.core.json.JsonObject(status.body()).getString("status")).as(status.body()).isEqualTo("succeeded");
        });
    }

    @Test
    void aUserOrAKeyWithoutTheAdminScopeSeesNothing() throws Exception {
        browser.open("#/keys");
        assertThat(browser.find("#signin-password").isDisplayed()).as("the keys page without signing in shows the sign-in").isTrue();
        assertThat(browser.driver.findElements(By.cssSelector("nav.sidebar"))).isEmpty();

        browser.signIn(USER, USER_PASSWORD);
        assertThat(browser.find(".signin-status .error-text").getText()).contains(USER + " is not an admin");
        assertThat(browser.driver.findElements(By.cssSelector("nav.sidebar"))).isEmpty();
        browser.screenshot("signin-refused");

        String plainKey = node.identities().keys().create("reporting", "free", List.of("orders:read"), null, null).key();
        browser.find("#tab-key").click();
        browser.find("#signin-key input").sendKeys(plainKey);
        browser.find("#signin-key button[type=submit]").click();
        assertThat(browser.find(".signin-status .error-text").getText()).contains("does not have the admin scope");
        assertThat(browser.driver.findElements(By.cssSelector("nav.sidebar"))).isEmpty();
    }

    @Test
    void anAdminKeySignsInAndEveryPageShowsWithoutAScriptError() throws Exception {
        String adminKey = node.identities().keys().create("operator", "enterprise", List.of("admin"), null, null).key();
        browser.open("");
        browser.find("#tab-key").click();
        browser.find("#signin-key input").sendKeys(adminKey);
        browser.find("#signin-key button[type=submit]").click();
        browser.find("nav.sidebar");
        for (String page : List.of("overview", "routes", "upstreams", "ratelimits", "cache", "keys", "users", "logs", "jobs")) {
            browser.open("#/" + page);
            browser.until(d -> d.findElement(By.cssSelector("nav a[aria-current=page]")).getAttribute("data-page").equals(page));
            browser.until(d -> d.findElements(By.cssSelector("main .loading")).isEmpty());
            assertThat(browser.driver.findElements(By.cssSelector("main .error-box"))).as("errors shown on " + page).isEmpty();
            browser.screenshot(page);
        }
        assertThat(browser.driver.findElements(By.cssSelector("nav a[data-page=jobs]"))).as("the jobs page, the API having /jobs").hasSize(1);
        assertThat(browser.severeConsoleMessages()).isEmpty();
    }
}
