package dev.gatehouse.shortener;

import dev.gatehouse.core.time.Clock;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static dev.gatehouse.shortener.TestShorteners.json;
import static org.assertj.core.api.Assertions.assertThat;

/** Two instances on one PostgreSQL and one Redis, each with a node id it leased, creating at the same time. */
class UniqueCodesAcrossInstancesTest {

    @Test
    void twoInstancesMakeOneHundredThousandIdsWithoutADuplicate() throws Exception {
        try (TestShorteners bed = new TestShorteners(true)) {
            ShortenerInstance a = bed.start("links-a", Clock.system());
            ShortenerInstance b = bed.start("links-b", Clock.system());
            assertThat(a.shortener().node()).isNotEqualTo(b.shortener().node());

            // the generators as creation calls them, two threads per instance, all started together
            ExecutorService pool = Executors.newFixedThreadPool(4);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<long[]>> batches = new ArrayList<>();
            for (ShortenerInstance instance : List.of(a, b, a, b)) {
                batches.add(pool.submit(() -> {
                    go.await();
                    long[] made = new long[25_000];
                    for (int i = 0; i < made.length; i++) {
                        made[i] = instance.shortener().nextId();
                    }
                    return made;
                }));
            }
            go.countDown();
            Set<Long> all = new HashSet<>();
            for (Future<long[]> batch : batches) {
                for (long id : batch.get(60, TimeUnit.SECONDS)) {
                    all.add(id);
                }
            }
            pool.shutdown();
            assertThat(all).hasSize(100_000);
            Set<String> codes = new HashSet<>();
            all.forEach(id -> codes.add(Base62.encode(id)));
            assertThat(codes).hasSize(100_000);
        }
    }

    @Test
    void linksCreatedConcurrentlyOnTwoInstancesGetDistinctCodes() throws Exception {
        try (TestShorteners bed = new TestShorteners(true)) {
            ShortenerInstance a = bed.start("links-a", Clock.system());
            ShortenerInstance b = bed.start("links-b", Clock.system());
            ExecutorService pool = Executors.newFixedThreadPool(8);
            Set<String> codes = ConcurrentHashMap.newKeySet();
            List<Future<Integer>> statuses = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                ShortenerInstance instance = i % 2 == 0 ? a : b;
                int n = i;
                statuses.add(pool.submit(() -> {
                    HttpResponse<String> created = bed.create(instance, "key:load", new JsonObject().put("url", "https://example.com/" + n));
                    if (created.statusCode() == 201) {
                        codes.add(json(created).getString("code"));
                    }
                    return created.statusCode();
                }));
            }
            for (Future<Integer> status : statuses) {
                assertThat(status.get(60, TimeUnit.SECONDS)).isEqualTo(201);
            }
            pool.shutdown();
            assertThat(codes).hasSize(400);
            try (Connection c = bed.database.connect(); Statement s = c.createStatement();
                 ResultSet r = s.executeQuery("SELECT count(DISTINCT code), count(DISTINCT id) FROM shortener.links")) {
                r.next();
                assertThat(r.getInt(1)).isEqualTo(400);
                assertThat(r.getInt(2)).isEqualTo(400);
            }
        }
    }

    @Test
    void aConcurrentAliasRaceHasExactlyOneWinner() throws Exception {
        try (TestShorteners bed = new TestShorteners(true)) {
            ShortenerInstance a = bed.start("links-a", Clock.system());
            ShortenerInstance b = bed.start("links-b", Clock.system());
            for (int round = 0; round < 5; round++) {
                String alias = "launch-" + round;
                ExecutorService pool = Executors.newFixedThreadPool(10);
                CountDownLatch go = new CountDownLatch(1);
                List<Future<HttpResponse<String>>> answers = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    ShortenerInstance instance = i % 2 == 0 ? a : b;
                    String owner = "key:racer-" + i;
                    answers.add(pool.submit(() -> {
                        go.await();
                        return bed.create(instance, owner, new JsonObject().put("url", "https://example.com/" + owner).put("alias", alias));
                    }));
                }
                go.countDown();
                List<Integer> statuses = new ArrayList<>();
                String winner = null;
                for (Future<HttpResponse<String>> answer : answers) {
                    HttpResponse<String> r = answer.get(30, TimeUnit.SECONDS);
                    statuses.add(r.statusCode());
                    if (r.statusCode() == 201) {
                        winner = json(r).getString("url");
                    }
                }
                pool.shutdown();
                assertThat(statuses).as("round %d", round).containsOnly(201, 409);
                assertThat(statuses.stream().filter(s -> s == 201).count()).as("round %d", round).isEqualTo(1);
                // both instances redirect to the winner's URL
                for (ShortenerInstance instance : List.of(a, b)) {
                    assertThat(bed.call(instance, "GET", "/" + alias, null).headers().firstValue("location")).hasValue(winner);
                }
            }
        }
    }

    @Test
    void nodeIdsAreNeverSharedAndATakenOverIdStartsAfterItsLastHolder() throws Exception {
        try (TestShorteners bed = new TestShorteners(false)) {
            ShortenerDatabase db = new ShortenerDatabase(bed.database.jdbcUrl(), 4, new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
            try (db) {
                Clock clock = Clock.system();
                List<SnowflakeIds> generators = new ArrayList<>();
                List<NodeLeases> leases = new ArrayList<>();
                ExecutorService pool = Executors.newFixedThreadPool(6);
                List<Future<Integer>> taken = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    SnowflakeIds ids = new SnowflakeIds(clock, ShortenerInstance.PARK, Duration.ofSeconds(1));
                    NodeLeases lease = new NodeLeases(db.dataSource(), ids, clock, Duration.ofSeconds(30), "holder-" + i);
                    generators.add(ids);
                    leases.add(lease);
                    taken.add(pool.submit(lease::acquire));
                }
                Set<Integer> nodes = new HashSet<>();
                for (Future<Integer> node : taken) {
                    nodes.add(node.get(30, TimeUnit.SECONDS));
                }
                pool.shutdown();
                assertThat(nodes).hasSize(6);

                // holder 0 stops cleanly: the next acquisition gets its id and starts after its last id
                long last = generators.get(0).next();
                int freed = leases.get(0).node();
                leases.get(0).release();
                SnowflakeIds successor = new SnowflakeIds(clock, ShortenerInstance.PARK, Duration.ofSeconds(1));
                NodeLeases successorLease = new NodeLeases(db.dataSource(), successor, clock, Duration.ofSeconds(30), "successor");
                assertThat(successorLease.acquire()).isEqualTo(freed);
                assertThat(successor.next()).isGreaterThan(last);

                // holder 1's lease is taken over behind its back (it expired): its next renewal finds out and it stops
                try (Connection c = bed.database.connect(); Statement s = c.createStatement()) {
                    s.executeUpdate("UPDATE shortener.node_leases SET holder = 'thief' WHERE holder = 'holder-1'");
                }
                assertThat(leases.get(1).renew()).isFalse();
                assertThat(org.assertj.core.api.Assertions.catchThrowable(generators.get(1)::next))
                        .isInstanceOf(SnowflakeIds.Unavailable.class).hasMessageContaining("lease");
                assertThat(leases.get(2).renew()).isTrue();
            }
        }
    }
}
