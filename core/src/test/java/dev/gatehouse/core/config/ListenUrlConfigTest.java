package dev.gatehouse.core.config;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** {@code storage.postgres.listenUrl}, where every LISTEN goes, and the jobs-only key it replaced. */
class ListenUrlConfigTest {
    static final String POOLER = "jdbc:postgresql://pgbouncer:6432/gh?prepareThreshold=0";
    static final String DIRECT = "jdbc:postgresql://db:5432/gh";

    private final List<String> warnings = new ArrayList<>();

    private GatewayConfig read(Map<String, Object> tree, Map<String, String> env) throws InvalidConfigException {
        return GatewayConfigReader.read(tree, "gatehouse.yaml", env, w -> warnings.add(w.toString()));
    }

    private static List<String> problems(Map<String, Object> tree) {
        InvalidConfigException e = catchThrowableOfType(InvalidConfigException.class,
                () -> GatewayConfigReader.read(tree, "gatehouse.yaml", name -> null));
        assertThat(e).as("expected the configuration to be refused").isNotNull();
        return e.problems().stream().map(ConfigProblem::toString).toList();
    }

    private static Map<String, Object> storage(Map<String, Object> postgres) {
        return Map.of("postgres", postgres);
    }

    @Test
    void shouldReadTheListenUrlFromTheFileOrItsVariable() throws InvalidConfigException {
        assertThat(read(Map.of("storage", storage(Map.of("url", POOLER, "listenUrl", DIRECT))), Map.of()).storage().listenUrl())
                .isEqualTo(DIRECT);
        GatewayConfig fromEnv = read(Map.of("storage", storage(Map.of("url", POOLER))), Map.of("GATEHOUSE_STORAGE_POSTGRES_LISTEN_URL", DIRECT));
        assertThat(fromEnv.storage().listenUrl()).isEqualTo(DIRECT);
        assertThat(warnings).as("the variable is a key's").isEmpty();
        assertThat(read(Map.of("storage", storage(Map.of("url", POOLER))), Map.of()).storage().listenUrl()).as("absent: the storage URL").isNull();
    }

    @Test
    void shouldRefuseAListenUrlThatIsNotJdbcOrHasNoServerToPointPast() {
        assertThat(problems(Map.of("storage", storage(Map.of("url", POOLER, "listenUrl", "postgres://db/gh")))))
                .containsExactly("storage.postgres.listenUrl: must be a JDBC URL starting with jdbc:postgresql:, got 'postgres://db/gh'");
        assertThat(problems(Map.of("storage", storage(Map.of("listenUrl", DIRECT))))).containsExactly("storage.postgres.listenUrl: needs "
                + "storage.postgres.url: without one the node runs an embedded PostgreSQL, which it always reaches directly");
    }

    @Test
    void shouldServeEveryListenFromTheDeprecatedJobsKeyWithAWarning() throws InvalidConfigException {
        GatewayConfig config = read(Map.of("storage", storage(Map.of("url", POOLER)), "jobs", Map.of("listenUrl", DIRECT)), Map.of());
        assertThat(config.storage().listenUrl()).isEqualTo(DIRECT);
        assertThat(warnings).containsExactly("jobs.listenUrl: is deprecated: move it to storage.postgres.listenUrl (meanwhile it serves "
                + "every LISTEN: the jobs', the identity change feed's and the dashboard's)");

        warnings.clear();
        read(Map.of("storage", storage(Map.of("url", POOLER, "listenUrl", DIRECT))), Map.of("GATEHOUSE_JOBS_LISTEN_URL", DIRECT));
        assertThat(warnings).containsExactly("GATEHOUSE_JOBS_LISTEN_URL (jobs.listenUrl): is deprecated and the same as "
                + "storage.postgres.listenUrl; remove it");
    }

    @Test
    void shouldRefuseAJobsListenUrlThatDiffersFromTheStoragesOne() {
        assertThat(problems(Map.of("storage", storage(Map.of("url", POOLER, "listenUrl", DIRECT)),
                "jobs", Map.of("listenUrl", "jdbc:postgresql://other:5432/gh"))))
                .containsExactly("jobs.listenUrl: is deprecated and differs from storage.postgres.listenUrl, which every LISTEN uses; remove it");
        assertThat(problems(Map.of("jobs", Map.of("listenUrl", DIRECT)))).containsExactly("jobs.listenUrl: needs storage.postgres.url: "
                + "without one the node runs an embedded PostgreSQL, which it always reaches directly");
    }
}
