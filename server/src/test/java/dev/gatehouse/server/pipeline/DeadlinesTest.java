package dev.gatehouse.server.pipeline;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class DeadlinesTest {
    private static final long MS = 1_000_000L;

    @Test
    void onlyRequestsStillWaitingAtTheirDeadlineExpireAndInDeadlineOrder() {
        Deadlines deadlines = new Deadlines();
        List<String> expired = new ArrayList<>();
        deadlines.add(0, 300 * MS, () -> expired.add("slow route, first"));
        Deadlines.Entry answered = deadlines.add(10 * MS, 300 * MS, () -> expired.add("answered in time"));
        deadlines.add(20 * MS, 100 * MS, () -> expired.add("fast route"));
        deadlines.add(30 * MS, 300 * MS, () -> expired.add("slow route, second"));
        answered.done();
        answered.done();

        deadlines.expire(119 * MS);
        assertThat(expired).isEmpty();
        deadlines.expire(120 * MS);
        assertThat(expired).containsExactly("fast route");
        deadlines.expire(330 * MS);
        assertThat(expired).containsExactly("fast route", "slow route, first", "slow route, second");
        assertThat(deadlines.size()).as("nothing is held once every request is done or expired").isZero();
    }

    @Test
    void requestsThatAreAnsweredLeaveAtOnceWhateverIsAheadOfThem() {
        Deadlines deadlines = new Deadlines();
        deadlines.add(0, 30_000 * MS, () -> { });
        for (int i = 0; i < 10_000; i++) {
            deadlines.add(i, 30_000 * MS, () -> { }).done();
        }
        assertThat(deadlines.size()).as("a long-waiting request does not keep the answered ones behind it").isEqualTo(1);
    }

    @Test
    void anExpiryMayStartAnotherRequestWithADeadlineOfItsOwn() {
        Deadlines deadlines = new Deadlines();
        List<String> expired = new ArrayList<>();
        deadlines.add(0, 100 * MS, () -> deadlines.add(100 * MS, 50 * MS, () -> expired.add("retry")));
        deadlines.expire(100 * MS);
        assertThat(deadlines.size()).isEqualTo(1);
        deadlines.expire(150 * MS);
        assertThat(expired).containsExactly("retry");
    }
}
