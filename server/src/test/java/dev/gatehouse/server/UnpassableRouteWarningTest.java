package dev.gatehouse.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.gatehouse.server.config.ConfigLoader;
import dev.gatehouse.testkit.TestDatabase;
import dev.gatehouse.testkit.TestPostgres;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A tiers route whose cost a stored tier cannot cover is named in the log when the node starts and on reload. */
class UnpassableRouteWarningTest {
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger(GatewayNode.class);
    private TestDatabase database;
    private GatewayNode node;

    @BeforeEach
    void capture() {
        logged.start();
        logger.addAppender(logged);
        database = TestPostgres.newDatabase();
    }

    @AfterEach
    void release() {
        logger.detachAppender(logged);
        if (node != null) {
            node.close();
        }
        database.close();
    }

    private String yaml(int cost) {
        return """
                gateway: {host: 127.0.0.1, port: 0, instances: 1}
                admin: {port: 0}
                storage: {postgres: {url: "%s", poolSize: 2}}
                observability: {accessLog: "off"}
                upstreams: {svc: {targets: [{url: "http://127.0.0.1:9"}]}}
                routes:
                  - {name: exports, match: {prefix: /exports}, upstream: svc, rateLimit: {tiers: true, mode: local, cost: %d}}
                """.formatted(database.jdbcUrl(), cost);
    }

    private List<String> warnings() {
        return logged.list.stream().filter(e -> e.getLevel() == Level.WARN).map(ILoggingEvent::getFormattedMessage).toList();
    }

    @Test
    void theTiersBelowTheCostAreNamedAtStartAndOnReload() throws Exception {
        node = TestNodes.start(yaml(500));
        assertThat(warnings()).containsExactly("route 'exports' costs 500 a request, more than '100/min': callers of tier 'anonymous' "
                + "can never pass it; raise the tier or lower the route's cost");

        logged.list.clear();
        node.apply(new ConfigLoader(name -> null).parse(yaml(5_000), "test.yaml"));
        assertThat(warnings()).containsExactlyInAnyOrder(
                "route 'exports' costs 5000 a request, more than '100/min': callers of tier 'anonymous' can never pass it; raise the tier or lower the route's cost",
                "route 'exports' costs 5000 a request, more than '1000/min': callers of tier 'free' can never pass it; raise the tier or lower the route's cost");

        logged.list.clear();
        node.apply(new ConfigLoader(name -> null).parse(yaml(1), "test.yaml"));
        assertThat(warnings()).isEmpty();
    }
}
