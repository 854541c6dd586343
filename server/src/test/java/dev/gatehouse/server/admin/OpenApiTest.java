package dev.gatehouse.server.admin;

import dev.gatehouse.server.GatewayNode;
import dev.gatehouse.server.TestNodes;
import dev.gatehouse.server.pipeline.Problem;
import dev.gatehouse.testkit.TestDatabase;
import dev.gatehouse.testkit.TestPostgres;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The admin API's OpenAPI document ({@code /openapi.json}) held to the running admin listener so it cannot drift: every
 * route it answers is described and every described one answers; each operation's query parameters and body fields are
 * exactly those it takes (it names them when refusing an unknown one); each answer it gives is among those described;
 * and the problem types described are exactly the API's.
 */
class OpenApiTest {
    static final List<String> METHODS = List.of("get", "post", "put", "patch", "delete");
    static final String UNKNOWN = "zzzz";

    static TestDatabase database;
    static GatewayNode node;
    static String adminKey;
    static JsonObject doc;
    static final HttpClient http = HttpClient.newHttpClient();

    /** One operation: method, the path as documented, and its description. */
    record Operation(String method, String path, JsonObject spec) {
        /** The path with its parameters filled in with values that name nothing (nothing is changed by a probe). */
        String concretePath() {
            return path.replace("{id}", "999999999").replace("{name}", "no-such-tier");
        }

        @Override
        public String toString() {
            return method.toUpperCase() + " " + path;
        }
    }

    @BeforeAll
    static void start() throws Exception {
        database = TestPostgres.newDatabase();
        node = TestNodes.start("""
                gateway: {host: 127.0.0.1, port: 0, instances: 1}
                admin: {port: 0}
                storage: {postgres: {url: "%s", poolSize: 3}}
                observability: {accessLog: "off"}
                logs: {enabled: false}
                upstreams:
                  svc: {targets: [{url: "http://127.0.0.1:9"}]}
                routes:
                  - {name: open, match: {prefix: /}, upstream: svc}
                """.formatted(database.jdbcUrl()));
        adminKey = node.identities().keys().create("operator", "enterprise", List.of("admin"), null, null).key();
        HttpResponse<String> served = send("GET", "/openapi.json", null, false);
        assertThat(served.statusCode()).isEqualTo(200);
        assertThat(served.headers().firstValue("content-type")).hasValue("application/json");
        doc = new JsonObject(served.body());
    }

    @AfterAll
    static void stop() {
        node.close();
        database.close();
    }

