package dev.gatehouse.dist;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@code java -jar gatehouse.jar demo} on free ports with a data directory of its own, as a user would run it. */
final class DemoProcess {

    final int gatewayPort;
    final int adminPort;
    final int lbPort;
    final List<Integer> samplePorts;
    final int shortenerPort;
    final Path dataDir;
    private final Path workDir;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private Process process;
    private Path output;
    private int runs;

    DemoProcess(Path workDir) throws IOException {
        this.workDir = workDir;
        this.dataDir = workDir.resolve("data");
        this.gatewayPort = freePort();
        this.adminPort = freePort();
        this.lbPort = freePort();
        this.samplePorts = List.of(freePort(), freePort(), freePort());
        this.shortenerPort = freePort();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** Starts the demo (with {@code extraArgs}) and waits until the gateway answers through it and it has printed its banner. */
    DemoProcess start(String... extraArgs) throws IOException {
        output = workDir.resolve("demo-" + (++runs) + ".out");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", Path.of("target", "gatehouse.jar").toAbsolutePath().toString(), "demo",
                "--port", String.valueOf(gatewayPort), "--admin-port", String.valueOf(adminPort), "--lb-port", String.valueOf(lbPort),
                "--sample-ports", samplePorts.get(0) + "," + samplePorts.get(1) + "," + samplePorts.get(2),
                "--shortener-port", String.valueOf(shortenerPort), "--data-dir", dataDir.toString()));
        command.addAll(List.of(extraArgs));
        process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                .failFast("the demo exited", () -> assertThat(process.isAlive()).as(output()).isTrue())
                .until(() -> output().contains("Gatehouse demo is running.") && status(gateway() + "/api/v1/status") == 200);
        return this;
    }

    String gateway() {
        return "http://127.0.0.1:" + gatewayPort;
    }

    String admin() {
        return "http://127.0.0.1:" + adminPort;
    }

    /** The reference walkthrough's load balancer. */
    String balancer() {
        return "http://127.0.0.1:" + lbPort;
    }

    Process process() {
        return process;
    }

    /** What the demo printed in its latest run. */
    String output() throws IOException {
        return Files.readString(output);
    }

    int status(String url) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The value of a response header of a GET, or null without one (or without an answer). */
    String header(String url, String name) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.discarding()).headers().firstValue(name).orElse(null);
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The embedded PostgreSQL server running on the demo's data, per its postmaster.pid. */
    Optional<ProcessHandle> postgres() throws IOException {
        Path pidFile = dataDir.resolve("postgres").resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return Optional.empty();
        }
        return ProcessHandle.of(Long.parseLong(Files.readAllLines(pidFile).get(0).trim())).filter(ProcessHandle::isAlive);
    }

    /** Stops the demo as Ctrl-C would, and checks that nothing it started outlives it. */
    void stop() throws Exception {
        if (process == null || !process.isAlive()) {
            return;
        }
        List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("the demo stops on SIGTERM").isTrue();
        await().atMost(Duration.ofSeconds(30)).until(() -> children.stream().noneMatch(ProcessHandle::isAlive));
    }
}
