import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.transport.Transport;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

/**
 * The floor of the stack Gatehouse is built on: the smallest Vert.x reverse proxy that does what the
 * benchmark needs (one event loop per core, each with its own keep-alive upstream pool; copy method, URI
 * and headers; send the answer back in one write; the same network transport as Gatehouse) and nothing else: no routing, no policies, no metrics,
 * no forwarding headers, no timeouts. bench/run measures it beside Gatehouse to show how much of the gap to
 * nginx is the framework's own. Not part of the product.
 *
 *   java -cp dist/target/gatehouse.jar bench/floor/VertxFloor.java LISTEN_PORT UPSTREAM_PORT
 */
public class VertxFloor extends VerticleBase {
    private final int port;
    private final int upstream;

    VertxFloor(int port, int upstream) {
        this.port = port;
        this.upstream = upstream;
    }

    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]);
        int upstream = Integer.parseInt(args[1]);
        // the same network I/O as a Gatehouse node with gateway.transport: auto
        Transport transport = Transport.IO_URING.available() ? Transport.IO_URING : Transport.EPOLL.available() ? Transport.EPOLL : Transport.NIO;
        Vertx vertx = Vertx.builder().withTransport(transport).build();
        int cores = Runtime.getRuntime().availableProcessors();
        vertx.deployVerticle(() -> new VertxFloor(port, upstream), new DeploymentOptions().setInstances(cores))
                .onSuccess(id -> System.out.println("vertx floor on " + port + " (" + transport.name() + ")"))
                .onFailure(e -> { e.printStackTrace(); System.exit(1); });
    }

    @Override
    public Future<?> start() {
        HttpClient client = vertx.httpClientBuilder()
                .with(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true))
                .with(new PoolOptions().setHttp1MaxSize(256))
                .build();
        return vertx.createHttpServer(new HttpServerOptions().setTcpNoDelay(true).setStrictThreadMode(true))
                .requestHandler(request -> client.request(new RequestOptions()
                                .setMethod(request.method()).setHost("127.0.0.1").setPort(upstream)
                                .setURI(request.uri()).setHeaders(request.headers()))
                        .compose(out -> out.send().compose(answer -> {
                            request.response().setStatusCode(answer.statusCode()).headers().addAll(answer.headers());
                            return answer.body();
                        }))
                        .onSuccess(body -> request.response().end(body))
                        .onFailure(error -> request.response().setStatusCode(502).end()))
                .listen(port, "127.0.0.1");
    }
}