    static HttpResponse<String> send(String method, String pathAndQuery, String body, boolean admin) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.adminPort() + pathAndQuery))
                    .timeout(Duration.ofSeconds(20)).header("content-type", "application/json")
                    .method(method.toUpperCase(), body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
            if (admin) {
                request.header("x-api-key", adminKey);
            }
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static List<Operation> operations() {
        List<Operation> out = new ArrayList<>();
        JsonObject paths = doc.getJsonObject("paths");
        for (String path : new TreeSet<>(paths.fieldNames())) {
            for (String method : METHODS) {
                if (paths.getJsonObject(path).containsKey(method)) {
                    out.add(new Operation(method, path, paths.getJsonObject(path).getJsonObject(method)));
                }
            }
        }
        return out;
    }

    /** Follows a local {@code $ref} ({@code #/components/...}). */
    static JsonObject resolve(JsonObject node) {
        JsonObject at = node;
        while (at.containsKey("$ref")) {
            JsonObject target = doc;
            for (String part : at.getString("$ref").substring(2).split("/")) {
                target = target.getJsonObject(part);
            }
            at = target;
        }
        return at;
    }

    static Set<String> queryParameters(Operation op) {
        Set<String> names = new TreeSet<>();
        JsonArray params = op.spec().getJsonArray("parameters", new JsonArray());
        for (Object p : params) {
            JsonObject param = resolve((JsonObject) p);
            if ("query".equals(param.getString("in"))) {
                names.add(param.getString("name"));
            }
        }
        return names;
    }

    static String detail(HttpResponse<String> response) {
        return new JsonObject(response.body()).getString("detail");
    }

    @Test
    void everyRouteTheAdminListenerAnswersIsDescribedAndEveryDescribedOneAnswers() {
        Set<String> described = operations().stream().map(op -> op.method().toUpperCase() + " " + op.path().replaceAll("\\{([^}]+)}", ":$1"))
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(node.adminOperations()).as("the admin listener's routes").isNotEmpty();
        assertThat(described).as("operations /openapi.json describes (left) against those the listener answers")
                .containsExactlyInAnyOrderElementsOf(node.adminOperations());
        assertThat(doc.getString("openapi")).startsWith("3.1.");
    }

    @Test
    void eachOperationsQueryParametersAreExactlyTheOnesItTakes() {
        List<String> problems = new ArrayList<>();
        Pattern takes = Pattern.compile("takes (.*)$");
        for (Operation op : operations()) {
            HttpResponse<String> probe = send(op.method(), op.concretePath() + "?" + UNKNOWN + "=1", null, true);
            Set<String> documented = queryParameters(op);
            if (probe.statusCode() == 400 && detail(probe).startsWith("unknown query parameter '" + UNKNOWN + "'")) {
                Matcher m = takes.matcher(detail(probe));
                assertThat(m.find()).as(op + ": " + detail(probe)).isTrue();
                Set<String> taken = m.group(1).equals("no query parameters") ? Set.of() : new TreeSet<>(Arrays.asList(m.group(1).split(", ")));
                if (!taken.equals(documented)) {
                    problems.add(op + " takes " + taken + " but documents " + documented);
                }
            } else if (!documented.isEmpty() && op.method().equals("get")) {
                problems.add(op + " documents " + documented + " but does not check its query (answered " + probe.statusCode() + ")");
            }
        }
        assertThat(problems).isEmpty();
    }

    @Test
    void eachRequestBodyIsDescribedWithExactlyTheFieldsTheOperationTakes() {
        List<String> problems = new ArrayList<>();
        Pattern accepted = Pattern.compile("\\(accepted: ([^)]*)\\)");
        int checked = 0;
        for (Operation op : operations()) {
            if (!op.spec().containsKey("requestBody")) {
                continue;
            }
            JsonObject schema = resolve(op.spec().getJsonObject("requestBody").getJsonObject("content").getJsonObject("application/json")
                    .getJsonObject("schema"));
            if (!Boolean.FALSE.equals(schema.getValue("additionalProperties"))) {
                continue; // a login takes other fields and ignores them (clients of the reference API send more)
            }
            checked++;
            HttpResponse<String> probe = send(op.method(), op.concretePath(), "{\"" + UNKNOWN + "\": \"x\"}", true);
            Matcher m = accepted.matcher(probe.statusCode() == 400 ? detail(probe) : "");
            if (!m.find()) {
                problems.add(op + " answered " + probe.statusCode() + " to an unknown field: " + probe.body());
                continue;
            }
            Set<String> taken = new TreeSet<>(Arrays.asList(m.group(1).split(", ")));
            Set<String> documented = new TreeSet<>(schema.getJsonObject("properties").fieldNames());
            if (!taken.equals(documented)) {
                problems.add(op + " takes " + taken + " but documents " + documented);
            }
        }
        assertThat(checked).as("bodies checked").isGreaterThanOrEqualTo(5);
        assertThat(problems).isEmpty();
    }

    @Test
    void everyAnswerAnOperationGivesIsOneItDescribesAndEveryErrorIsAProblemOfADescribedType() {
        Set<String> types = new TreeSet<>();
        resolve(new JsonObject().put("$ref", "#/components/schemas/Problem")).getJsonObject("properties").getJsonObject("type")
                .getJsonArray("enum").forEach(t -> types.add((String) t));
        List<String> problems = new ArrayList<>();
        for (Operation op : operations()) {
            boolean guarded = !op.spec().getJsonArray("security", doc.getJsonArray("security")).isEmpty();
            List<HttpResponse<String>> answers = new ArrayList<>();
            HttpResponse<String> anonymous = send(op.method(), op.concretePath(), null, false);
            answers.add(anonymous);
            if (guarded != (anonymous.statusCode() == 401)) {
                problems.add(op + (guarded ? " is described as needing a credential but answered " : " is described as open but answered ")
                        + anonymous.statusCode() + " without one");
            }
            answers.add(send(op.method(), op.concretePath() + "?" + UNKNOWN + "=1", null, true));
            if (op.spec().containsKey("requestBody")) {
                answers.add(send(op.method(), op.concretePath(), "{\"" + UNKNOWN + "\": 1}", true));
                answers.add(send(op.method(), op.concretePath(), "[]", true));
            } else if (op.path().equals("/stats/stream")) {
                answers.add(send("HEAD", op.concretePath(), null, true)); // a GET would stream on
            } else if (!op.method().equals("post")) {
                answers.add(send(op.method(), op.concretePath(), null, true));
            }
            JsonObject responses = op.spec().getJsonObject("responses");
            for (HttpResponse<String> answer : answers) {
                String code = Integer.toString(answer.statusCode());
                if (!responses.containsKey(code)) {
                    problems.add(op + " answered " + code + ", which it does not describe: " + answer.body().lines().findFirst().orElse(""));
                }
                if (answer.statusCode() >= 400 && !answer.request().method().equals("HEAD")) {
                    if (!answer.headers().firstValue("content-type").orElse("").equals("application/problem+json")) {
                        problems.add(op + " answered " + code + " without a problem: " + answer.body());
                    } else if (!types.contains(new JsonObject(answer.body()).getString("type"))) {
                        problems.add(op + " answered a problem of a type not described: " + answer.body());
                    }
                }
            }
        }
        assertThat(problems).isEmpty();
    }

    @Test
    void theProblemTypesDescribedAreExactlyTheApisAndEveryErrorResponseIsAProblem() {
        JsonObject problem = resolve(new JsonObject().put("$ref", "#/components/schemas/Problem"));
        Set<String> described = new TreeSet<>();
        problem.getJsonObject("properties").getJsonObject("type").getJsonArray("enum").forEach(t -> described.add(((String) t).replace("urn:gatehouse:problem:", "")));
        assertThat(described).containsExactlyInAnyOrderElementsOf(Problem.TYPES);
        for (String name : doc.getJsonObject("components").getJsonObject("responses").fieldNames()) {
            JsonObject response = doc.getJsonObject("components").getJsonObject("responses").getJsonObject(name);
            assertThat(response.getJsonObject("content").fieldNames()).as(name).containsExactly("application/problem+json");
        }
        for (Operation op : operations()) {
            op.spec().getJsonObject("responses").forEach(entry -> {
                if (Integer.parseInt(entry.getKey()) >= 400 && !op.path().startsWith("/health")) {
                    assertThat(((JsonObject) entry.getValue()).getString("$ref")).as(op + " " + entry.getKey()).startsWith("#/components/responses/");
                }
            });
        }
    }
}
