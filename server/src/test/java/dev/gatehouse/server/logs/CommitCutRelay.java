package dev.gatehouse.server.logs;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP relay to PostgreSQL that, once armed, lets the next {@code COMMIT} through and then hangs up on the client
 * before the server's answer reaches it: the transaction commits, and the client cannot know.
 */
final class CommitCutRelay implements AutoCloseable {
    private static final byte[] COMMIT = "COMMIT".getBytes(StandardCharsets.US_ASCII);

    private final NetServer server;
    private final NetClient client;
    private final AtomicBoolean armed = new AtomicBoolean();
    private final AtomicInteger cuts = new AtomicInteger();

    CommitCutRelay(Vertx vertx, String jdbcUrl) throws Exception {
        URI uri = URI.create(jdbcUrl.substring("jdbc:".length()));
        String host = uri.getHost();
        int port = uri.getPort() < 0 ? 5432 : uri.getPort();
        client = vertx.createNetClient();
        server = vertx.createNetServer().connectHandler(in -> {
            in.pause();
            client.connect(port, host).onComplete(connected -> {
                if (connected.failed()) {
                    in.close();
                    return;
                }
                NetSocket out = connected.result();
                AtomicBoolean cut = new AtomicBoolean();
                in.closeHandler(v -> {
                    if (!cut.get()) {
                        out.close();
                    }
                });
                out.closeHandler(v -> in.close());
                in.handler(data -> {
                    out.write(data);
                    if (contains(data, COMMIT) && armed.compareAndSet(true, false)) {
                        cut.set(true);
                        cuts.incrementAndGet();
                        in.close(); // the client hears nothing more; the server gets the COMMIT whole and answers it
                    }
                });
                out.handler(data -> {
                    if (cut.get()) {
                        out.close(); // the commit's answer, which nobody will read
                    } else {
                        in.write(data);
                    }
                });
                in.resume();
            });
        }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get();
    }

    private static boolean contains(Buffer data, byte[] what) {
        byte[] bytes = data.getBytes();
        outer:
        for (int i = 0; i + what.length <= bytes.length; i++) {
            for (int j = 0; j < what.length; j++) {
                if (bytes[i + j] != what[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    /** The next COMMIT through is cut off from its answer. */
    void arm() {
        armed.set(true);
    }

    int cuts() {
        return cuts.get();
    }

    String relayed(String jdbcUrl) {
        URI uri = URI.create(jdbcUrl.substring("jdbc:".length()));
        return jdbcUrl.replaceFirst("//" + java.util.regex.Pattern.quote(uri.getRawAuthority()) + "/", "//127.0.0.1:" + server.actualPort() + "/");
    }

    @Override
    public void close() {
        server.close();
        client.close();
    }
}
