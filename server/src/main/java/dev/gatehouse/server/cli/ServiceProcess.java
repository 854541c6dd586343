package dev.gatehouse.server.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A service the demo runs beside its node (a sample instance, the shortener) as a child process from this JVM's own
 * class path, its output appended to a log under the demo's data; it exits when this JVM does, however that ends.
 */
final class ServiceProcess {
    static final String SHORTENER_MAIN = "dev.gatehouse.shortener.ShortenerMain";

    private final String name;
    private final int port;
    private final Path log;
    private final List<String> command;
    private final int stopSeconds;
    private volatile Process process;

    private ServiceProcess(String name, int port, Path log, String heap, String main, List<String> args, int stopSeconds) {
        this.name = name;
        this.port = port;
        this.log = log;
        this.stopSeconds = stopSeconds;
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + heap, "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), main,
                "--port", Integer.toString(port), "--instance-id", name));
        command.addAll(args);
        command.addAll(List.of("--parent-pid", Long.toString(ProcessHandle.current().pid())));
        this.command = List.copyOf(command);
    }

    /** One sample service instance on the demo's PostgreSQL, and its Redis when not null (the instances' caches share it). */
    static ServiceProcess sample(String name, int port, String jdbcUrl, String redisUrl, Path logDir) {
        List<String> args = new ArrayList<>(List.of("--jdbc-url", jdbcUrl));
        if (redisUrl != null) {
            args.addAll(List.of("--redis-url", redisUrl));
        }
        return new ServiceProcess(name, port, logDir.resolve("sample-" + name + ".log"), "128m", DemoCommand.SAMPLE_MAIN, args, 5);
    }

    /**
     * The URL shortener (the {@code shortener} module) on the demo's PostgreSQL; a clean stop flushes the clicks it
     * counted, so it gets longer to stop.
     *
     * @param publicUrl the gateway's address: short URLs are handed out under it
     */
    static ServiceProcess shortener(int port, String jdbcUrl, String publicUrl, Path logDir) {
        return new ServiceProcess("links-1", port, logDir.resolve("shortener.log"), "192m", SHORTENER_MAIN,
                List.of("--jdbc-url", jdbcUrl, "--public-url", publicUrl, "--own-host", "127.0.0.1", "--own-host", "localhost",
                        "--purge-every-seconds", "60"), 10);
    }

    synchronized void start() throws IOException {
        process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
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
        p.destroy();
        try {
            if (!p.waitFor(stopSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    String name() {
        return name;
    }

    int port() {
        return port;
    }

    Path log() {
        return log;
    }
}
