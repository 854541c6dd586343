package dev.gatehouse.server.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** One sample service instance run as a child process from this JVM's own class path; it exits when this JVM does, however that ends. */
final class SampleProcess {
    private final String name;
    private final int port;
    private final String jdbcUrl;
    private final Path log;
    private volatile Process process;

    SampleProcess(String name, int port, String jdbcUrl, Path logDir) {
        this.name = name;
        this.port = port;
        this.jdbcUrl = jdbcUrl;
        this.log = logDir.resolve("sample-" + name + ".log");
    }

    synchronized void start() throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(List.of(java, "-Xmx128m", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), DemoCommand.SAMPLE_MAIN,
                "--port", Integer.toString(port), "--instance-id", name, "--jdbc-url", jdbcUrl,
                "--parent-pid", Long.toString(ProcessHandle.current().pid())))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        process = builder.start();
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
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
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
