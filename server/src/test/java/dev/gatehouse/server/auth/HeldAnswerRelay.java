package dev.gatehouse.server.auth;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;

import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A TCP relay between a node and PostgreSQL that can hold back PostgreSQL's answer to one statement. Armed
 * with some bytes (a bound parameter, such as a key's SHA-256), it passes the first statement that carries
 * them on to the server, which runs it (its snapshot taken), and keeps the answer from the node until the
 * test releases it: a test can then commit a change between a query and the moment its caller learns the
 * result. Only that one answer is held; the other connections (and later statements) pass freely.
 */
final class HeldAnswerRelay implements AutoCloseable {
    private final NetServer server;
    private final NetClient client;
    private final Set<NetSocket> open = ConcurrentHashMap.newKeySet();
    private final AtomicReference<Hold> armed = new AtomicReference<>();

    /** The answer to one statement, held back until {@link #release()}. */
    static final class Hold {
        private final byte[] marker;
        private final CompletableFuture<Void> held = new CompletableFuture<>();
        private final CompletableFuture<Void> released = new CompletableFuture<>();

        private Hold(byte[] marker) {
            this.marker = marker.clone();
        }

        /** Waits until the server has run the statement and the first bytes of its answer are being held. */
        void awaitHeld(Duration timeout) throws Exception {
            held.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }

        void release() {
            released.complete(null);
        }
    }

    HeldAnswerRelay(Vertx vertx, String jdbcUrl) {
        URI target = URI.create(jdbcUrl.substring("jdbc:".length()));
        this.client = vertx.createNetClient();
        this.server = vertx.createNetServer().connectHandler(in -> {
            in.pause();
            Context context = Vertx.currentContext();
            client.connect(target.getPort() < 0 ? 5432 : target.getPort(), target.getHost()).onComplete(connected -> {
                if (connected.failed()) {
                    in.close();
                    return;
                }
                NetSocket out = connected.result();
                open.add(in);
                open.add(out);
                in.closeHandler(v -> out.close());
                out.closeHandler(v -> in.close());
                // the statement under hold, once sent on: the first bytes of its answer are kept back, which also
                // proves the server has run it (taken its snapshot) before the test is told it is held
                AtomicReference<Hold> answering = new AtomicReference<>();
                out.handler(answer -> {
                    Hold hold = answering.getAndSet(null);
                    if (hold == null) {
                        in.write(answer);
                        return;
                    }
                    out.pause();
                    hold.released.thenRun(() -> context.runOnContext(v -> {
                        in.write(answer);
                        out.resume();
                    }));
                    hold.held.complete(null);
                });
                byte[][] recent = {new byte[0]};
                in.handler(chunk -> {
                    Hold hold = armed.get();
                    if (hold != null) {
                        // what came before counts too: a marker may straddle two chunks
                        byte[] window = concat(recent[0], chunk.getBytes());
                        if (contains(window, hold.marker) && armed.compareAndSet(hold, null)) {
                            answering.set(hold);
                        }
                        recent[0] = Arrays.copyOfRange(window, Math.max(0, window.length - hold.marker.length + 1), window.length);
                    }
                    out.write(chunk);
                });
                in.resume();
            });
        }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().join();
    }

    /** Holds the answer to the next statement whose bytes (sent from the node) contain {@code marker}. */
    Hold holdAnswerTo(byte[] marker) {
        Hold hold = new Hold(marker);
        armed.set(hold);
        return hold;
    }

    /** {@code jdbcUrl} with its host and port replaced by this relay's. */
    String relayed(String jdbcUrl) {
        URI uri = URI.create(jdbcUrl.substring("jdbc:".length()));
        return jdbcUrl.replaceFirst("//" + java.util.regex.Pattern.quote(uri.getRawAuthority()) + "/", "//127.0.0.1:" + server.actualPort() + "/");
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    @Override
    public void close() {
        Hold hold = armed.getAndSet(null);
        if (hold != null) {
            hold.release();
        }
        open.forEach(NetSocket::close);
        server.close();
        client.close();
    }
}
