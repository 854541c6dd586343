package dev.gatehouse.server;

import dev.gatehouse.core.time.Ticker;
import dev.gatehouse.testkit.TestDatabase;
import io.vertx.core.transport.Transport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every value of {@code gateway.transport}: where the machine offers it, a node on it proxies end to end
 * and says which one it runs on; where it does not, the node refuses to start and says why.
 */
class NetworkTransportTest {

    static TestBed bed;
    static TestDatabase database;
    static TestUpstream upstream;

    @BeforeAll
    static void start() {
        bed = new TestBed();
        database = bed.database;
        upstream = bed.upstream("alpha");
    }

    @AfterAll
    static void stop() {
        bed.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"auto", "io_uring", "epoll", "nio"})
    void aNodeOnEachTransportProxiesOrRefusesToStartSayingWhy(String setting) {
        Transport wanted = setting.equals("io_uring") ? Transport.IO_URING : setting.equals("epoll") ? Transport.EPOLL : null;
        String body = """
                upstreams:
                  alpha:
                    targets: [{url: "%s"}]
                routes:
                  - name: alpha
                    match: {prefix: /alpha}
                    upstream: alpha
                """.formatted(upstream.url());
        if (wanted != null && !wanted.available()) {
            assertThatThrownBy(() -> GatewayHarness.start(database, "  transport: " + setting + "\n", body, Ticker.system()))
                    .hasMessageContaining("gateway.transport: " + setting + " is not available on this machine");
            return;
        }
        try (GatewayHarness gateway = GatewayHarness.start(database, "  transport: " + setting + "\n", body, Ticker.system())) {
            HttpResponse<String> response = gateway.get("/alpha/hello");
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).contains("alpha");
            String expected = switch (setting) {
                case "auto" -> Transport.IO_URING.available() ? "io_uring" : Transport.EPOLL.available() ? "epoll" : "nio";
                default -> setting;
            };
            assertThat(gateway.node().transport()).isEqualTo(expected);
            assertThat(gateway.admin("/metrics").body()).contains("gatehouse_node_transport{transport=\"" + expected + "\"} 1.0");
        }
    }
}
