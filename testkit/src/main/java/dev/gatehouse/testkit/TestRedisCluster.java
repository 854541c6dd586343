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
 * A real Redis Cluster for one test class: three masters with a replica each, six {@code redis-server
 * --cluster-enabled yes} processes on free ports in a temporary directory, joined by {@code redis-cli
 * --cluster create}. Nothing persists to disk; {@link #close()} stops every process and deletes the
 * directory. Needs {@code redis-server} and {@code redis-cli} (Redis 7 or later, for {@code cluster-port}) on the PATH.
 */
public final class TestRedisCluster implements AutoCloseable {

    /** How long a master may be unreachable before the cluster fails it over: short, so tests see a failover soon. */
    public static final Duration NODE_TIMEOUT = Duration.ofSeconds(2);

    private final Path dir;
    private final Map<Integer, Process> processes = new LinkedHashMap<>();

    private TestRedisCluster(Path dir) {
        this.dir = dir;
    }

    /** Starts six nodes, creates the cluster and waits until every node says {@code cluster_state:ok}. */
    public static TestRedisCluster start() {
        TestRedisCluster cluster;
        try {
            cluster = new TestRedisCluster(Files.createTempDirectory("gh-redis-cluster"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            cluster.startNodes();
            return cluster;
        } catch (RuntimeException | IOException | InterruptedException e) {
            cluster.close();
            throw new IllegalStateException("could not start a Redis Cluster (are redis-server and redis-cli on the PATH?)", e);
        }
    }

    private void startNodes() throws IOException, InterruptedException {
        for (int i = 0; i < 6; i++) {
            int port = freePort();
            // the bus port is port + 10000 unless given: past 55535 that does not exist, so it is picked free as well
            int busPort = freePort();
            Process process = new ProcessBuilder("redis-server", "--port", String.valueOf(port), "--bind", "127.0.0.1",
                    "--cluster-enabled", "yes", "--cluster-port", String.valueOf(busPort), "--cluster-config-file", dir.resolve("nodes-" + port + ".conf").toString(),
                    "--cluster-node-timeout", String.valueOf(NODE_TIMEOUT.toMillis()), "--dir", dir.toString(),
                    // a replica fails over however long ago it last heard from its master: on a loaded test machine
                    // a replica whose link was slow to come up must not refuse to take over
                    "--cluster-replica-validity-factor", "0",
                    "--save", "", "--appendonly", "no", "--daemonize", "no")
                    .redirectErrorStream(true).redirectOutput(dir.resolve("redis-" + port + ".log").toFile()).start();
            processes.put(port, process);
        }
        for (int port : processes.keySet()) {
            await("redis-server on port " + port).atMost(Duration.ofSeconds(20)).ignoreExceptions()
                    .until(() -> "PONG".equals(command(port, "PING")));
        }
        List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
        processes.keySet().forEach(port -> create.add("127.0.0.1:" + port));
        create.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
        Process cli = new ProcessBuilder(create).redirectErrorStream(true).redirectOutput(dir.resolve("create.log").toFile()).start();
        if (!cli.waitFor(60, TimeUnit.SECONDS) || cli.exitValue() != 0) {
            cli.destroyForcibly();
            throw new IllegalStateException("redis-cli --cluster create failed: " + Files.readString(dir.resolve("create.log")));
        }
        awaitHealthy(Duration.ofSeconds(60));
    }

    /**
     * Waits until every running node says {@code cluster_state:ok} with all 16384 slots served, and every replica
     * has its master's data (a replica still syncing cannot take over when its master is killed).
     */
    public void awaitHealthy(Duration atMost) {
        await("cluster_state:ok on every node, replicas in sync").atMost(atMost).ignoreExceptions().until(() -> {
            for (int port : runningPorts()) {
                String info = (String) command(port, "CLUSTER", "INFO");
                if (!info.contains("cluster_state:ok") || !info.contains("cluster_slots_ok:16384")) {
                    return false;
                }
                String replication = (String) command(port, "INFO", "replication");
                if (replication.contains("role:slave") && !replication.contains("master_link_status:up")) {
                    return false;
                }
            }
            return true;
        });
    }

    /** The seed nodes to configure: every node, as {@code redis://127.0.0.1:port}. */
    public List<String> nodes() {
        return processes.keySet().stream().map(port -> "redis://127.0.0.1:" + port).toList();
    }

    /** The port of the master serving the slot of {@code key}, as a running node sees it now. */
    public int masterOf(String key) throws IOException {
        int any = runningPorts().get(0);
        long slot = (Long) command(any, "CLUSTER", "KEYSLOT", key);
        for (String line : ((String) command(any, "CLUSTER", "NODES")).split("\n")) {
            String[] f = line.trim().split(" ");
            if (f.length < 9 || !f[2].contains("master") || f[2].contains("fail")) {
                continue;
            }
            for (int i = 8; i < f.length; i++) {
                if (f[i].startsWith("[")) {
                    continue; // a slot being migrated
                }
                String[] range = f[i].split("-");
                long from = Long.parseLong(range[0]);
                long to = range.length > 1 ? Long.parseLong(range[1]) : from;
                if (slot >= from && slot <= to) {
                    return Integer.parseInt(f[1].substring(f[1].lastIndexOf(':') + 1, f[1].indexOf('@')));
                }
            }
        }
        throw new IllegalStateException("no master serves slot " + slot + " of " + key);
    }

    /** The ports of the masters now serving slots, as a running node sees it. */
    public List<Integer> masters() throws IOException {
        List<Integer> masters = new ArrayList<>();
        for (String line : ((String) command(runningPorts().get(0), "CLUSTER", "NODES")).split("\n")) {
            String[] f = line.trim().split(" ");
            if (f.length >= 9 && f[2].contains("master") && !f[2].contains("fail")) {
                masters.add(Integer.parseInt(f[1].substring(f[1].lastIndexOf(':') + 1, f[1].indexOf('@'))));
            }
        }
        return masters;
    }

    /** What each running node says of the cluster ({@code CLUSTER NODES}) and of itself, for a failure's message. */
    public String describe() {
        StringBuilder out = new StringBuilder();
        for (int port : runningPorts()) {
            try {
                out.append("-- ").append(port).append(":\n").append(command(port, "CLUSTER", "NODES"));
            } catch (IOException e) {
                out.append("-- ").append(port).append(": ").append(e.getMessage()).append('\n');
            }
        }
        return out.toString();
    }

    /** Kills the node on {@code port} at once (SIGKILL): no goodbye to clients or to the cluster. */
    public void kill(int port) throws InterruptedException {
        Process process = processes.get(port);
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** Sends one command to the node on {@code port}. */
    public Object command(int port, String... args) throws IOException {
        try (RespClient client = new RespClient("127.0.0.1", port)) {
            return client.command(args);
        }
    }

    private List<Integer> runningPorts() {
        return processes.entrySet().stream().filter(e -> e.getValue().isAlive()).map(Map.Entry::getKey).toList();
    }

    private static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0)) {
            return probe.getLocalPort();
        }
    }

    /** Stops every node and deletes their directory. */
    @Override
    public void close() {
        for (Process process : processes.values()) {
            process.destroyForcibly();
        }
        for (Process process : processes.values()) {
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
