package dev.gatehouse.server.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class LookupsTest {
    private final Vertx vertx = Vertx.vertx();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    @AfterEach
    void close() {
        vertx.close().await();
    }

    @Test
    void concurrentLookupsOfOneCredentialShareAQueryAndTooManyDistinctOnesAreRefusedAtOnce() throws Exception {
        Lookups<String> lookups = new Lookups<>(vertx, 2, "api-key", meters, Caffeine.newBuilder().<String, String>build());
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger queries = new AtomicInteger();
        List<Future<String>> same = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            same.add(lookups.get("hot", () -> {
                queries.incrementAndGet();
                release.await();
                return "found";
            }));
        }
        Future<String> other = lookups.get("other", () -> {
            release.await();
            return "other";
        });
        Future<String> third = lookups.get("third", () -> "never asked");
        assertThat(third.failed()).as("a third distinct look-up while two wait").isTrue();
        assertThat(third.cause()).isInstanceOf(Lookups.Busy.class);
        assertThat(meters.get("gatehouse.identity.lookups.refused").counter().count()).isEqualTo(1);
        assertThat(meters.get("gatehouse.identity.lookups.in.flight").gauge().value()).isEqualTo(2);

        release.countDown();
        await().atMost(Duration.ofSeconds(5)).until(() -> same.stream().allMatch(Future::succeeded) && other.succeeded());
        assertThat(same).allSatisfy(f -> assertThat(f.result()).isEqualTo("found"));
        assertThat(queries).as("one query for five look-ups of one credential").hasValue(1);
        await().atMost(Duration.ofSeconds(5)).until(() -> meters.get("gatehouse.identity.lookups.in.flight").gauge().value() == 0);
        assertThat(lookups.get("third", () -> "asked now").toCompletionStage().toCompletableFuture().get()).isEqualTo("asked now");
    }

    @Test
    void aFailedQueryFailsEveryoneWaitingOnItAndIsNotRemembered() throws Exception {
        Lookups<String> lookups = new Lookups<>(vertx, 8, "session", meters, Caffeine.newBuilder().<String, String>build());
        Future<String> failed = lookups.get("x", () -> {
            throw new java.sql.SQLException("connection refused");
        });
        await().atMost(Duration.ofSeconds(5)).until(failed::isComplete);
        assertThat(failed.cause()).hasMessage("connection refused");
        assertThat(lookups.get("x", () -> "back").toCompletionStage().toCompletableFuture().get()).isEqualTo("back");
    }

    @Test
    void aLookupThatAnInvalidationOvertookAnswersItsCallersButCachesNothingAndIsNotJoinedAfterIt() throws Exception {
        Cache<String, String> cache = Caffeine.newBuilder().build();
        Lookups<String> lookups = new Lookups<>(vertx, 8, "api-key", meters, cache);
        CountDownLatch release = new CountDownLatch(1);
        Future<String> raced = lookups.get("k", () -> {
            release.await();
            return "active";
        });
        lookups.invalidate("k");
        Future<String> after = lookups.get("k", () -> "revoked");
        assertThat(after.toCompletionStage().toCompletableFuture().get()).as("a look-up begun after the invalidation asks again").isEqualTo("revoked");
        release.countDown();
        assertThat(raced.toCompletionStage().toCompletableFuture().get()).isEqualTo("active");
        assertThat(cache.getIfPresent("k")).as("the raced answer is not cached over the later one").isEqualTo("revoked");

        CountDownLatch reconnected = new CountDownLatch(1);
        Future<String> distrusted = lookups.get("other", () -> {
            reconnected.await();
            return "read before";
        });
        lookups.distrustRunning();
        reconnected.countDown();
        assertThat(distrusted.toCompletionStage().toCompletableFuture().get()).isEqualTo("read before");
        assertThat(cache.getIfPresent("other")).isNull();
    }
}
