package dev.gatehouse.core.route;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RouteTableTest {

    record Request(String method, String path, String host, Map<String, String> headers) implements RequestFacts {
        static Request get(String path) {
            return new Request("GET", path, "api.example.com", Map.of());
        }

        Request with(String header, String value) {
            Map<String, String> h = new HashMap<>(headers);
            h.put(header.toLowerCase(), value);
            return new Request(method, path, host, h);
        }

        @Override
        public String header(String name) {
            return headers.get(name.toLowerCase());
        }
    }

    private static RouteRule rule(PathPattern path) {
        return new RouteRule(path, Set.of(), null, Map.of(), null, "Accept-Version");
    }

    private static String route(RouteTable<String> table, Request request) {
        RouteMatch<String> match = table.match(request);
        return match == null ? null : match.route();
    }

    @Test
    void prefixMatchesOnSegmentBoundariesOnly() {
        RouteTable<String> table = RouteTable.<String>builder().add(rule(PathPattern.prefix("/api")), "api").build();

        assertThat(route(table, Request.get("/api"))).isEqualTo("api");
        assertThat(route(table, Request.get("/api/"))).isEqualTo("api");
        assertThat(route(table, Request.get("/api/v1/x"))).isEqualTo("api");
        assertThat(route(table, Request.get("/apix"))).isNull();
        assertThat(route(table, Request.get("/ap"))).isNull();
    }

    @Test
    void theMostSpecificRouteWinsWhateverTheDeclarationOrder() {
        RouteTable<String> table = RouteTable.<String>builder()
                .add(rule(PathPattern.prefix("/")), "catch-all")
                .add(rule(PathPattern.prefix("/api")), "api")
                .add(rule(PathPattern.prefix("/api/v1")), "v1")
                .add(rule(PathPattern.template("/api/v1/resources/{id}")), "resource")
                .add(rule(PathPattern.exact("/api/v1/resources/special")), "special")
                .build();

        assertThat(route(table, Request.get("/api/v1/resources/special"))).isEqualTo("special");
        assertThat(route(table, Request.get("/api/v1/resources/42"))).isEqualTo("resource");
        assertThat(route(table, Request.get("/api/v1/resources"))).isEqualTo("v1");
        assertThat(route(table, Request.get("/api/v2"))).isEqualTo("api");
        assertThat(route(table, Request.get("/other"))).isEqualTo("catch-all");
    }

    @Test
    void templatesCaptureWholeSegments() {
        RouteTable<String> table = RouteTable.<String>builder()
                .add(rule(PathPattern.template("/users/{user}/orders/{order}")), "order").build();

        RouteMatch<String> match = table.match(Request.get("/users/u7/orders/o9"));
        assertThat(match.variables()).containsExactly(Map.entry("user", "u7"), Map.entry("order", "o9"));
        assertThat(table.match(Request.get("/users/u7/orders"))).isNull();
        assertThat(table.match(Request.get("/users/u7/orders/o9/items"))).isNull();
        assertThat(table.match(Request.get("/users//orders/o9"))).isNull();
    }

    @Test
    void methodHostAndHeaderConstraintsMustAllHold() {
        RouteTable<String> table = RouteTable.<String>builder()
                .add(new RouteRule(PathPattern.prefix("/api"), Set.of("POST"), null, Map.of(), null, "Accept-Version"), "writes")
                .add(new RouteRule(PathPattern.prefix("/api"), Set.of(), "*.internal.example", Map.of(), null, "Accept-Version"), "internal")
                .add(new RouteRule(PathPattern.prefix("/api"), Set.of(), null, Map.of("X-Canary", "yes"), null, "Accept-Version"), "canary")
                .add(rule(PathPattern.prefix("/api")), "default")
                .build();

        assertThat(route(table, new Request("POST", "/api/x", "api.example.com", Map.of()))).isEqualTo("writes");
        assertThat(route(table, new Request("GET", "/api/x", "svc.internal.example", Map.of()))).isEqualTo("internal");
        assertThat(route(table, new Request("GET", "/api/x", "internal.example", Map.of()))).isEqualTo("default");
        assertThat(route(table, Request.get("/api/x").with("X-Canary", "yes"))).isEqualTo("canary");
        assertThat(route(table, Request.get("/api/x").with("X-Canary", "no"))).isEqualTo("default");
        assertThat(route(table, Request.get("/api/x"))).isEqualTo("default");
    }

    @Test
    void versionComesFromTheHeaderOrElseAPathSegment() {
        RouteTable<String> table = RouteTable.<String>builder()
                .add(new RouteRule(PathPattern.prefix("/api"), Set.of(), null, Map.of(), "v1", "Accept-Version"), "v1")
                .add(new RouteRule(PathPattern.prefix("/api"), Set.of(), null, Map.of(), "v2", "Accept-Version"), "v2")
                .build();

        assertThat(route(table, Request.get("/api/users").with("Accept-Version", "v2"))).isEqualTo("v2");
        assertThat(route(table, Request.get("/api/v1/users"))).isEqualTo("v1");
        assertThat(route(table, Request.get("/api/v2/users"))).isEqualTo("v2");
        assertThat(route(table, Request.get("/api/v2/users").with("Accept-Version", "v1"))).as("the header wins").isEqualTo("v1");
        assertThat(route(table, Request.get("/api/v22/users"))).isNull();
        assertThat(route(table, Request.get("/api/users"))).isNull();
    }

    @Test
    void rewritesStripThePrefixOrFillATemplate() {
        assertThat(PathRewrite.stripPrefix("/svc").apply("/svc/users/1", Map.of())).isEqualTo("/users/1");
        assertThat(PathRewrite.stripPrefix("/svc").apply("/svc", Map.of())).isEqualTo("/");
        assertThat(PathRewrite.template("/items/{id}/detail").apply("/api/v1/things/7", Map.of("id", "7"))).isEqualTo("/items/7/detail");
        assertThat(PathRewrite.variablesIn("/a/{x}/b/{y}")).containsExactly("x", "y");
    }

    @Test
    void malformedTemplatesAreRefusedWithTheReason() {
        assertThatThrownBy(() -> PathPattern.template("/a/{id")).hasMessageContaining("mixes text and a variable");
        assertThatThrownBy(() -> PathPattern.template("/a/{1x}")).hasMessageContaining("must be a name");
        assertThatThrownBy(() -> PathPattern.template("/a/{id}/{id}")).hasMessageContaining("appears twice");
    }
}
