package dev.gatehouse.server;

import dev.gatehouse.core.time.Ticker;
import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.ServerCalls;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * gRPC through the gateway, end to end over HTTP/2: a grpc-java client speaking h2c to the gateway, a grpc-java
 * server behind it as an h2c upstream. Calls, streams and the server's statuses pass; the gateway's own refusals
 * reach the client as gRPC statuses; a client's deadline bounds the wait for the upstream.
 */
class GrpcProxyTest {

    /** Strings as messages: no protoc needed for a test service. */
    static final MethodDescriptor.Marshaller<String> TEXT = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
            return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
            try {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    static TestBed bed;
    static Server grpc;
    static GatewayHarness gateway;
    static ManagedChannel channel;
    static String key;
    static final List<Metadata> seen = new CopyOnWriteArrayList<>();

    static MethodDescriptor<String, String> method(String service, String name, MethodDescriptor.MethodType type) {
        return MethodDescriptor.<String, String>newBuilder().setType(type)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(service, name))
                .setRequestMarshaller(TEXT).setResponseMarshaller(TEXT).build();
    }

    static ServerServiceDefinition service(String name) {
        return ServerServiceDefinition.builder(name)
                .addMethod(method(name, "Say", MethodDescriptor.MethodType.UNARY), ServerCalls.asyncUnaryCall((request, reply) -> {
                    reply.onNext("hello " + request);
                    reply.onCompleted();
                }))
                .addMethod(method(name, "Count", MethodDescriptor.MethodType.SERVER_STREAMING), ServerCalls.asyncServerStreamingCall((request, reply) -> {
                    for (int i = 1; i <= Integer.parseInt(request); i++) {
                        reply.onNext("n" + i);
                    }
                    reply.onCompleted();
                }))
                .addMethod(method(name, "Missing", MethodDescriptor.MethodType.UNARY), ServerCalls.asyncUnaryCall((request, reply) ->
                        reply.onError(Status.NOT_FOUND.withDescription("no order " + request).asRuntimeException())))
                .addMethod(method(name, "Slow", MethodDescriptor.MethodType.UNARY), ServerCalls.<String, String>asyncUnaryCall((request, reply) -> {
                    // never answers: the deadline must end the call
                }))
                .build();
    }

    @BeforeAll
    static void start() throws Exception {
        bed = new TestBed();
        ServerInterceptor recordHeaders = new ServerInterceptor() {
            @Override
            public <Q, R> io.grpc.ServerCall.Listener<Q> interceptCall(io.grpc.ServerCall<Q, R> call, Metadata headers,
                                                                      io.grpc.ServerCallHandler<Q, R> next) {
                seen.add(headers);
                return next.startCall(call, headers);
            }
        };
        grpc = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
                .addService(ServerInterceptors.intercept(service("echo.Echo"), recordHeaders))
                .addService(service("limited.Echo"))
                .addService(service("secure.Echo"))
                .build().start();
        gateway = GatewayHarness.start(bed.database, "  http2: {h2c: true}\n", """
                upstreams:
                  grpc: {protocol: h2c, targets: [{url: "http://127.0.0.1:%d"}]}
                  gone: {protocol: h2c, targets: [{url: "http://127.0.0.1:1"}], breaker: {enabled: false}}
                routes:
                  - {name: echo, match: {prefix: /echo.Echo}, upstream: grpc}
                  - {name: limited, match: {prefix: /limited.Echo}, upstream: grpc, rateLimit: {limits: [1/min], mode: local}}
                  - {name: secure, match: {prefix: /secure.Echo}, upstream: grpc, auth: {mode: required}}
                  - {name: gone, match: {prefix: /gone.Echo}, upstream: gone, retries: 0}
                """.formatted(grpc.getPort()), Ticker.system());
        key = gateway.node().identities().keys().create("grpc", "pro", List.of(), null, null).key();
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", gateway.port()).usePlaintext().build();
    }

    @AfterAll
    static void stop() throws Exception {
        channel.shutdownNow();
        grpc.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        gateway.close();
        bed.close();
    }

