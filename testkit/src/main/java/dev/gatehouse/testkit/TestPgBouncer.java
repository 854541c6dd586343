package dev.gatehouse.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;

/**
 * A real PgBouncer in transaction mode in front of the test PostgreSQL, for one test class: the system's
 * {@code pgbouncer} started on a free loopback port with an ini of its own in a temporary directory (no
 * service of the machine is touched). {@link #close()} stops it and deletes the directory. A missing binary
 * fails the test: install Debian's {@code pgbouncer} package ({@code .ci/run} does).
 */
public final class TestPgBouncer implements AutoCloseable {

    /** Where Debian's package puts it: outside a non-root user's PATH. */
    static final Path BINARY = Path.of("/usr/sbin/pgbouncer");
    private static final int ATTEMPTS = 3;

    private final Path dir;
    private final String user;
    /** Stops PgBouncer should the JVM exit without {@link #close()}: it would outlive the tests otherwise. */
    private final Thread stopAtExit = new Thread(this::stop, "pgbouncer-stop");
    private volatile Process process;
    private int port;

    private TestPgBouncer(Path dir, String user) {
        this.dir = dir;
        this.user = user;
    }

    /** Starts PgBouncer in transaction mode for every database of the test PostgreSQL, and waits until it accepts connections. */
    public static TestPgBouncer start() {
        Path binary = binary();
        if (binary == null) {
            throw new IllegalStateException("PgBouncer is not installed (looked for pgbouncer on the PATH and " + BINARY
                    + "): apt-get install -y pgbouncer, as .ci/run does");
        }
        URI server = URI.create(TestPostgres.adminUrl().substring("jdbc:".length()));
        Map<String, String> params = query(server.getRawQuery());
        String user = params.getOrDefault("user", System.getProperty("user.name"));
        TestPgBouncer bouncer;
        try {
            bouncer = new TestPgBouncer(Files.createTempDirectory("gh-pgbouncer"), user);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Runtime.getRuntime().addShutdownHook(bouncer.stopAtExit);
        try {
            bouncer.run(binary, server, params.get("password"));
            return bouncer;
        } catch (IOException | RuntimeException e) {
            bouncer.close();
            throw new IllegalStateException("could not start PgBouncer: " + e.getMessage(), e);
        }
    }

    private static Path binary() {
        for (String entry : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(entry.isEmpty() ? "." : entry, "pgbouncer");
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return Files.isExecutable(BINARY) ? BINARY : null;
    }

    /** Tries a few free ports: another process may take the one found before PgBouncer binds it. */
    private void run(Path binary, URI server, String password) throws IOException {
        boolean root = "root".equals(System.getProperty("user.name"));
        Path authFile = dir.resolve("users.txt");
        Files.writeString(authFile, quoted(user) + " \"\"\n");
        for (int attempt = 1; ; attempt++) {
            port = freePort();
            Path ini = dir.resolve("pgbouncer.ini");
            Files.writeString(ini, """
                    [databases]
                    * = host=%s port=%d user=%s%s

                    [pgbouncer]
                    listen_addr = 127.0.0.1
                    listen_port = %d
                    unix_socket_dir =
                    pool_mode = transaction
                    default_pool_size = 4
                    auth_type = trust
                    auth_file = %s
                    %s
                    """.formatted(server.getHost(), server.getPort() < 0 ? 5432 : server.getPort(), user,
                    password == null ? "" : " password='" + password.replace("'", "\\'") + "'", port, authFile,
                    // PgBouncer refuses to run as root; it drops to this user instead, and must still read its files
                    root ? "user = nobody" : ""));
            if (root) {
                dir.toFile().setReadable(true, false);
                dir.toFile().setExecutable(true, false);
                ini.toFile().setReadable(true, false);
                authFile.toFile().setReadable(true, false);
            }
            Path log = dir.resolve("pgbouncer.log");
            process = new ProcessBuilder(binary.toString(), ini.toString()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            await("PgBouncer on port " + port).atMost(java.time.Duration.ofSeconds(20)).pollInterval(java.time.Duration.ofMillis(20))
                    .until(() -> !process.isAlive() || accepts(port));
            if (process.isAlive()) {
                return;
            }
            String output = Files.readString(log);
            if (attempt == ATTEMPTS || !output.contains("Address already in use")) {
                throw new IllegalStateException("pgbouncer exited with " + process.exitValue() + ":\n" + output);
            }
        }
    }

    /** A JDBC URL of {@code database} through PgBouncer; {@code prepareThreshold=0} since PgBouncer before 1.21 cannot keep prepared statements. */
    public String jdbcUrl(TestDatabase database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database.name() + "?user=" + user + "&prepareThreshold=0";
    }

    /** What PgBouncer logged so far. */
    public String log() {
        try {
            return Files.readString(dir.resolve("pgbouncer.log"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String quoted(String value) {
        return "\"" + value.replace("\"", "\"\"") + "\"";
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> params = new LinkedHashMap<>();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    params.put(pair.substring(0, eq), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return params;
    }

    private static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0)) {
            return probe.getLocalPort();
        }
    }

    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(stopAtExit);
        } catch (IllegalStateException exiting) {
            // the hook stops it
        }
        stop();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory the OS cleans anyway
        }
    }

    private void stop() {
        Process process = this.process;
        if (process != null) {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
