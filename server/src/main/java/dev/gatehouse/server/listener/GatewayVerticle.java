package dev.gatehouse.server.listener;

import dev.gatehouse.core.config.GatewayListenerConfig;
import dev.gatehouse.core.path.NormalizedPath;
import dev.gatehouse.core.path.PathNormalizer;
import dev.gatehouse.core.route.RouteMatch;
import dev.gatehouse.server.admin.AdminViews;
import dev.gatehouse.server.auth.IdentityEndpoints;
import dev.gatehouse.server.observe.GatewayMetrics;
import dev.gatehouse.server.observe.HealthEndpoints;
import dev.gatehouse.server.pipeline.CompiledRoute;
import dev.gatehouse.server.pipeline.Exchange;
import dev.gatehouse.server.pipeline.Problem;
import dev.gatehouse.server.pipeline.Protocols;
import dev.gatehouse.server.pipeline.RejectFilter;
import dev.gatehouse.server.routing.RoutingSnapshot;
import dev.gatehouse.server.upstream.UpstreamLoop;
import dev.gatehouse.server.pipeline.Deadlines;
import dev.gatehouse.server.pipeline.LoopResources;
import dev.gatehouse.server.pipeline.Response;
import dev.gatehouse.core.time.Clock;
import io.vertx.core.http.HttpServerResponse;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.gatehouse.core.config.TlsConfig;
import dev.gatehouse.core.config.UpstreamConfig;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * One event loop's share of the public listener. Each instance owns its upstream client, so a request
 * is read, proxied and answered on one thread. Routing state comes from the node's current snapshot.
 */
public final class GatewayVerticle extends VerticleBase {
    private static final Logger log = LoggerFactory.getLogger(GatewayVerticle.class);

    /** What every instance shares with the node. */
    public record Shared(GatewayListenerConfig listener, Supplier<RoutingSnapshot> snapshot, HealthEndpoints health,
                         IdentityEndpoints identity, AdminViews adminViews, GatewayMetrics metrics, AtomicInteger boundPort, Clock clock,
                         java.util.function.BooleanSupplier draining) {
    }

    /** The most upstream connections the HTTP client would open per target; the real limit is each upstream's own. */
    private static final int CLIENT_POOL_CEILING = 100_000;

    /** What the listener keeps about one client connection, for its keep-alive limits. */
    private static final class ClientConnection {
        final long openedNanos;
        int requests;

        ClientConnection(long openedNanos) {
            this.openedNanos = openedNanos;
        }
    }


    private final Instances instances;
    private final Shared shared;
    /** Open connections per client address, one for all instances of the node's listener. */
    private final ClientAddresses addresses;
    private final UpstreamLoop.Meters upstreamMeters;
    private final Map<HttpConnection, ClientConnection> connections = new IdentityHashMap<>();
    private HttpServer server;
    private UpstreamLoop upstreams;
    /** The upstream clients this instance made, one per protocol in use. */
    private final List<HttpClient> clients = new ArrayList<>(2);
    private final LoopResources loop = new LoopResources();
    private ResponseWriter writer;
    private long deadlineTimer;
    private long lastRefusalLog;
    private long lastAddressRefusalLog;

    private GatewayVerticle(Instances instances) {
        this.instances = instances;
        this.shared = instances.shared;
        this.addresses = instances.addresses;
        this.upstreamMeters = instances.upstreamMeters;
    }

    /**
     * Makes the listener's instances, with what they share: the per-address connection counts, the upstream
     * meters, the TLS implementation (chosen once per node) and the running servers (a certificate reload
     * reaches each).
     */
    public static final class Instances implements Supplier<GatewayVerticle> {
        private final Shared shared;
        private final ClientAddresses addresses = new ClientAddresses();
        private final UpstreamLoop.Meters upstreamMeters;
        private final ListenerTls.Engine engine;
        private final List<HttpServer> servers = new CopyOnWriteArrayList<>();

        private Instances(Shared shared) {
            this.shared = shared;
            this.upstreamMeters = UpstreamLoop.Meters.register(shared.metrics().registry());
            TlsConfig tls = shared.listener().tls();
            if (tls != null) {
                ListenerTls.checkFiles(tls, "gateway.tls");
            }
            this.engine = tls == null ? null : ListenerTls.engine(tls.engine(), "gateway.tls");
        }

        @Override
        public GatewayVerticle get() {
            return new GatewayVerticle(this);
        }

        /** The TLS implementation serving the listener, or null when it speaks plain HTTP. */
        public ListenerTls.Engine engine() {
            return engine;
        }

