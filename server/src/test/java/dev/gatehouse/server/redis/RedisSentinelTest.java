package dev.gatehouse.server.redis;

import dev.gatehouse.server.GatewayNode;
import dev.gatehouse.server.TestNodes;
import dev.gatehouse.testkit.TestDatabase;
import dev.gatehouse.testkit.TestPostgres;
import dev.gatehouse.testkit.TestRedisSentinel;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Nodes over a master watched by three sentinels: a killed master is survived once they promote its replica. */
class RedisSentinelTest {

    static Vertx vertx;
    static TestDatabase database;
    static TestRedisSentinel sentinel;
    static int upstreamPort;
    final List<GatewayNode> nodes = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        sentinel = TestRedisSentinel.start();
        vertx = Vertx.vertx();
        database = TestPostgres.newDatabase();
        upstreamPort = TestNodes.okUpstream(vertx);
    }

    @AfterAll
    static void stop() {
        vertx.close();
        database.close();
        sentinel.close();
    }

    @AfterEach
    void stopNodes() {
        nodes.forEach(GatewayNode::close);
    }

    private GatewayNode node() {
        String sentinels = sentinel.sentinels().stream().map(s -> "\"" + s + "\"").collect(Collectors.joining(", "));
        GatewayNode node = TestNodes.start("""
                gateway: {host: 127.0.0.1, port: 0, instances: 2, trustedProxies: [127.0.0.1]}
                admin: {port: 0}
                storage: {postgres: {url: "%s", poolSize: 2}}
                observability: {accessLog: "off"}
                redis: {mode: sentinel, sentinels: [%s], masterName: %s, timeout: 500ms}
                upstreams:
                  svc: {targets: [{url: "http://127.0.0.1:%d"}]}
                routes:
                %s
                """.formatted(database.jdbcUrl(), sentinels, TestRedisSentinel.MASTER_NAME, upstreamPort, FailoverUnderLoad.ROUTES));
        nodes.add(node);
        return node;
    }

    @Test
    void aMasterKilledUnderLoadIsSurvivedOnceTheSentinelsPromoteItsReplica() throws Exception {
        List<GatewayNode> two = List.of(node(), node());
        int master = sentinel.masterPort();
        assertThat(FailoverUnderLoad.get(two.get(0), "/closed").statusCode()).isEqualTo(200);

        FailoverUnderLoad.Figures figures = FailoverUnderLoad.run(two, () -> sentinel.kill(master));

        await().until(() -> sentinel.masterPort() != master);
        System.out.println("sentinel failover: " + figures);
        FailoverUnderLoad.assertExactAgain(two);
    }
}
