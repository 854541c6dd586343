package dev.gatehouse.core.config;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** {@code auth.jwt.publicKeys}: each entry a PEM, or {@code {kid, pem}}. */
class JwtKeysConfigTest {

    static String pem;
    static String other;

    @BeforeAll
    static void keys() throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        pem = "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder().encodeToString(rsa.generateKeyPair().getPublic().getEncoded()) + "\n-----END PUBLIC KEY-----";
        other = "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder().encodeToString(rsa.generateKeyPair().getPublic().getEncoded()) + "\n-----END PUBLIC KEY-----";
    }

    private static Map<String, Object> jwt(Object publicKeys) {
        return Map.of("auth", Map.of("jwt", Map.of("issuer", "https://id.example.com", "audience", List.of("orders"),
                "algorithms", List.of("RS256"), "publicKeys", publicKeys)));
    }

    private static List<String> problems(Map<String, Object> tree) {
        InvalidConfigException e = catchThrowableOfType(InvalidConfigException.class,
                () -> GatewayConfigReader.read(tree, "gatehouse.yaml", name -> null));
        assertThat(e).as("expected problems").isNotNull();
        return e.problems().stream().map(ConfigProblem::toString).toList();
    }

    @Test
    void keysMayBePemsOrCarryAKid() throws Exception {
        JwtConfig config = GatewayConfigReader.read(jwt(List.of(pem, Map.of("kid", "2025-01", "pem", other))), "gatehouse.yaml", name -> null)
                .identity().jwt();
        assertThat(config.keys()).containsExactly(new JwtConfig.SigningKey(null, pem), new JwtConfig.SigningKey("2025-01", other));
        assertThat(config.publicKeys()).containsExactly(pem, other);
    }

    @Test
    void aKeyEntryIsCheckedAndNamedByItsPlaceInTheList() {
        assertThat(problems(jwt(List.of(
                Map.of("kid", "a", "pem", pem),
                Map.of("kid", "a", "pem", other),
                Map.of("kid", "b"),
                Map.of("kid", "c", "pme", pem),
                Map.of("kid", "d", "pem", "not base64 !"),
                List.of(pem))))).containsExactlyInAnyOrder(
                "auth.jwt.publicKeys[1].kid: 'a' is publicKeys[0]'s kid too; a kid names one key",
                "auth.jwt.publicKeys[2].pem: is required",
                "auth.jwt.publicKeys[3].pem: is required",
                "auth.jwt.publicKeys[3].pme: unknown key; did you mean 'pem'?",
                "auth.jwt.publicKeys[4]: is not a PEM public key (-----BEGIN PUBLIC KEY----- and base64)",
                "auth.jwt.publicKeys[5]: must be a value or a mapping of settings, got a list");
    }
}
