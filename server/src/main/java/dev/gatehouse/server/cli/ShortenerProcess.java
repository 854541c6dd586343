package dev.gatehouse.server.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The demo's URL shortener (the {@code shortener} module) run as a child process from this JVM's class path, on
 * the demo's PostgreSQL; like the sample instances it exits when this JVM does, however that ends.
 */
final class ShortenerProcess {
    static final String MAIN = "dev.gatehouse.shortener.ShortenerMain";

    private final int port;
    private final String jdbcUrl;
    private final String publicUrl;
    private final Path log;
    private volatile Process process;

    /** @param publicUrl the gateway's address: short URLs are handed out under it */
    ShortenerProcess(int port, String jdbcUrl, String publicUrl, Path logDir) {
        this.port = port;
        this.jdbcUrl = jdbcUrl;
        this.publicUrl = publicUrl;
        this.log = logDir.resolve("shortener.log");
    }

    synchronized void start() throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        process = new ProcessBuilder(List.of(java, "-Xmx192m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), MAIN,
                "--port", Integer.toString(port), "--instance-id", "links-1", "--jdbc-url", jdbcUrl, "--public-url", publicUrl,
                "--own-host", "127.0.0.1", "--own-host", "localhost", "--purge-every-seconds", "60",
                "--parent-pid", Long.toString(ProcessHandle.current().pid())))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
    }

    boolean alive() {
        Process p = process;
        return p != null && p.isAlive();
    }

    int exitCode() {
        Process p = process;
        return p == null || p.isAlive() ? -1 : p.exitValue();
    }

    synchronized void stop() {
        Process p = process;
        if (p == null) {
            return;
        }
        p.destroy(); // a clean stop flushes the clicks it counted
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    int port() {
        return port;
    }

    Path log() {
        return log;
    }
}
