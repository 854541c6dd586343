package dev.gatehouse.core.identity;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PasswordHasherTest {

    private final PasswordHasher hasher = new PasswordHasher(PasswordHasher.MINIMUM_ITERATIONS);

    @Test
    void verifiesTheRightPasswordOnly() {
        String hash = hasher.hash("correct horse");
        assertThat(hash).startsWith("pbkdf2-sha256$100000$").doesNotContain("correct horse");
        assertThat(PasswordHasher.verify("correct horse", hash)).isTrue();
        assertThat(PasswordHasher.verify("correct hors", hash)).isFalse();
        assertThat(hasher.hash("correct horse")).as("salted").isNotEqualTo(hash);
    }

    @Test
    void malformedHashesNeverVerify() {
        assertThat(PasswordHasher.verify("x", "plain")).isFalse();
        assertThat(PasswordHasher.verify("x", "pbkdf2-sha256$abc$def$ghi")).isFalse();
        assertThatThrownBy(() -> new PasswordHasher(1000)).hasMessageContaining("at least 100000 iterations");
    }
}
