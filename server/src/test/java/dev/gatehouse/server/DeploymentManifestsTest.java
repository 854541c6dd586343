package dev.gatehouse.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.gatehouse.core.config.AdminListenerConfig;
import dev.gatehouse.core.config.GatewayConfig;
import dev.gatehouse.server.config.ConfigLoader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Kubernetes manifests under deploy/kubernetes and the Grafana dashboard under deploy/grafana, held to the code
 * (no cluster here to apply them to): the ConfigMap's file is a valid configuration with the Deployment's
 * environment, the probes ask the admin listener's real health paths on its port, the config is mounted where the
 * container's arguments read it (as a directory, so updates reach it), the grace period outlasts the drain, and every
 * object selects the Deployment's pods.
 */
class DeploymentManifestsTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Map<String, JsonNode> byKind = new HashMap<>();
    private static JsonNode container;
    private static JsonNode pod;

    @BeforeAll
    static void read() throws IOException {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        JsonNode kustomization = yaml.readTree(ROOT.resolve("deploy/kubernetes/kustomization.yaml").toFile());
        for (JsonNode resource : kustomization.get("resources")) {
            try (MappingIterator<JsonNode> docs = yaml.readerFor(JsonNode.class)
                    .readValues(ROOT.resolve("deploy/kubernetes").resolve(resource.asText()).toFile())) {
                for (JsonNode doc : docs.readAll()) {
                    assertThat(byKind.put(doc.get("kind").asText(), doc)).as("one %s", doc.get("kind")).isNull();
                }
            }
        }
        pod = byKind.get("Deployment").at("/spec/template/spec");
        container = pod.at("/containers/0");
    }

    private static GatewayConfig configMapsFile() throws Exception {
        Map<String, String> environment = new HashMap<>();
        for (JsonNode variable : container.get("env")) {
            // a Secret's value is not in the manifests; any value stands for it
            environment.put(variable.get("name").asText(), variable.has("value") ? variable.get("value").asText() : "from-a-secret");
        }
        List<String> warnings = new ArrayList<>();
        GatewayConfig config = new ConfigLoader(environment, warnings::add)
                .parse(byKind.get("ConfigMap").at("/data/gatehouse.yaml").asText(), "configmap.yaml");
        assertThat(warnings).as("warnings of the ConfigMap's file with the Deployment's environment").isEmpty();
        return config;
    }

    @Test
    void theConfigMapsFileIsValidWithTheDeploymentsEnvironmentAndIsMountedWhereTheContainerReadsIt() throws Exception {
        GatewayConfig config = configMapsFile();
        List<String> args = new ArrayList<>();
        container.get("args").forEach(a -> args.add(a.asText()));
        Path file = Path.of(args.get(args.indexOf("--config") + 1));
        JsonNode mount = null;
        for (JsonNode m : container.get("volumeMounts")) {
            if (m.get("mountPath").asText().equals(file.getParent().toString())) {
                mount = m;
            }
        }
        assertThat(mount).as("a volume mounted at %s", file.getParent()).isNotNull();
        assertThat(mount.has("subPath")).as("a subPath mount never sees the ConfigMap change: hot reload needs the directory").isFalse();
        String volume = mount.get("name").asText();
        JsonNode configVolume = null;
        for (JsonNode v : pod.get("volumes")) {
            if (v.get("name").asText().equals(volume)) {
                configVolume = v;
            }
        }
        assertThat(configVolume.at("/configMap/name").asText()).isEqualTo(byKind.get("ConfigMap").at("/metadata/name").asText());
        assertThat(byKind.get("ConfigMap").at("/data").has(file.getFileName().toString())).isTrue();

        // the spool lives on a writable volume when the root filesystem is read-only
        assertThat(container.at("/securityContext/readOnlyRootFilesystem").asBoolean()).isTrue();
        assertThat(Path.of(config.logs().spoolDir()).startsWith(Path.of(mountPathOf("data")))).isTrue();
    }

    private static String mountPathOf(String volume) {
        for (JsonNode m : container.get("volumeMounts")) {
            if (m.get("name").asText().equals(volume)) {
                return m.get("mountPath").asText();
            }
        }
        throw new AssertionError("no mount of volume " + volume);
    }

    @Test
    void probesAskTheAdminListenersHealthPathsOnItsPortAndTheGracePeriodOutlastsTheDrain() throws Exception {
        GatewayConfig config = configMapsFile();
        Map<String, Integer> ports = new HashMap<>();
        container.get("ports").forEach(p -> ports.put(p.get("name").asText(), p.get("containerPort").asInt()));
        assertThat(ports).containsEntry("http", config.gateway().port()).containsEntry("admin", config.admin().port());
        assertThat(config.admin().port()).isEqualTo(AdminListenerConfig.DEFAULT_PORT);
        assertThat(config.admin().host()).as("probes come from outside the pod").isEqualTo("0.0.0.0");
        assertThat(container.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/health/live");
        assertThat(container.at("/startupProbe/httpGet/path").asText()).isEqualTo("/health/live");
        assertThat(container.at("/readinessProbe/httpGet/path").asText()).as("readiness turns DOWN while the node drains").isEqualTo("/health/ready");
        for (String probe : List.of("livenessProbe", "readinessProbe", "startupProbe")) {
            assertThat(container.at("/" + probe + "/httpGet/port").asText()).isEqualTo("admin");
        }
        long drain = config.gateway().shutdown().delay().toSeconds() + config.gateway().shutdown().timeout().toSeconds();
        assertThat(pod.get("terminationGracePeriodSeconds").asLong()).as("Kubernetes kills after the grace period").isGreaterThan(drain);
        assertThat(config.gateway().shutdown().delay().toSeconds())
                .as("the drain delay covers a readiness period, so endpoints drop the pod before it stops taking connections")
                .isGreaterThanOrEqualTo(container.at("/readinessProbe/periodSeconds").asLong());
        assertThat(container.at("/resources/requests/cpu").asText()).isNotEmpty();
        assertThat(container.at("/resources/requests/memory").asText()).isNotEmpty();
    }

    @Test
    void everyObjectSelectsTheDeploymentsPodsAndMetricsAreScrapedFromTheAdminPort() {
        JsonNode labels = byKind.get("Deployment").at("/spec/template/metadata/labels");
        assertThat(byKind.get("Deployment").at("/spec/selector/matchLabels")).isEqualTo(labels);
        assertThat(byKind.get("Service").at("/spec/selector")).isEqualTo(labels);
        assertThat(byKind.get("PodDisruptionBudget").at("/spec/selector/matchLabels")).isEqualTo(labels);
        assertThat(byKind.get("NetworkPolicy").at("/spec/podSelector/matchLabels")).isEqualTo(labels);
        assertThat(byKind.get("HorizontalPodAutoscaler").at("/spec/scaleTargetRef/name").asText())
                .isEqualTo(byKind.get("Deployment").at("/metadata/name").asText());
        assertThat(byKind.get("ServiceMonitor").at("/spec/selector/matchLabels")).isEqualTo(byKind.get("Service").at("/metadata/labels"));
        JsonNode endpoint = byKind.get("ServiceMonitor").at("/spec/endpoints/0");
        assertThat(endpoint.get("path").asText()).isEqualTo("/metrics");
        Set<String> servicePorts = new TreeSet<>();
        byKind.get("Service").at("/spec/ports").forEach(p -> servicePorts.add(p.get("name").asText()));
        assertThat(servicePorts).contains(endpoint.get("port").asText());
    }

    @Test
    void theSizingAddsUpPoolSizeTimesTheMostReplicasWithinPostgresDefaultConnectionCap() throws Exception {
        GatewayConfig config = configMapsFile();
        int most = byKind.get("HorizontalPodAutoscaler").at("/spec/maxReplicas").asInt();
        // besides its pool a node holds the request-log writer's connection and two LISTENs (docs/jobs.md)
        assertThat(most * (config.storage().poolSize() + 3)).as("PostgreSQL's default max_connections is 100").isLessThanOrEqualTo(100);
    }

    @Test
    void theGrafanaDashboardGraphsOnlyMetricsTheNodeExports() throws IOException {
        String dashboard = Files.readString(ROOT.resolve("deploy/grafana/gatehouse-dashboard.json"));
        JsonNode parsed = new ObjectMapper().readTree(dashboard);
        assertThat(parsed.get("panels").size()).isGreaterThanOrEqualTo(8);
        String documented = ReadmeAgreesWithCodeTest.paragraph("**Metrics**");
        Set<String> used = new TreeSet<>();
        Matcher name = Pattern.compile("(gatehouse_[a-z0-9_]+)").matcher(dashboard);
        while (name.find()) {
            used.add(name.group(1).replaceFirst("_(bucket|count|sum|max)$", ""));
        }
        assertThat(used).isNotEmpty().allSatisfy(metric -> assertThat(documented).as("docs/operations.md lists %s", metric)
                .containsAnyOf("`" + metric + "`", "`" + metric + "{"));
    }

    @Test
    void theDockerfileRunsTheJarAsANonRootUserWithAHealthCheckOnLiveness() throws IOException {
        String dockerfile = Files.readString(ROOT.resolve("Dockerfile"));
        String runtime = dockerfile.substring(dockerfile.lastIndexOf("\nFROM "));
        assertThat(runtime).contains("USER 10001").contains("/health/live").contains("HEALTHCHECK")
                .contains("gatehouse.jar").doesNotContain("COPY . .");
        assertThat(Stream.of("EXPOSE 8080 8081")).allSatisfy(line -> assertThat(runtime).contains(line));
        assertThat(pod.at("/securityContext/runAsUser").asInt()).isEqualTo(10001);
    }
}
