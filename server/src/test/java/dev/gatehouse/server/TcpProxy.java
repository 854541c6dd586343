package dev.gatehouse.server;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;

import java.net.URI;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP relay between a node and a server (PostgreSQL) that a test can cut: {@link #cut()} closes every
 * relayed connection and closes new ones as they arrive, as an unreachable server would look; {@link #restore()}
 * relays again. Listens on a free port.
 */
public final class TcpProxy implements AutoCloseable {
    private final NetServer server;
    private final NetClient client;
    private final Set<NetSocket> open = ConcurrentHashMap.newKeySet();
    private volatile boolean up = true;

    private TcpProxy(Vertx vertx, String host, int port) {
        this.client = vertx.createNetClient();
        this.server = TestUpstream.await(vertx.createNetServer().connectHandler(in -> {
            if (!up) {
                in.close();
                return;
            }
            in.pause();
            client.connect(port, host).onComplete(connected -> {
                if (connected.failed() || !up) {
                    in.close();
                    if (connected.succeeded()) {
                        connected.result().close();
                    }
                    return;
                }
                NetSocket out = connected.result();
                open.add(in);
                open.add(out);
                in.closeHandler(v -> {
                    open.remove(in);
                    out.close();
                });
                out.closeHandler(v -> {
                    open.remove(out);
                    in.close();
                });
                in.handler(out::write);
                out.handler(in::write);
                in.resume();
            });
        }).listen(0, "127.0.0.1"));
    }

    /** A relay to the host and port of {@code jdbcUrl} (a {@code jdbc:postgresql://} URL). */
    public static TcpProxy toDatabase(Vertx vertx, String jdbcUrl) {
        URI uri = URI.create(jdbcUrl.substring("jdbc:".length()));
        return new TcpProxy(vertx, uri.getHost(), uri.getPort() < 0 ? 5432 : uri.getPort());
    }

    /** {@code jdbcUrl} with its host and port replaced by this relay's. */
    public String relayed(String jdbcUrl) {
        URI uri = URI.create(jdbcUrl.substring("jdbc:".length()));
        return jdbcUrl.replaceFirst("//" + java.util.regex.Pattern.quote(uri.getRawAuthority()) + "/", "//127.0.0.1:" + server.actualPort() + "/");
    }

    /** From now on the server is unreachable: open connections are closed, new ones closed on arrival. */
    public void cut() {
        up = false;
        open.forEach(NetSocket::close);
    }

    public void restore() {
        up = true;
    }

    @Override
    public void close() {
        cut();
        server.close();
        client.close();
    }
}
