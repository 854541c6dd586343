package dev.gatehouse.core.ratelimit;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RateLimitParsingTest {

    @ParameterizedTest
    @CsvSource({"100/min,100,PT1M", "10/s,10,PT1S", "5000 / hour,5000,PT1H", "500000/day,500000,PT24H", "7/second,7,PT1S"})
    void parsesRates(String text, long limit, Duration window) {
        RateLimit parsed = RateLimit.parse(text);
        assertThat(parsed).isEqualTo(new RateLimit(limit, window));
        assertThat(RateLimit.parse(parsed.text())).as("text() reads back").isEqualTo(parsed);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"100 per minute|is not a rate such as 100/min", "x/min|does not start with a whole number",
            "100/week|unknown period 'week'", "0/min|at least 1 per window", "2000000000/s|at most 1000000000 per window, got 2000000000",
            "99999999999999999999/s|at most 1000000000 per window"})
    void refusesWhatIsNotARate(String text, String reason) {
        assertThatThrownBy(() -> RateLimit.parse(text)).hasMessageContaining(reason);
    }

    @ParameterizedTest
    @CsvSource({"1000,3,334", "10,1,10", "1,5,1"})
    void sharesALimitAmongNodesRoundingUp(long limit, int nodes, long each) {
        assertThat(RateLimit.perMinute(limit).perNode(nodes).limit()).isEqualTo(each);
    }
}
