package dev.gatehouse.server.pipeline;

import dev.gatehouse.server.upstream.UpstreamLoop;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * One request on its way through the gateway: the client's request and response, the route it matched,
 * and what the stages learned about it. Lives on one event loop; not thread-safe by design.
 */
public final class Exchange {
    private final HttpServerRequest request;
    private final CompiledRoute route;
    private final Map<String, String> variables;
    private final String path;
    private final UpstreamLoop upstreams;
    private final long startNanos;
    int position;

    private String requestId;
    private String upstreamPath;
    private String target;
    private int attempts;
    private String failure;
    private Map<AttributeKey<?>, Object> attributes;

    public Exchange(HttpServerRequest request, CompiledRoute route, Map<String, String> variables, String path,
                    UpstreamLoop upstreams, long startNanos) {
        this.request = request;
        this.route = route;
        this.variables = variables;
        this.path = path;
        this.upstreamPath = path;
        this.upstreams = upstreams;
        this.startNanos = startNanos;
    }

    public HttpServerRequest request() {
        return request;
    }

    public HttpServerResponse response() {
        return request.response();
    }

    /** The route this request matched; never null (unmatched requests get the "no route" route). */
    public CompiledRoute route() {
        return route;
    }

    public Map<String, String> variables() {
        return variables;
    }

    /** The normalised path that routing saw. */
    public String path() {
        return path;
    }

    /** The path to send upstream (after any rewrite). */
    public String upstreamPath() {
        return upstreamPath;
    }

    public void upstreamPath(String path) {
        this.upstreamPath = path;
    }

    /** What this event loop uses to reach upstreams: its client, deadlines and connection slots. */
    public UpstreamLoop upstreams() {
        return upstreams;
    }

    public long startNanos() {
        return startNanos;
    }

    public String requestId() {
        return requestId;
    }

    public void requestId(String id) {
        this.requestId = id;
    }

    /** The upstream target that answered (or the last one tried), e.g. {@code 127.0.0.1:3001}. */
    public String target() {
        return target;
    }

    public void target(String target) {
        this.target = target;
    }

    public int attempts() {
        return attempts;
    }

    public void countAttempt() {
        attempts++;
    }

    /** Why the gateway answered with an error itself, for the access log. */
    public String failure() {
        return failure;
    }

    public void failure(String reason) {
        this.failure = reason;
    }

    @SuppressWarnings("unchecked")
    public <T> T get(AttributeKey<T> key) {
        return attributes == null ? null : (T) attributes.get(key);
    }

    public <T> void put(AttributeKey<T> key, T value) {
        if (attributes == null) {
            attributes = new IdentityHashMap<>(4);
        }
        attributes.put(key, value);
    }
}
