package dev.gatehouse.sample;

import io.vertx.core.Vertx;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;

/** Runs one sample service instance: {@code java -cp gatehouse.jar dev.gatehouse.sample.SampleMain --port 3001 ...}. */
@Command(name = "gatehouse-sample", mixinStandardHelpOptions = true,
        description = "The sample upstream service that the Gatehouse demo runs behind the gateway.")
public final class SampleMain implements Callable<Integer> {

    @Option(names = "--port", required = true, description = "Port to listen on (0 for any free port).")
    int port;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--instance-id", required = true, description = "Name this instance reports in /api/v1/status.")
    String instanceId;

    @Option(names = "--jdbc-url", required = true, description = "PostgreSQL JDBC URL for the resources API.")
    String jdbcUrl;

    @Option(names = "--redis-url", description = "Redis for the resource cache's shared level and cross-instance invalidation (optional).")
    String redisUrl;

    @Option(names = "--cache-ttl-seconds", defaultValue = "60", description = "How long a resource stays cached when Redis is given "
            + "(default: ${DEFAULT-VALUE}); without Redis an instance keeps resources at most 2 s, since writes through other instances do not reach it.")
    int cacheTtlSeconds;

    @Option(names = "--external-failure-rate", defaultValue = "0.3", description = "Share of /api/v1/external calls that fail (default: ${DEFAULT-VALUE}).")
    double failureRate;

    @Option(names = "--external-stall-rate", defaultValue = "0.0", description = "Share of /api/v1/external calls that stall (default: ${DEFAULT-VALUE}).")
    double stallRate;

    @Option(names = "--external-stall-ms", defaultValue = "3000", description = "How long a stalled call takes (default: ${DEFAULT-VALUE} ms).")
    long stallMillis;

    @Option(names = "--third-party-limits", split = ",", defaultValue = "60/min,5000/hour",
            description = "The mock third party's hard windows under /third-party (default: ${DEFAULT-VALUE}); past one it answers 429.")
    java.util.List<String> thirdPartyLimits;

    @Option(names = "--parent-pid", description = "Exit when the process with this id ends (the demo gives its own, so that no "
            + "instance outlives it, even when it is killed with -9).")
    Long parentPid;

    public static void main(String[] args) {
        System.exit(new CommandLine(new SampleMain()).execute(args));
    }

    @Override
    public Integer call() throws InterruptedException {
        FlakyDependency external;
        try {
            external = new FlakyDependency(failureRate, stallRate, Duration.ofMillis(stallMillis), () -> ThreadLocalRandom.current().nextDouble());
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        if (cacheTtlSeconds < 1 || cacheTtlSeconds > 86_400) {
            System.err.println("--cache-ttl-seconds must be between 1 and 86400, got " + cacheTtlSeconds);
            return 2;
        }
        ThirdPartyMock thirdParty;
        try {
            thirdParty = new ThirdPartyMock(thirdPartyLimits.stream().map(ThirdPartyMock.Window::parse).toList(), System::nanoTime);
        } catch (IllegalArgumentException e) {
            System.err.println("--third-party-limits: " + e.getMessage());
            return 2;
        }
        ResourceStore store = new ResourceStore(jdbcUrl, 4);
        Vertx vertx = Vertx.vertx();
        SampleService service = new SampleService(vertx, instanceId, store, external, resourceCache(vertx), thirdParty);
        service.listen(host, port).toCompletionStage().toCompletableFuture().join();
        System.out.println("sample " + instanceId + " listening on " + host + ":" + service.port());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            vertx.close().toCompletionStage().toCompletableFuture().join();
            store.close();
            stopped.countDown();
        }));
        if (parentPid != null) {
            exitWithParent(parentPid);
        }
        stopped.await();
        return 0;
    }

    /** Exits (through the shutdown hook) once {@code pid} has ended, checking twice a second. */
    private static void exitWithParent(long pid) {
        Thread watch = new Thread(() -> {
            ProcessHandle parent = ProcessHandle.of(pid).orElse(null);
            while (parent != null && parent.isAlive()) {
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    return;
                }
            }
            System.out.println("parent process " + pid + " has ended; stopping");
            System.exit(0);
        }, "parent-watch");
        watch.setDaemon(true);
        watch.start();
    }

    private ResourceCache resourceCache(Vertx vertx) {
        return redisUrl == null
                ? ResourceCache.inProcess(Duration.ofSeconds(Math.min(cacheTtlSeconds, 2)))
                : ResourceCache.shared(vertx, redisUrl, "gh:sample:", instanceId, Duration.ofSeconds(cacheTtlSeconds));
    }
}
