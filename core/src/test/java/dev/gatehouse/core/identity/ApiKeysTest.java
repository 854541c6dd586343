package dev.gatehouse.core.identity;

import org.junit.jupiter.api.Test;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ApiKeysTest {

    private final SecureRandom random = new SecureRandom();

    @Test
    void keysAreRecognisableAndCarryAtLeast256RandomBits() {
        String key = ApiKeys.generate(random);
        assertThat(key).startsWith("gh_live_").hasSize(8 + 43);
        assertThat(ApiKeys.looksLikeKey(key)).isTrue();
        // 62^43 > 2^256: the encoding has room for every 32-byte value
        assertThat(Math.log(62) * 43 / Math.log(2)).isGreaterThan(256);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            assertThat(seen.add(ApiKeys.generate(random))).isTrue();
        }
    }

    @Test
    void onlyAHashAndAPrefixAreKept() {
        String key = ApiKeys.generate(random);
        assertThat(ApiKeys.prefix(key)).hasSize(8).isEqualTo(key.substring(8, 16));
        assertThat(ApiKeys.hash(key)).hasSize(32).isEqualTo(ApiKeys.hash(key));
        assertThat(ApiKeys.hash(key)).isNotEqualTo(ApiKeys.hash(ApiKeys.generate(random)));
    }

    @Test
    void malformedCredentialsAreNotKeys() {
        assertThat(ApiKeys.looksLikeKey(null)).isFalse();
        assertThat(ApiKeys.looksLikeKey("gh_live_short")).isFalse();
        assertThat(ApiKeys.looksLikeKey("gh_test_" + "a".repeat(43))).isFalse();
        assertThat(ApiKeys.looksLikeKey("gh_live_" + "a".repeat(42) + "!")).isFalse();
        assertThat(ApiKeys.looksLikeKey("gh_live_" + "a".repeat(42) + "é")).as("beyond ASCII").isFalse();
        assertThat(ApiKeys.looksLikeKey("gh_live_" + "a".repeat(42) + "\u0100")).isFalse();
        assertThat(ApiKeys.looksLikeKey("gh_live_" + "Z09az".repeat(8) + "abc")).isTrue();
    }

    @Test
    void anExpiryMustBeAnInstantInTheFuture() {
        Instant now = Instant.parse("2026-12-03T12:00:00Z");
        assertThat(ApiKeys.expiry("--expires", "2026-12-03T12:00:01Z", now)).isEqualTo(Instant.parse("2026-12-03T12:00:01Z"));
        assertThatThrownBy(() -> ApiKeys.expiry("--expires", "2026-12-03T12:00:00Z", now))
                .hasMessage("--expires 2026-12-03T12:00:00Z is not in the future; the key would never work");
        assertThatThrownBy(() -> ApiKeys.expiry("'expiresAt'", "2027-01-01", now))
                .hasMessage("'expiresAt' must be an ISO-8601 instant such as 2027-01-01T00:00:00Z, got '2027-01-01'");
    }
}
