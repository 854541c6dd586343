package dev.gatehouse.dist;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code gatehouse demo --nodes 3} as a newcomer runs it: three gateway nodes behind a round-robin, over the demo's
 * PostgreSQL and a Redis the demo starts itself, where one limit holds across the nodes and a write through one node
 * drops the cached copies of all.
 */
class DemoClusterIT {
    private static final String ADMIN_KEY = "Bearer admin-token-dev";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private DemoProcess demo;

    @AfterEach
    void stopDemo() throws Exception {
        if (demo != null) {
            demo.stop();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private HttpResponse<String> send(String method, String url, String body, String authorization) throws Exception {
        return http.send(request(method, url, body, authorization), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest request(String method, String url, String body, String authorization) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        return request.build();
    }

    @Test
    void threeNodesShareOneLimitAndOneCacheBehindARoundRobinAndStopWithEverythingTheyStarted(@TempDir Path dir) throws Exception {
        List<Integer> nodePorts = List.of(freePort(), freePort(), freePort());
        List<Integer> nodeAdminPorts = List.of(freePort(), freePort());
        demo = new DemoProcess(dir).start("--nodes", "3",
                "--node-ports", nodePorts.get(0) + "," + nodePorts.get(1) + "," + nodePorts.get(2),
                "--node-admin-ports", nodeAdminPorts.get(0) + "," + nodeAdminPorts.get(1));
        List<String> nodes = nodePorts.stream().map(p -> "http://127.0.0.1:" + p).toList();
        assertThat(demo.output()).contains("3 gateway nodes, one process, sharing PostgreSQL and Redis (the demo's own, redis://127.0.0.1:",
                "node-2          http://localhost:" + nodePorts.get(1) + "   (admin http://localhost:" + nodeAdminPorts.get(0),
                "round-robin     http://localhost:" + demo.gatewayPort);

        // the round-robin sends each request to the next node, and says which
        List<String> servedBy = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            servedBy.add(send("GET", demo.gateway() + "/api/v1/status", null, ADMIN_KEY).headers().firstValue("x-gatehouse-node").orElse(null));
        }
        assertThat(servedBy.stream().collect(Collectors.groupingBy(Function.identity(), Collectors.counting())))
                .as("every node in turn: " + servedBy).isEqualTo(Map.of("node-1", 2L, "node-2", 2L, "node-3", 2L));
        JsonArray live = new JsonArray(send("GET", demo.admin() + "/nodes", null, ADMIN_KEY).body());
        assertThat(live.stream().map(JsonObject.class::cast).filter(n -> n.getBoolean("live")).count()).isEqualTo(3);

        // first, while the anonymous tier is untouched: the README's commands
        theReadmesCommandsDoWhatItSays(nodePorts, dir);

        // one limit across the nodes: a tier of 30 an hour lets exactly 30 of 90 concurrent requests through, wherever they land
        assertThat(send("PUT", demo.admin() + "/tiers/cluster-trial", "{\"limits\": [\"30/hour\"]}", ADMIN_KEY).statusCode()).isIn(200, 201);
        String probe = "Bearer " + key("cluster-probe");
        for (String node : nodes) {
            // a tier edited on one node reaches the others through PostgreSQL; a probe key of its own waits for that
            await().atMost(Duration.ofSeconds(30)).until(() -> send("GET", node + "/api/v1/status", null, probe)
                    .headers().firstValue("x-ratelimit-limit").orElse("").equals("30"));
        }
        String caller = "Bearer " + key("cluster-caller");
        List<CompletableFuture<HttpResponse<String>>> burst = new ArrayList<>();
        for (int i = 0; i < 90; i++) {
            burst.add(http.sendAsync(request("GET", demo.gateway() + "/api/v1/status", null, caller), HttpResponse.BodyHandlers.ofString()));
        }
        List<HttpResponse<String>> answers = burst.stream().map(CompletableFuture::join).toList();
        Map<Integer, Long> byStatus = answers.stream().collect(Collectors.groupingBy(HttpResponse::statusCode, Collectors.counting()));
        assertThat(byStatus).as("30 passed in all, not 30 per node").containsExactlyInAnyOrderEntriesOf(Map.of(200, 30L, 429, 60L));
        assertThat(answers.stream().filter(r -> r.statusCode() == 200).map(r -> r.headers().firstValue("x-gatehouse-node").orElseThrow())
                .collect(Collectors.toSet())).as("the passed requests were served by every node").containsExactlyInAnyOrder("node-1", "node-2", "node-3");

        // one cache: node-2 finds node-1's copy in Redis, and a write through node-3 drops it on every node
        // (read with the admin key: the README's loop spent the anonymous tier)
        String resource = "/api/v1/resources/3";
        assertThat(send("GET", nodes.get(0) + resource, null, ADMIN_KEY).headers().firstValue("x-cache")).hasValue("MISS");
        assertThat(send("GET", nodes.get(0) + resource, null, ADMIN_KEY).headers().firstValue("x-cache")).hasValue("HIT-L1");
        assertThat(send("GET", nodes.get(1) + resource, null, ADMIN_KEY).headers().firstValue("x-cache")).hasValue("HIT-L2");
        HttpResponse<String> renamed = send("PUT", nodes.get(2) + resource, "{\"name\": \"Renamed on node-3\", \"type\": \"document\"}", ADMIN_KEY);
        assertThat(renamed.statusCode()).as(renamed.body()).isEqualTo(200);
        Function<String, String> name = node -> {
            try {
                return new JsonObject(send("GET", node + resource, null, ADMIN_KEY).body()).getString("name");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(nodes.stream().map(name).toList())
                .as("every node serves the new name").containsOnly("Renamed on node-3"));

        demo.stop();
        String log = demo.output();
        assertThat(log.substring(log.indexOf("Stopping the demo"))).as("a quiet stop: Redis outlives the nodes").doesNotContain(" WARN ", " ERROR ");
    }

    /**
     * The README's cluster commands as written (default ports replaced by the test's), each with the outcome its comment
     * gives: the loop ends in 429s after about 100, then MISS, HIT-L2, the write, and the new name.
     */
    private void theReadmesCommandsDoWhatItSays(List<Integer> nodePorts, Path dir) throws Exception {
        List<String> commands = ReadmeCommands.of("## Running several nodes");
        assertThat(commands).as("the README's cluster commands").hasSize(5);
        ReadmeCommands readme = new ReadmeCommands(dir, command -> command
                .replace("localhost:8080", "localhost:" + demo.gatewayPort).replace("localhost:8081", "localhost:" + demo.adminPort)
                .replace("localhost:8180", "localhost:" + nodePorts.get(0)).replace("localhost:8181", "localhost:" + nodePorts.get(1))
                .replace("localhost:8182", "localhost:" + nodePorts.get(2)));
        String loop = readme.run(commands.get(0));
        Map<String, Integer> counts = ReadmeCommands.counts(loop);
        assertThat(counts.keySet()).as(loop).containsExactlyInAnyOrder("200", "429");
        assertThat(counts.get("200")).as("about 100 in all, as GCRA allows 100 a minute: " + loop).isBetween(99, 130);
        assertThat(readme.run(commands.get(1)).strip()).isEqualToIgnoringCase("x-cache: MISS");
        assertThat(readme.run(commands.get(2)).strip()).isEqualToIgnoringCase("x-cache: HIT-L2");
        assertThat(new JsonObject(readme.run(commands.get(3))).getString("name")).isEqualTo("Renamed");
        assertThat(new JsonObject(readme.run(commands.get(4))).getString("name")).isEqualTo("Renamed");
    }

    /** A new API key of the tier {@code cluster-trial}, created through the admin API. */
    private String key(String name) throws Exception {
        HttpResponse<String> created = send("POST", demo.admin() + "/keys", "{\"name\": \"" + name + "\", \"tier\": \"cluster-trial\"}", ADMIN_KEY);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        return new JsonObject(created.body()).getString("key");
    }
}
