package dev.gatehouse.core.health;

import dev.gatehouse.core.time.ManualTicker;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static dev.gatehouse.core.health.TargetHealth.Transition.BECAME_HEALTHY;
import static dev.gatehouse.core.health.TargetHealth.Transition.BECAME_UNHEALTHY;
import static dev.gatehouse.core.health.TargetHealth.Transition.EJECTED;
import static dev.gatehouse.core.health.TargetHealth.Transition.NONE;
import static org.assertj.core.api.Assertions.assertThat;

class TargetHealthTest {
    private final ManualTicker ticker = new ManualTicker();
    private final TargetHealth health = new TargetHealth(new HealthPolicy(3, 2, 4, Duration.ofSeconds(10)), ticker);

    @Test
    void shouldGoUnhealthyAfterNConsecutiveFailedChecksAndBackAfterMPassedOnes() {
        assertThat(health.checkFailed()).isEqualTo(NONE);
        assertThat(health.checkFailed()).isEqualTo(NONE);
        assertThat(health.isUsable()).isTrue();
        assertThat(health.checkFailed()).isEqualTo(BECAME_UNHEALTHY);
        assertThat(health.isUsable()).isFalse();

        assertThat(health.checkPassed()).isEqualTo(NONE);
        assertThat(health.isUsable()).isFalse();
        assertThat(health.checkPassed()).isEqualTo(BECAME_HEALTHY);
        assertThat(health.isUsable()).isTrue();
    }

    @Test
    void aPassedCheckResetsTheFailureCount() {
        health.checkFailed();
        health.checkFailed();
        health.checkPassed();
        health.checkFailed();
        health.checkFailed();
        assertThat(health.isUsable()).isTrue();
    }

    @Test
    void shouldEjectAfterConsecutiveTrafficFailuresUntilTheEjectionExpires() {
        health.trafficFailed();
        health.trafficFailed();
        health.trafficFailed();
        assertThat(health.isUsable()).isTrue();
        assertThat(health.trafficFailed()).isEqualTo(EJECTED);
        assertThat(health.isUsable()).isFalse();

        ticker.advance(Duration.ofSeconds(9));
        assertThat(health.isUsable()).isFalse();
        ticker.advance(Duration.ofSeconds(1));
        assertThat(health.isUsable()).isTrue();
        assertThat(health.isEjected()).isFalse();
    }

    @Test
    void aSuccessBetweenFailuresPreventsEjection() {
        for (int i = 0; i < 10; i++) {
            health.trafficFailed();
            health.trafficFailed();
            health.trafficSucceeded();
        }
        assertThat(health.isUsable()).isTrue();
    }

    @Test
    void anExpiredEjectionDoesNotReviveAnUnhealthyTarget() {
        for (int i = 0; i < 4; i++) {
            health.trafficFailed();
        }
        for (int i = 0; i < 3; i++) {
            health.checkFailed();
        }
        ticker.advance(Duration.ofSeconds(30));
        assertThat(health.isUsable()).isFalse();
        health.checkPassed();
        health.checkPassed();
        assertThat(health.isUsable()).isTrue();
    }
}