        /** The instances listening now. */
        public List<HttpServer> servers() {
            return servers;
        }
    }

    /** The listener's instances; throws when its TLS cannot be had (an unreadable file, OpenSSL insisted on). */
    public static Instances instances(Shared shared) {
        return new Instances(shared);
    }

    @Override
    public Future<?> start() {
        GatewayListenerConfig listener = shared.listener();
        HttpServerOptions options = new HttpServerOptions()
                .setHost(listener.host())
                // a negative port makes every instance share one ephemeral port (Vert.x convention)
                .setPort(listener.port() == 0 ? -1 : listener.port())
                .setMaxHeaderSize(listener.maxHeaderBytes())
                .setMaxInitialLineLength(8192)
                .setIdleTimeout((int) listener.idleTimeout().toSeconds())
                .setIdleTimeoutUnit(TimeUnit.SECONDS)
                .setTcpNoDelay(true)
                .setHandle100ContinueAutomatically(true)
                // every stage runs on this instance's event loop, so Vert.x can skip its thread checks
                .setStrictThreadMode(true);
        ListenerTls.apply(options, listener, instances.engine);
        upstreams = new UpstreamLoop(this::upstreamClient, loop.deadlines(), upstreamMeters);
        loop.put(UpstreamLoop.KEY, upstreams);
        writer = new ResponseWriter(loop.deadlines(), () -> shared.snapshot().get().config().gateway().sendTimeout().toNanos(),
                shared.clock()::read, shared.metrics().sendTimeouts());
        deadlineTimer = vertx.setPeriodic(Deadlines.TICK_MILLIS, id -> loop.deadlines().expire(shared.clock().read()));
        server = vertx.createHttpServer(options);
        server.connectionHandler(connection -> {
            // the limits as configured now: they apply on reload to connections that arrive after it
            RoutingSnapshot snapshot = shared.snapshot().get();
            GatewayListenerConfig limits = snapshot.config().gateway();
            int open = shared.metrics().clientConnections().incrementAndGet();
            String peer = connection.remoteAddress() == null ? null : connection.remoteAddress().hostAddress();
            boolean counted = peer != null && addresses.tryOpen(peer, snapshot.trustedProxies().trusts(peer)
                    ? limits.maxConnectionsPerProxy() : limits.maxConnectionsPerAddress());
            connection.closeHandler(v -> {
                shared.metrics().clientConnections().decrementAndGet();
                connections.remove(connection);
                if (counted) {
                    addresses.closed(peer);
                }
            });
            if (open > limits.maxConnections()) {
                refuse(connection, limits.maxConnections());
                return;
            }
            if (peer != null && !counted) {
                refuseAddress(connection, peer);
                return;
            }
            connections.put(connection, new ClientConnection(shared.clock().read()));
            StrictRequestDecoder.install(connection, options, limits.headerTimeout(), shared.metrics().headerTimeouts());
        });
        server.invalidRequestHandler(GatewayVerticle::invalid);
        server.requestHandler(this::handle);
        return server.listen().onSuccess(s -> {
            shared.boundPort().set(s.actualPort());
            instances.servers.add(s);
        });
    }

    /**
     * This event loop's client for upstreams of one protocol, made when a request first needs it. HTTP/1.1
     * connections carry one exchange at a time; HTTP/2 ones up to {@link UpstreamConfig#STREAMS_PER_CONNECTION}
     * each, so the connection slots admit that many exchanges per allowed connection and the pool opens a new
     * connection only when the open ones are full.
     */
    private HttpClient upstreamClient(UpstreamConfig.Protocol protocol) {
        HttpClientOptions options = new HttpClientOptions()
                .setKeepAlive(true)
                .setKeepAliveTimeout(60)
                .setPipelining(false)
                .setTcpNoDelay(true)
                .setMaxRedirects(0)
                .setName("gatehouse-upstream-" + protocol.configName().replace("/", ""));
        if (protocol.multiplexed()) {
            options.setProtocolVersion(HttpVersion.HTTP_2)
                    .setHttp2MultiplexingLimit(UpstreamConfig.STREAMS_PER_CONNECTION)
                    .setHttp2KeepAliveTimeout(60)
                    // h2c: HTTP/2 from the first byte (prior knowledge), no HTTP/1.1 upgrade round trip
                    .setHttp2ClearTextUpgrade(false);
            if (protocol == UpstreamConfig.Protocol.H2) {
                options.setUseAlpn(true).setAlpnVersions(List.of(HttpVersion.HTTP_2));
            }
        }
        HttpClient client = vertx.httpClientBuilder()
                .with(options)
                // each upstream's maxConnectionsPerTarget is enforced by the proxy's connection slots, which
                // read it per request (so reloads apply); the client's own pool then never needs to queue
                .with(new PoolOptions()
                        .setHttp1MaxSize(CLIENT_POOL_CEILING)
                        .setHttp2MaxSize(CLIENT_POOL_CEILING)
                        .setMaxWaitQueueSize(CLIENT_POOL_CEILING))
                .withConnectHandler(connection -> {
                    shared.metrics().upstreamConnections().incrementAndGet();
                    connection.closeHandler(v -> shared.metrics().upstreamConnections().decrementAndGet());
                    // an upstream resetting a pooled connection (a restart, an idle reaper) is routine: the pool
                    // drops it; a request it was carrying fails on its own handler and is answered or retried there
                    connection.exceptionHandler(error -> log.debug("upstream connection to {} failed: {}", connection.remoteAddress(), error.toString()));
                })
                .build();
        clients.add(client);
        return client;
    }

