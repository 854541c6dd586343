package dev.gatehouse.core.ratelimit;

import dev.gatehouse.core.ratelimit.RateLimitFields.Quota;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class RateLimitFieldsTest {

    @Test
    void thePolicyListsEveryWindowAsAQuotedNameWithQuotaAndWindow() {
        List<Quota> quotas = new ArrayList<>(RateLimitFields.named(null, List.of(RateLimit.perSecond(10), RateLimit.perMinute(1000))));
        quotas.addAll(RateLimitFields.named("pro", List.of(RateLimit.parse("10000/hour"), RateLimit.parse("5/day"))));
        assertThat(RateLimitFields.policy(quotas))
                .isEqualTo("\"1s\";q=10;w=1, \"1min\";q=1000;w=60, \"pro-1h\";q=10000;w=3600, \"pro-1d\";q=5;w=86400");
    }

    @Test
    void rateLimitNamesTheQuotaWithWhatIsLeftAndWhenItResets() {
        Quota quota = RateLimitFields.named(null, List.of(RateLimit.perMinute(100))).get(0);
        assertThat(RateLimitFields.rateLimit(quota, 42, 17)).isEqualTo("\"1min\";r=42;t=17");
    }

    @Test
    void namesAreSfStrings() {
        Quota odd = new Quota("a\"b\\c\u00e9", RateLimit.perSecond(1));
        assertThat(RateLimitFields.policy(List.of(odd))).isEqualTo("\"a\\\"b\\\\c_\";q=1;w=1");
    }

    @Test
    void windowsOfOtherLengthsAreNamedInSecondsOrMilliseconds() {
        assertThat(RateLimitFields.windowName(Duration.ofSeconds(90))).isEqualTo("90s");
        assertThat(RateLimitFields.windowName(Duration.ofMinutes(120))).isEqualTo("2h");
        assertThat(RateLimitFields.windowName(Duration.ofMillis(1500))).isEqualTo("1500ms");
    }

    @Test
    void theDecidingQuotaIsTheLongestWindowOfTheDecisionsLimitOrOfItsPerNodeShare() {
        List<Quota> quotas = new ArrayList<>(RateLimitFields.named(null, List.of(RateLimit.perSecond(100), RateLimit.perMinute(1000))));
        quotas.addAll(RateLimitFields.named("free", List.of(RateLimit.perMinute(100))));
        assertThat(RateLimitFields.decidedBy(quotas, 1000, 1).name()).isEqualTo("1min");
        assertThat(RateLimitFields.decidedBy(quotas, 100, 1).name()).as("100/min never has more left than 100/s").isEqualTo("free-1min");
        assertThat(RateLimitFields.decidedBy(quotas, 334, 3).name()).as("a per-node share of 1000/min").isEqualTo("1min");
        assertThat(RateLimitFields.decidedBy(quotas, 7, 3).name()).isEqualTo("1s");
    }
}
