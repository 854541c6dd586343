package dev.gatehouse.redis;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.redis.client.Response;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What a caller of Redis sees through the guard when Redis is silent, answers nonsense, or is given up on. */
class RedisGuardTest {

    static RedisGuard guard(Duration timeout) {
        return new RedisGuard(new RedisBreaker("test", LoggerFactory.getLogger(RedisGuardTest.class), "degraded ({})", "recovered"), timeout);
    }

    static <T> T await(Future<T> future) throws Exception {
        CompletableFuture<T> done = future.toCompletionStage().toCompletableFuture();
        return done.get(10, TimeUnit.SECONDS);
    }

    @Test
    void shouldFailByTheTimeoutAndNoLongerCountTheCallInFlightWhenRedisDoesNotAnswer() {
        RedisGuard guard = guard(Duration.ofMillis(50));
        Promise<Response> silent = Promise.promise();

        Future<Response> call = guard.call(silent::future, reply -> reply, () -> Future.succeededFuture(null));
        assertThat(guard.inFlight()).as("sent, not answered").isEqualTo(1);

        assertThatThrownBy(() -> await(call)).isInstanceOf(ExecutionException.class).hasCauseInstanceOf(TimeoutException.class);
        assertThat(guard.inFlight()).as("given up on").isZero();
    }

    @Test
    void shouldFailTheCallAndTellTheBreakerWhenTheReplyCannotBeRead() throws Exception {
        RedisGuard guard = guard(Duration.ofSeconds(5));
        IllegalStateException unreadable = new IllegalStateException("not what the script sends");
        for (int i = 0; i < 5; i++) {
            Future<String> call = guard.call(() -> Future.succeededFuture(null), reply -> {
                throw unreadable;
            }, () -> Future.succeededFuture("skipped"));
            assertThatThrownBy(() -> await(call)).hasCause(unreadable);
        }
        assertThat(guard.breaker().available()).as("five unreadable replies of five open the breaker").isFalse();
    }

    @Test
    void shouldAnswerWithoutSendingWhileTheBreakerIsOpen() throws Exception {
        RedisGuard guard = guard(Duration.ofSeconds(5));
        for (int i = 0; i < 5; i++) {
            Future<Response> failing = guard.call(() -> Future.failedFuture("connection refused"), reply -> reply, () -> Future.succeededFuture(null));
            assertThatThrownBy(() -> await(failing)).hasMessageContaining("connection refused");
        }
        AtomicInteger sent = new AtomicInteger();

        String answer = await(guard.call(() -> {
            sent.incrementAndGet();
            return Future.succeededFuture(null);
        }, reply -> "asked Redis", () -> Future.succeededFuture("skipped")));

        assertThat(answer).isEqualTo("skipped");
        assertThat(sent).as("calls that reached Redis while open").hasValue(0);
        assertThat(guard.inFlight()).isZero();
    }
}