    @Override
    public Future<?> stop() {
        vertx.cancelTimer(deadlineTimer);
        instances.servers.remove(server);
        return server.close().eventually(() -> Future.all(clients.stream().map(HttpClient::close).toList()));
    }

    private void handle(HttpServerRequest request) {
        long start = shared.clock().read();
        String rawPath = request.path();
        if (shared.health().handles(rawPath, request)) {
            return;
        }
        if (shared.identity() != null && shared.identity().handles(rawPath, request)) {
            return;
        }
        if (shared.adminViews() != null && shared.adminViews().handles(rawPath, request)) {
            return;
        }
        if (request.version() == HttpVersion.HTTP_1_1 && request.headers().getAll(HttpHeaders.HOST).size() != 1) {
            // RFC 9112 3.2: exactly one Host; two would let the gateway and the upstream each route by a different one
            request.response().putHeader(HttpHeaders.CONNECTION, "close");
            Problem.of(400, "bad-host", "Bad Host header", "an HTTP/1.1 request needs exactly one Host header")
                    .send(request.response(), rawPath, null)
                    .onComplete(done -> request.connection().close());
            return;
        }
        boolean http2 = Protocols.isHttp2(request);
        if (Protocols.mayHaveBody(request)) {
            // hold the body until a target is connected; pausing costs syscalls, so only when there is one
            request.pause();
        }
        boolean lastOnConnection = countRequest(request);
        RoutingSnapshot snapshot = shared.snapshot().get();
        NormalizedPath normalized = PathNormalizer.normalize(rawPath);
        Exchange exchange;
        if (normalized.isRejected()) {
            exchange = new Exchange(request, snapshot.unrouted(), Collections.emptyMap(), rawPath, loop, start);
            exchange.put(RejectFilter.PROBLEM, Problem.badPath(normalized.rejection()));
            if (!http2) {
                request.response().putHeader("connection", "close");
            }
        } else {
            RouteMatch<CompiledRoute> match = snapshot.routes().match(new RequestView(request, normalized.path()));
            CompiledRoute route = match == null ? snapshot.unrouted() : match.route();
            exchange = new Exchange(request, route, match == null ? Collections.emptyMap() : match.variables(),
                    normalized.path(), loop, start);
        }
        boolean closeAfter = lastOnConnection || asksToClose(request.getHeader(HttpHeaders.CONNECTION));
        // fires only while the answer is incomplete: a client hanging up stops whatever works for it
        request.response().closeHandler(v -> {
            shared.metrics().clientAborts().increment();
            exchange.clientGone();
        });
        exchange.route().chain().start(exchange).onComplete(result -> {
            if (result.failed()) {
                abort(exchange, result.cause());
                return;
            }
            Response response = result.result();
            writer.write(exchange, response);
            response.sent().onSuccess(sent -> {
                if (http2) {
                    // one stream of many: a stage's "close" (the writer dropped the header) is not the connection's;
                    // a connection at its keep-alive limit is told to go away once its open streams are done
                    if (lastOnConnection) {
                        request.connection().shutdown();
                    }
                } else if (closeAfter || "close".equalsIgnoreCase(request.response().headers().get(HttpHeaders.CONNECTION))) {
                    // a stage refused the request mid-stream (bad path, body too large), the connection reached a
                    // keep-alive limit, or the client listed "close" among other Connection tokens, which Vert.x
                    // only honours when it stands alone
                    request.connection().close();
                }
            });
        });
    }

