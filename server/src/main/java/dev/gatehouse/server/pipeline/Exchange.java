package dev.gatehouse.server.pipeline;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * One request on its way through the gateway: the client's request, the route it matched, and what the
 * stages learned about it. Lives on one event loop; not thread-safe by design. A detached copy
 * ({@link #detached()}) is the same request with no client to answer, for work done in the background.
 */
public final class Exchange {
    private final HttpServerRequest request;
    private final CompiledRoute route;
    private final Map<String, String> variables;
    private final String path;
    private final LoopResources loop;
    private final long startNanos;
    /** The last chain position this request entered, for the chain's proceed-at-most-once check. */
    int reached = -1;
    /** The headers of a detached copy's answers; null for a request with a client (its response's own are used). */
    private final MultiMap detachedHeaders;

    private String requestId;
    private String upstreamPath;
    private String target;
    private int attempts;
    private String failure;
    private Map<AttributeKey<?>, Object> attributes;
    private Runnable onClientGone;
    private boolean clientGone;
    private Caller caller;
    private String rateLimit;
    private String problem;
    private long upstreamNanos = -1;

    public Exchange(HttpServerRequest request, CompiledRoute route, Map<String, String> variables, String path,
                    LoopResources loop, long startNanos) {
        this(request, route, variables, path, loop, startNanos, null);
    }

    private Exchange(HttpServerRequest request, CompiledRoute route, Map<String, String> variables, String path,
                     LoopResources loop, long startNanos, MultiMap detachedHeaders) {
        this.request = request;
        this.route = route;
        this.variables = variables;
        this.path = path;
        this.upstreamPath = path;
        this.loop = loop;
        this.startNanos = startNanos;
        this.detachedHeaders = detachedHeaders;
    }

    /** The same request, with what the stages learned so far, but no client: its answers go to whoever asked. */
    public Exchange detached() {
        Exchange copy = new Exchange(request, route, variables, path, loop, startNanos, MultiMap.caseInsensitiveMultiMap());
        copy.requestId = requestId;
        copy.upstreamPath = upstreamPath;
        copy.attributes = attributes == null ? null : new IdentityHashMap<>(attributes);
        return copy;
    }

    /** True for a background copy: nothing may be written to {@link #response()}. */
    public boolean isDetached() {
        return detachedHeaders != null;
    }

    public HttpServerRequest request() {
        return request;
    }

    /** The client's response, which only the listener writes (stages build a {@link Response}). */
    public HttpServerResponse response() {
        return request.response();
    }

    /** Where an answer's headers go: the client response's own, or a detached copy's map. */
    public MultiMap responseHeaders() {
        return detachedHeaders != null ? detachedHeaders : request.response().headers();
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

    /** What this event loop's requests share: deadlines and per-loop resources of later stages. */
    public LoopResources loop() {
        return loop;
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

    /**
     * What to do if the client goes away: the stage currently working for the request (waiting for an upstream,
     * writing an answer) stops that work. One at a time: a later call replaces the earlier one.
     */
    public void whenClientGone(Runnable action) {
        this.onClientGone = action;
    }

    /** True once the client has closed its connection before its answer was complete. */
    public boolean isClientGone() {
        return clientGone;
    }

    /** For the listener: the client closed the connection. */
    public void clientGone() {
        if (clientGone || isDetached()) {
            return;
        }
        clientGone = true;
        Runnable action = onClientGone;
        onClientGone = null;
        if (action != null) {
            action.run();
        }
    }

    /** Who made the request, once authentication has established it; null for anonymous callers. */
    public Caller caller() {
        return caller;
    }

    public void caller(Caller caller) {
        this.caller = caller;
    }

    /** How the route's rate limit decided: {@code allowed}, {@code limited} or {@code unavailable}; null when it has none. */
    public String rateLimit() {
        return rateLimit;
    }

    public void rateLimit(String outcome) {
        this.rateLimit = outcome;
    }

    /** The problem type's last part when the gateway answered the request itself, else null. */
    public String problem() {
        return problem;
    }

    public void problem(String slug) {
        this.problem = slug;
    }

    /** Nanoseconds from connecting to the upstream to its answer's head (the last attempt); -1 when none was asked. */
    public long upstreamNanos() {
        return upstreamNanos;
    }

    public void upstreamNanos(long nanos) {
        this.upstreamNanos = nanos;
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
