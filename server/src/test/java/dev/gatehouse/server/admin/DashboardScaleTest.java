package dev.gatehouse.server.admin;

import dev.gatehouse.server.GatewayNode;
import dev.gatehouse.server.TestNodes;
import dev.gatehouse.testkit.TestDatabase;
import dev.gatehouse.testkit.TestPostgres;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard over a large installation: 100 000 API keys and a week of request analytics, written straight into the
 * tables of this test's own database with generate_series. The keys page shows its first page and the total (the server
 * pages and counts), finds one key by name, and pages on; the overview's 7-day view is summed by PostgreSQL from the
 * per-minute rollups. The time each answer took is printed for the record, not asserted.
 */
class DashboardScaleTest {
    static final int KEYS = 100_000;
    /**
     * A week of minutes but the last hour: the 7-day window slides on while the tests run, and a minute falling out of
     * it between the setup and a check would change the sum the check expects.
     */
    static final int MINUTES = 7 * 24 * 60 - 60;

    static TestDatabase database;
    static GatewayNode node;
    static String adminKey;
    static long requestsInTheWeek;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        database = TestPostgres.newDatabase();
        node = TestNodes.start("""
                gateway: {host: 127.0.0.1, port: 0, instances: 1}
                admin: {port: 0}
                storage: {postgres: {url: "%s", poolSize: 3}}
                observability: {accessLog: "off"}
                logs: {enabled: false}  # the test writes the week the dashboard reads
                upstreams:
                  svc: {targets: [{url: "http://127.0.0.1:9"}]}
                routes:
                  - {name: orders, match: {prefix: /orders}, upstream: svc}
                """.formatted(database.jdbcUrl()));
        adminKey = node.identities().keys().create("operator", "enterprise", List.of("admin"), null, null).key();
        try (Connection c = database.connect(); Statement s = c.createStatement()) {
            long started = System.nanoTime();
            s.executeUpdate("INSERT INTO gatehouse_api_keys (key_hash, prefix, name, tier, scopes) "
                    + "SELECT sha256(('bulk-' || i)::bytea), substr(md5(i::text), 1, 8), 'bulk key ' || i, "
                    + "(ARRAY['free', 'pro', 'enterprise'])[1 + i % 3], '{}' FROM generate_series(1, " + KEYS + ") AS i");
            // a week of minutes on three routes: 2xx every minute, 5xx and 429s now and then, latencies spread over the buckets
            s.executeUpdate("INSERT INTO request_rollups (minute, route, status_class, tier, requests, limited, cache_hits, cache_lookups, "
                    + "bytes_in, bytes_out, duration_us_sum, histogram) "
                    + "SELECT date_trunc('minute', now()) - make_interval(mins => m), r, 2, 'free', 100 + m % 50, 0, 40, 60, 10000, 90000, "
                    + "(100 + m % 50) * 4000, ARRAY[0, 5, 10, 40, 30, 10 + m % 50, 5]::bigint[] "
                    + "FROM generate_series(1, " + MINUTES + ") AS m, unnest(ARRAY['orders', 'catalog', 'search']) AS r");
            s.executeUpdate("INSERT INTO request_rollups (minute, route, status_class, tier, requests, limited, cache_hits, cache_lookups, "
                    + "bytes_in, bytes_out, duration_us_sum, histogram) "
                    + "SELECT date_trunc('minute', now()) - make_interval(mins => m), 'orders', 4, 'free', 3, 3, 0, 0, 300, 900, 3000, "
                    + "ARRAY[3]::bigint[] FROM generate_series(1, " + MINUTES + ", 7) AS m");
            try (ResultSet r = s.executeQuery("SELECT sum(requests) FROM request_rollups")) {
                r.next();
                requestsInTheWeek = r.getLong(1);
            }
            System.out.printf("wrote %d keys and %d minutes of rollups on 3 routes in %d ms%n", KEYS, MINUTES, (System.nanoTime() - started) / 1_000_000);
        }
    }

    @AfterAll
    static void stop() {
        node.close();
        database.close();
    }

    static HttpResponse<String> admin(String path) {
        try {
            long started = System.nanoTime();
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.adminPort() + path))
                    .header("x-api-key", adminKey).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            System.out.printf("GET %s: %d in %d ms%n", path, response.statusCode(), (System.nanoTime() - started) / 1_000_000);
            return response;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void theKeysPageShowsItsFirstPageAndTheTotalFindsAKeyByNameAndPagesOn() {
        assertThat(admin("/keys?order=newest&limit=50").headers().firstValue("x-total-count")).hasValue(Integer.toString(KEYS + 1));
        assertThat(admin("/keys?q=bulk%20key%2077777&limit=50").headers().firstValue("x-total-count")).hasValue("1");

        try (DashboardBrowser browser = new DashboardBrowser("http://127.0.0.1:" + node.adminPort(), 1400, 950)) {
            browser.open("");
            browser.find("#tab-key").click();
            browser.find("#signin-key input").sendKeys(adminKey);
            browser.find("#signin-key button[type=submit]").click();
            browser.find("nav.sidebar");
            browser.open("#/keys");
            // read afresh each time: the list is drawn again whenever an answer arrives
            browser.until(d -> d.findElement(By.id("keys-count")).getText().equals("Showing 1–50 of 100,001"));
            List<String> rows = browser.until(d -> d.findElements(By.cssSelector("#keys-list tbody tr")).stream().map(WebElement::getText).toList());
            assertThat(rows).hasSize(50);
            assertThat(rows.get(0)).as("newest first").contains("bulk key " + KEYS);

            browser.driver.findElement(By.xpath("//div[@class='pager']/button[normalize-space()='Next']")).click();
            browser.until(d -> d.findElement(By.id("keys-count")).getText().equals("Showing 51–100 of 100,001"));
            browser.until(d -> d.findElements(By.cssSelector("#keys-list tbody tr")).get(0).getText().contains("bulk key " + (KEYS - 50)));

            browser.find("input[aria-label='Search keys']").sendKeys("bulk key 77777");
            browser.until(d -> d.findElement(By.id("keys-count")).getText().equals("Showing 1–1 of 1"));
            List<String> found = browser.until(d -> d.findElements(By.cssSelector("#keys-list tbody tr")).stream().map(WebElement::getText).toList());
            assertThat(found).singleElement().asString().contains("bulk key 77777");
            browser.screenshot("keys-100k");
        }
    }

    @Test
    void theOverviewsWeekIsSummedByPostgresqlFromTheRollups() {
        JsonObject week = new JsonObject(admin("/analytics/summary?since=7d").body());
        assertThat(week.getLong("requests")).isEqualTo(requestsInTheWeek);
        assertThat(new JsonObject(admin("/analytics/series?since=7d&step=2h").body()).getJsonArray("points")).hasSizeBetween(84, 85);

        try (DashboardBrowser browser = new DashboardBrowser("http://127.0.0.1:" + node.adminPort(), 1400, 950)) {
            browser.open("");
            browser.find("#tab-key").click();
            browser.find("#signin-key input").sendKeys(adminKey);
            browser.find("#signin-key button[type=submit]").click();
            browser.find("nav.sidebar");
            browser.driver.findElement(By.xpath("//div[@role='group']/button[normalize-space()='7 d']")).click();
            String expected = String.format(java.util.Locale.US, "%,d in 7d", requestsInTheWeek);
            browser.until(d -> d.findElement(By.cssSelector("[data-stat=requests] .tile-sub")).getText().equals(expected));
            assertThat(browser.driver.findElements(By.cssSelector("main .error-box"))).isEmpty();
            assertThat(browser.find("#overview-below").getText()).contains("orders", "catalog", "search");
            browser.screenshot("overview-7d");
        }
    }
}