    /**
     * Counts a request against its connection's keep-alive limits; true when it is the connection's last
     * (its answer says {@code Connection: close} and the connection closes after it).
     */
    private boolean countRequest(HttpServerRequest request) {
        ClientConnection state = connections.get(request.connection());
        if (state == null) {
            return false;
        }
        GatewayListenerConfig listener = shared.snapshot().get().config().gateway();
        state.requests++;
        boolean draining = shared.draining().getAsBoolean();
        if (!draining && state.requests < listener.maxRequestsPerConnection()
                && shared.clock().read() - state.openedNanos < listener.maxConnectionAge().toNanos()) {
            return false;
        }
        // a draining node moves its clients off: each connection's next answer is its last
        if (!draining) {
            shared.metrics().keepAliveEnded().increment();
        }
        connections.remove(request.connection());
        if (!Protocols.isHttp2(request)) {
            HttpServerResponse response = request.response();
            response.headersEndHandler(v -> response.headers().set(HttpHeaders.CONNECTION, "close"));
        }
        return true;
    }

    static boolean asksToClose(String connectionHeader) {
        if (connectionHeader == null || connectionHeader.indexOf(',') < 0) {
            return false;
        }
        for (String token : connectionHeader.split(",")) {
            if (token.trim().equalsIgnoreCase("close")) {
                return true;
            }
        }
        return false;
    }

    /** A stage failed with an exception: answer 500 if nothing was sent yet, otherwise cut the connection. */
    private static void abort(Exchange exchange, Throwable error) {
        if (exchange.isClientGone() || exchange.response().closed() || exchange.response().ended()) {
            return;
        }
        if (!exchange.response().headWritten()) {
            log.error("request {} {} failed in route {}", exchange.request().method(), exchange.path(), exchange.route().name(), error);
            Problem.of(500, "internal", "Internal gateway error", "the gateway failed to handle this request; see its log for request id " + exchange.requestId())
                    .send(exchange.response(), exchange.path(), exchange.requestId());
        } else {
            ResponseWriter.cut(exchange.request());
        }
    }

    /** Closes a connection over the node's limit as it arrives; says so in the log at most once a minute per event loop. */
    private void refuse(HttpConnection connection, int max) {
        shared.metrics().connectionsRefused().increment();
        connection.close();
        long now = shared.clock().read();
        if (lastRefusalLog == 0 || now - lastRefusalLog > TimeUnit.MINUTES.toNanos(1)) {
            lastRefusalLog = now;
            log.warn("{} client connections are open, gateway.maxConnections; closing new ones until some end "
                    + "(gatehouse_gateway_connections_refused_total counts them)", max);
        }
    }

    /** Closes a connection from an address that already holds its share; logs at most once a minute per event loop. */
    private void refuseAddress(HttpConnection connection, String peer) {
        shared.metrics().connectionsRefusedPerAddress().increment();
        connection.close();
        long now = shared.clock().read();
        if (lastAddressRefusalLog == 0 || now - lastAddressRefusalLog > TimeUnit.MINUTES.toNanos(1)) {
            lastAddressRefusalLog = now;
            log.warn("{} holds {} client connections, its limit (gateway.maxConnectionsPerAddress, or maxConnectionsPerProxy "
                    + "for a trusted proxy); closing new ones from it until some end", peer, addresses.openFrom(peer));
        }
    }

    /** Requests the HTTP decoder refused: say why in problem+json, then the connection closes. */
    private static void invalid(HttpServerRequest request) {
        DecoderResult result = request.decoderResult();
        Throwable cause = result == null ? null : result.cause();
        Problem problem;
        if (cause instanceof TooLongFrameException && cause.getMessage() != null && cause.getMessage().contains("header")) {
            problem = Problem.of(431, "headers-too-large", "Request header fields too large",
                    "the request's headers exceed the gateway's limit: " + cause.getMessage());
        } else if (cause instanceof TooLongFrameException) {
            problem = Problem.of(414, "uri-too-long", "URI too long", "the request line exceeds the gateway's limit");
        } else {
            problem = Problem.of(400, "malformed-request", "Malformed request",
                    "the request could not be parsed as HTTP/1.1" + (cause == null || cause.getMessage() == null ? "" : ": " + cause.getMessage()));
        }
        request.response().putHeader("connection", "close");
        problem.send(request.response(), null, null).onComplete(v -> request.connection().close());
    }
}
