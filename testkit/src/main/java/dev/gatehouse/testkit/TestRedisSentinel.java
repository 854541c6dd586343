package dev.gatehouse.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;

/**
 * A real Sentinel setup for one test class: a master, a replica of it and three sentinels watching it
 * as {@link #MASTER_NAME}, each a {@code redis-server} process on a free port in a temporary directory.
 * Nothing persists; {@link #close()} stops every process and deletes the directory.
 */
public final class TestRedisSentinel implements AutoCloseable {

    public static final String MASTER_NAME = "gatehouse";
    /** How long the master may be unreachable before the sentinels call it down: short, so tests see a failover soon. */
    public static final Duration DOWN_AFTER = Duration.ofSeconds(2);

    private final Path dir;
    private final Map<Integer, Process> servers = new LinkedHashMap<>();
    private final Map<Integer, Process> sentinels = new LinkedHashMap<>();

    private TestRedisSentinel(Path dir) {
        this.dir = dir;
    }

    /** Starts the master, its replica and three sentinels, and waits until the sentinels know the replica and each other. */
    public static TestRedisSentinel start() {
        TestRedisSentinel setup;
        try {
            setup = new TestRedisSentinel(Files.createTempDirectory("gh-redis-sentinel"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            setup.startAll();
            return setup;
        } catch (RuntimeException | IOException e) {
            setup.close();
            throw new IllegalStateException("could not start Redis with Sentinel (is redis-server on the PATH?)", e);
        }
    }

    private void startAll() throws IOException {
        int master = freePort();
        servers.put(master, server(master));
        int replica = freePort();
        servers.put(replica, server(replica, "--replicaof", "127.0.0.1", String.valueOf(master)));
        for (int i = 0; i < 3; i++) {
            int port = freePort();
            Path conf = dir.resolve("sentinel-" + port + ".conf");
            Files.writeString(conf, """
                    port %d
                    bind 127.0.0.1
                    dir %s
                    sentinel monitor %s 127.0.0.1 %d 2
                    sentinel down-after-milliseconds %s %d
                    sentinel failover-timeout %s 10000
                    """.formatted(port, dir, MASTER_NAME, master, MASTER_NAME, DOWN_AFTER.toMillis(), MASTER_NAME));
            sentinels.put(port, new ProcessBuilder("redis-server", conf.toString(), "--sentinel").redirectErrorStream(true)
                    .redirectOutput(dir.resolve("sentinel-" + port + ".log").toFile()).start());
        }
        await("the replica in sync").atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> ((String) command(replica, "INFO", "replication")).contains("master_link_status:up"));
        for (int port : sentinels.keySet()) {
            await("sentinel on " + port + " knows the replica and the other sentinels").atMost(Duration.ofSeconds(60)).ignoreExceptions()
                    .until(() -> !((List<?>) command(port, "SENTINEL", "REPLICAS", MASTER_NAME)).isEmpty()
                            && ((List<?>) command(port, "SENTINEL", "SENTINELS", MASTER_NAME)).size() == 2);
        }
    }

    private Process server(int port, String... more) throws IOException {
        List<String> args = new ArrayList<>(List.of("redis-server", "--port", String.valueOf(port), "--bind", "127.0.0.1",
                "--dir", dir.toString(), "--save", "", "--appendonly", "no", "--daemonize", "no"));
        args.addAll(List.of(more));
        Process process = new ProcessBuilder(args).redirectErrorStream(true).redirectOutput(dir.resolve("redis-" + port + ".log").toFile()).start();
        await("redis-server on port " + port).atMost(Duration.ofSeconds(20)).ignoreExceptions()
                .until(() -> "PONG".equals(command(port, "PING")));
        return process;
    }

    /** The sentinels to configure, as {@code redis://127.0.0.1:port}. */
    public List<String> sentinels() {
        return sentinels.keySet().stream().map(port -> "redis://127.0.0.1:" + port).toList();
    }

    /** The port of the master the sentinels name now. */
    public int masterPort() throws IOException {
        List<?> address = (List<?>) command(sentinels.keySet().iterator().next(), "SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME);
        return Integer.parseInt((String) address.get(1));
    }

    /** Kills the server on {@code port} at once (SIGKILL). */
    public void kill(int port) throws InterruptedException {
        Process process = servers.get(port);
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** Sends one command to the server or sentinel on {@code port}. */
    public Object command(int port, String... args) throws IOException {
        try (RespClient client = new RespClient("127.0.0.1", port)) {
            return client.command(args);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0)) {
            return probe.getLocalPort();
        }
    }

    /** Stops every process and deletes their directory. */
    @Override
    public void close() {
        List<Process> all = new ArrayList<>(sentinels.values());
        all.addAll(servers.values());
        all.forEach(Process::destroyForcibly);
        for (Process process : all) {
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory the OS cleans anyway
        }
    }
}
