package dev.gatehouse.redis;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** What an operator reads in the log while Redis fails and comes back: one line each way. */
class RedisBreakerTest {

    @Test
    void shouldLogDegradationOnceAndRecoveryOnceWhenRedisFailsAndReturns() {
        Logger log = (Logger) LoggerFactory.getLogger("redis-breaker-test");
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        log.addAppender(lines);
        RedisBreaker breaker = new RedisBreaker("test", log, "degraded ({})", "recovered");

        for (int i = 0; i < 4; i++) {
            assertThat(breaker.tryAcquire()).isTrue();
            breaker.succeeded(System.nanoTime());
        }
        for (int i = 0; i < 6 && breaker.tryAcquire(); i++) {
            breaker.failed(System.nanoTime(), new TimeoutException("no answer in 100 ms"));
        }
        assertThat(breaker.available()).as("open after half of the last calls failed").isFalse();
        assertThat(breaker.tryAcquire()).as("while open, callers skip Redis").isFalse();

        // after the wait, both trial calls fail: degraded still, and not logged a second time
        await().atMost(Duration.ofSeconds(10)).until(breaker::tryAcquire);
        breaker.failed(System.nanoTime(), new TimeoutException("no answer in 100 ms"));
        assertThat(breaker.tryAcquire()).isTrue();
        breaker.failed(System.nanoTime(), new TimeoutException("no answer in 100 ms"));
        assertThat(breaker.available()).isFalse();
        // after the next wait, trial calls go through; once they succeed, the breaker closes
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            if (breaker.tryAcquire()) {
                breaker.succeeded(System.nanoTime());
            }
            return breaker.available() && lines.list.size() == 2;
        });

        assertThat(breaker.available()).as("closed after the trial calls succeeded").isTrue();
        assertThat(lines.list).extracting(ILoggingEvent::getLevel, ILoggingEvent::getFormattedMessage).containsExactly(
                org.assertj.core.groups.Tuple.tuple(Level.WARN, "degraded (TimeoutException: no answer in 100 ms)"),
                org.assertj.core.groups.Tuple.tuple(Level.INFO, "recovered"));
    }
}
