package dev.gatehouse.server.cli;

import dev.gatehouse.core.time.Clock;
import dev.gatehouse.sample.ThirdPartyMock;
import dev.gatehouse.server.GatewayNode;
import dev.gatehouse.server.TestNodes;
import dev.gatehouse.testkit.TestDatabase;
import dev.gatehouse.testkit.TestPostgres;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Dead letters through the admin API and {@code gatehouse jobs}: listed, inspected, replayed, deleted. */
class JobsCommandTest {
    static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    static Vertx vertx;
    static TestDatabase database;
    static ThirdPartyMock mock;
    static GatewayNode node;
    static String adminKey;
    static String clientKey;
    static String admin;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        database = TestPostgres.newDatabase();
        mock = new ThirdPartyMock(List.of(ThirdPartyMock.Window.parse("600/min")), Clock.system()::read);
        int port = ThirdPartyMock.listen(vertx, mock).toCompletionStage().toCompletableFuture().get().actualPort();
        node = TestNodes.start("""
                gateway: {host: 127.0.0.1, port: 0, instances: 1}
                admin: {port: 0}
                storage: {postgres: {url: "%s", poolSize: 4}}
                observability: {accessLog: "off"}
                logs: {enabled: false}
                upstreams:
                  llm:
                    targets: [{url: "http://127.0.0.1:%d"}]
                    quota: {limits: [600/min, 20000/hour], target: 90%%}
                routes:
                  - name: generate
                    match: {prefix: /v1/generate, methods: [POST]}
                    upstream: llm
                    rewrite: /third-party/generate
                    auth: {mode: required}
                    async: {queue: llm}
                jobs: {queues: {llm: {workers: 1, backoff: [10ms, 10ms], timeout: 2s}}}
                """.formatted(database.jdbcUrl(), port));
        adminKey = node.identities().keys().create("ops", "free", List.of("admin"), null, null).key();
        clientKey = node.identities().keys().create("client", "free", List.of(), null, null).key();
        admin = "http://127.0.0.1:" + node.adminPort();
    }

    @AfterAll
    static void stop() {
        node.close();
        vertx.close();
        database.close();
    }

    static String submit(String body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.gatewayPort() + "/v1/generate"))
                .header("X-API-Key", clientKey).POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(202);
        return new JsonObject(r.body()).getString("jobId");
    }

    static HttpResponse<String> admin(String method, String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(admin + path)).header("X-API-Key", adminKey).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static String state(String id) throws Exception {
        return new JsonObject(admin("GET", "/jobs/" + id, null).body()).getString("status");
    }

    @Test
    void shouldListInspectReplayAndDeleteDeadJobs() throws Exception {
        String fine = submit("{\"prompt\":\"fine\"}");
        String poison = submit("{\"prompt\":\"poison\"}");
        await().atMost(Duration.ofSeconds(30)).until(() -> state(poison).equals("dead") && state(fine).equals("succeeded"));

        JsonArray queues = new JsonArray(admin("GET", "/jobs/queues", null).body());
        JsonObject llm = queues.getJsonObject(0);
        assertThat(llm.getString("queue")).isEqualTo("llm");
        assertThat(llm.getJsonObject("depth").getLong("dead")).isEqualTo(1);
        assertThat(llm.getJsonObject("depth").getLong("succeeded")).isEqualTo(1);
        JsonObject minute = llm.getJsonObject("quota").getJsonArray("windows").getJsonObject(0);
        assertThat(minute.getString("window")).isEqualTo("600/min");
        assertThat(minute.getLong("budget")).isEqualTo(540);
        await().atMost(Duration.ofSeconds(10)).until(() -> Long.valueOf(4).equals(new JsonArray(admin("GET", "/jobs/queues", null).body())
                .getJsonObject(0).getJsonObject("quota").getJsonArray("windows").getJsonObject(1).getLong("used")));
        assertThat(llm.getInteger("workersOnThisNode")).isEqualTo(1);

        JsonArray dead = new JsonArray(admin("GET", "/jobs?state=dead", null).body());
        assertThat(dead).hasSize(1);
        assertThat(dead.getJsonObject(0).getString("jobId")).isEqualTo(poison);
        assertThat(dead.getJsonObject(0).getString("error")).contains("attempt 3 of 3");
        assertThat(dead.getJsonObject(0).getString("owner")).startsWith("key:");

        CliRun listed = CliRun.run("jobs", "list", "--state", "dead", "--admin", admin, "--key", adminKey);
        assertThat(listed.code()).as(listed.err()).isZero();
        assertThat(listed.out()).contains(poison).contains("dead").contains("3/3");
        CliRun table = CliRun.run("jobs", "queues", "--admin", admin, "--key", adminKey);
        assertThat(table.out()).contains("llm").contains("600/min").contains("/540");

        CliRun replayed = CliRun.run("jobs", "replay", poison, "--admin", admin, "--key", adminKey);
        assertThat(replayed.code()).as(replayed.err()).isZero();
        assertThat(replayed.out()).contains("replayed 1 job(s)");
        await().atMost(Duration.ofSeconds(30)).until(() -> mock.callsFor(poison) == 6 && state(poison).equals("dead"));

        HttpResponse<String> notDead = admin("POST", "/jobs/" + fine + "/replay", null);
        assertThat(notDead.statusCode()).isEqualTo(409);
        assertThat(notDead.body()).contains("is succeeded; only dead or failed jobs are replayed");

        assertThat(new JsonObject(admin("POST", "/jobs/replay", "{\"queue\": \"llm\"}").body()).getInteger("replayed")).isEqualTo(1);
        await().atMost(Duration.ofSeconds(30)).until(() -> mock.callsFor(poison) == 9 && state(poison).equals("dead"));

        CliRun deleted = CliRun.run("jobs", "delete", poison, "--admin", admin, "--key", adminKey);
        assertThat(deleted.code()).as(deleted.err()).isZero();
        assertThat(admin("GET", "/jobs/" + poison, null).statusCode()).isEqualTo(404);
        CliRun gone = CliRun.run("jobs", "show", poison, "--admin", admin, "--key", adminKey);
        assertThat(gone.code()).isEqualTo(2);
        assertThat(gone.err()).contains("404").contains("no job " + poison);
    }

    @Test
    void shouldRefuseWhatItCannotDoSayingWhy() throws Exception {
        HttpResponse<String> state = admin("GET", "/jobs?state=zombie", null);
        assertThat(state.statusCode()).isEqualTo(400);
        assertThat(state.body()).contains("'state' is one of").contains("dead");
        HttpResponse<String> replay = admin("POST", "/jobs/replay", "{\"state\": \"queued\"}");
        assertThat(replay.statusCode()).isEqualTo(400);
        assertThat(replay.body()).contains("'state' must be dead or failed");
        HttpResponse<String> unknownQueue = admin("POST", "/jobs/replay", "{\"queue\": \"nope\"}");
        assertThat(unknownQueue.body()).contains("'queue' must be one of llm");
        HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(URI.create(admin + "/jobs/queues")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(anonymous.statusCode()).isEqualTo(401);
        CliRun noKey = CliRun.run("jobs", "list", "--admin", admin);
        assertThat(noKey.code()).isEqualTo(2);
        assertThat(noKey.err()).contains("GATEHOUSE_ADMIN_KEY");
        CliRun neither = CliRun.run("jobs", "replay", "--admin", admin, "--key", adminKey);
        assertThat(neither.err()).contains("give a job's id, or --all");
    }
}