    private static String call(String service, String name, String request, CallOptions options) {
        return ClientCalls.blockingUnaryCall(channel, method(service, name, MethodDescriptor.MethodType.UNARY),
                options.withDeadlineAfter(10, TimeUnit.SECONDS), request);
    }

    @Test
    void aUnaryCallPassesThroughWithTeTrailersReachingTheServer() {
        assertThat(call("echo.Echo", "Say", "gatehouse", CallOptions.DEFAULT)).isEqualTo("hello gatehouse");
        Metadata headers = seen.get(seen.size() - 1);
        assertThat(headers.get(Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER))).isNotBlank();
        assertThat(headers.get(Metadata.Key.of("grpc-timeout", Metadata.ASCII_STRING_MARSHALLER)))
                .as("the client's deadline is passed on").isNotBlank();
    }

    @Test
    void aServerStreamDeliversEveryMessageThenItsStatus() {
        Iterator<String> replies = ClientCalls.blockingServerStreamingCall(channel, method("echo.Echo", "Count",
                MethodDescriptor.MethodType.SERVER_STREAMING), CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), "5");
        List<String> all = new ArrayList<>();
        replies.forEachRemaining(all::add);
        assertThat(all).containsExactly("n1", "n2", "n3", "n4", "n5");
    }

    @Test
    void theServersOwnStatusAndMessageReachTheClientInTheTrailers() {
        assertThatThrownBy(() -> call("echo.Echo", "Missing", "42", CallOptions.DEFAULT))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
                    assertThat(e.getStatus().getDescription()).isEqualTo("no order 42");
                });
    }

    @Test
    void aCallOverTheRoutesRateLimitIsResourceExhaustedWithTheRetryDelay() {
        assertThat(call("limited.Echo", "Say", "first", CallOptions.DEFAULT)).isEqualTo("hello first");
        assertThatThrownBy(() -> call("limited.Echo", "Say", "second", CallOptions.DEFAULT))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                    assertThat(e.getStatus().getDescription()).startsWith("rate-limited: ").contains("retry after");
                    assertThat(e.getTrailers().get(Metadata.Key.of("retry-after", Metadata.ASCII_STRING_MARSHALLER))).matches("\\d+");
                });
    }

    @Test
    void aCallWithoutCredentialsIsUnauthenticatedAndOneWithAKeyPasses() {
        assertThatThrownBy(() -> call("secure.Echo", "Say", "anyone", CallOptions.DEFAULT))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
        Metadata credentials = new Metadata();
        credentials.put(Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER), key);
        io.grpc.Channel withKey = io.grpc.ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(credentials));
        assertThat(ClientCalls.blockingUnaryCall(withKey, method("secure.Echo", "Say", MethodDescriptor.MethodType.UNARY),
                CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), "me")).isEqualTo("hello me");
    }

    @Test
    void anUnreachableUpstreamIsUnavailable() {
        assertThatThrownBy(() -> call("gone.Echo", "Say", "x", CallOptions.DEFAULT))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                    assertThat(e.getStatus().getDescription()).startsWith("upstream-unreachable: ");
                });
    }

    @Test
    void aGrpcTimeoutShorterThanTheRoutesBoundsTheWaitAndEndsAsDeadlineExceeded() {
        long began = System.nanoTime();
        // one gRPC frame (not compressed, length 1, "x"); the gateway's timeout for the route is 30 s
        java.net.http.HttpResponse<String> answer = gateway.send(java.net.http.HttpRequest.newBuilder(gateway.uri("/echo.Echo/Slow"))
                .header("content-type", "application/grpc").header("te", "trailers").header("grpc-timeout", "300m")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(new byte[]{0, 0, 0, 0, 1, 'x'})).build());
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.headers().firstValue("grpc-status")).hasValue("4");
        assertThat(answer.headers().firstValue("grpc-message").orElseThrow()).startsWith("upstream-timeout: ");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began)).isLessThan(5_000);
    }
}
