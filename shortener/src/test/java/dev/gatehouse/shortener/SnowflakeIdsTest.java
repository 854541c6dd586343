package dev.gatehouse.shortener;

import dev.gatehouse.core.time.Clock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SnowflakeIdsTest {

    /** A wall clock that a test can step back, as NTP or a resumed VM would; pausing moves it forward. */
    static final class SteppingClock implements Clock {
        final AtomicLong millis = new AtomicLong(SnowflakeIds.EPOCH_MILLIS + Duration.ofDays(700).toMillis());
        final List<Duration> paused = new ArrayList<>();

        @Override
        public long read() {
            return millis.get() * 1_000_000L;
        }

        @Override
        public long epochMillis() {
            return millis.get();
        }

        void pause(Duration d) {
            paused.add(d);
            millis.addAndGet(Math.max(1, d.toMillis()));
        }
    }

    final SteppingClock clock = new SteppingClock();
    final SnowflakeIds ids = new SnowflakeIds(clock, clock::pause, Duration.ofMillis(50));

    SnowflakeIdsTest() {
        ids.assign(7, 0, Long.MAX_VALUE);
    }

    @Test
    void idsCarryTheirMillisecondAndNodeAndStrictlyIncrease() {
        long first = ids.next();
        long second = ids.next();
        assertThat(second).isGreaterThan(first);
        assertThat(SnowflakeIds.nodeOf(first)).isEqualTo(7);
        assertThat(SnowflakeIds.millisOf(first)).isEqualTo(clock.epochMillis());
        assertThat(Base62.encode(first)).hasSize(10);
        assertThat(Base62.decode(Base62.encode(first))).isEqualTo(first);
    }

    @Test
    void aFullMillisecondWaitsForTheNextOne() {
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < 4096 * 3; i++) {
            assertThat(seen.add(ids.next())).isTrue();
        }
        assertThat(clock.paused).as("one pause per full sequence").hasSize(2);
    }

    @Test
    void aSmallStepBackIsWaitedOut() {
        long before = ids.next();
        clock.millis.addAndGet(-30);
        long after = ids.next();
        assertThat(after).isGreaterThan(before);
        assertThat(clock.paused).containsExactly(Duration.ofMillis(30));
        assertThat(SnowflakeIds.millisOf(after)).isGreaterThanOrEqualTo(SnowflakeIds.millisOf(before));
    }

    @Test
    void aLargeStepBackIsRefusedUntilTheClockCatchesUp() {
        long before = ids.next();
        clock.millis.addAndGet(-5_000);
        assertThatThrownBy(ids::next).isInstanceOf(SnowflakeIds.Unavailable.class)
                .hasMessageContaining("5000 ms behind the last id").hasMessageContaining("refused");
        assertThat(clock.paused).isEmpty();
        clock.millis.addAndGet(5_001);
        assertThat(ids.next()).isGreaterThan(before);
    }

    @Test
    void aNewHolderOfANodeIdStartsAfterWhatThePreviousOneMayHaveIssued() {
        long issuedBefore = ids.next();
        SnowflakeIds next = new SnowflakeIds(clock, clock::pause, Duration.ofMillis(50));
        long bound = clock.epochMillis() + 20;
        next.assign(7, bound, Long.MAX_VALUE); // the previous holder's bound is ahead of this clock
        long first = next.next();
        assertThat(SnowflakeIds.millisOf(first)).as("the first millisecond after the bound").isEqualTo(bound + 1);
        assertThat(first).isGreaterThan(issuedBefore);
    }

    @Test
    void noIdsPastTheLeaseOrWithoutANode() {
        SnowflakeIds unassigned = new SnowflakeIds(clock, clock::pause, Duration.ofMillis(50));
        assertThatThrownBy(unassigned::next).isInstanceOf(SnowflakeIds.Unavailable.class).hasMessageContaining("no node id");
        ids.leaseUntil(clock.epochMillis() + 10);
        ids.next();
        clock.millis.addAndGet(11);
        assertThatThrownBy(ids::next).isInstanceOf(SnowflakeIds.Unavailable.class).hasMessageContaining("lease has run out");
        assertThatThrownBy(() -> ids.assign(1024, 0, 0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("between 0 and 1023");
    }

    @Test
    void base62IsTheSeedsAlphabetAndRefusesWhatIsNotAnId() {
        assertThat(Base62.encode(0)).isEqualTo("0");
        assertThat(Base62.encode(61)).isEqualTo("Z");
        assertThat(Base62.encode(62)).isEqualTo("10");
        assertThat(Base62.encode(Long.MAX_VALUE)).isEqualTo("aZl8N0y58M7");
        assertThat(Base62.decode("aZl8N0y58M7")).isEqualTo(Long.MAX_VALUE);
        assertThatThrownBy(() -> Base62.decode("aZl8N0y58M8")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("past the largest");
        assertThatThrownBy(() -> Base62.decode("ab-c")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'-'");
    }
}
