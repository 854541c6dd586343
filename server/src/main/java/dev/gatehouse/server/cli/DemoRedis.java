package dev.gatehouse.server.cli;

import dev.gatehouse.core.time.Clock;
import redis.embedded.core.ExecutableProvider;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The Redis of {@code gatehouse demo --nodes N} when the user names none: the server binary bundled with the
 * embedded-redis library, run as a child process on a free loopback port, keeping nothing on disk. The demo stops it
 * last, after the nodes (the library's own start would stop it in a shutdown hook of its own, while nodes still use it).
 * Its pid file is under the demo's data, so one left running by a demo killed with -9 is stopped at the next start,
 * as the embedded PostgreSQL is.
 */
final class DemoRedis implements AutoCloseable {
    private final Process process;
    private final int port;

    private DemoRedis(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Starts a server with its binary, pid file and log under {@code dir}, and returns once it answers PING. */
    static DemoRedis start(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path pidFile = dir.resolve("redis.pid").toAbsolutePath();
        stopLeftover(pidFile);
        Files.createDirectories(dir.resolve("bin"));
        File binary = ExecutableProvider.newJarResourceProvider(dir.resolve("bin").toFile()).get();
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        Path log = dir.resolve("redis.log");
        Process process = new ProcessBuilder(binary.getAbsolutePath(), "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", dir.toAbsolutePath().toString(), "--pidfile", pidFile.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        DemoRedis redis = new DemoRedis(process, port);
        Instant deadline = Clock.system().instant().plusSeconds(30);
        while (!redis.answers()) {
            if (!process.isAlive() || Clock.system().instant().isAfter(deadline)) {
                redis.close();
                throw new IOException("the demo's Redis did not start; see " + log);
            }
            LockSupportPause.pause(Duration.ofMillis(50));
        }
        return redis;
    }

    String url() {
        return "redis://127.0.0.1:" + port;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private boolean answers() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            socket.setSoTimeout(500);
            socket.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] answer = socket.getInputStream().readNBytes(5);
            return new String(answer, StandardCharsets.US_ASCII).equals("+PONG");
        } catch (IOException e) {
            return false;
        }
    }

    /** Stops the Redis server an earlier demo left running (killed with -9), if its pid file names a live one. */
    private static void stopLeftover(Path pidFile) throws IOException {
        if (!Files.exists(pidFile)) {
            return;
        }
        String text = Files.readString(pidFile).trim();
        Files.delete(pidFile);
        long pid;
        try {
            pid = Long.parseLong(text);
        } catch (NumberFormatException e) {
            return;
        }
        Optional<ProcessHandle> leftover = ProcessHandle.of(pid)
                .filter(p -> p.info().command().map(c -> c.contains("redis-server")).orElse(false));
        if (leftover.isEmpty()) {
            return;
        }
        System.out.println("Stopping the Redis server (pid " + pid + ") an earlier demo left running.");
        leftover.get().destroy();
        try {
            leftover.get().onExit().get(10, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            leftover.get().destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while stopping an earlier demo's Redis", e);
        } catch (ExecutionException e) {
            throw new IOException("could not stop an earlier demo's Redis: " + e.getCause().getMessage(), e);
        }
    }
}
