package dev.gatehouse.shortener;

import dev.gatehouse.core.time.Clock;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.URI;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** Runs one shortener instance: {@code java -cp gatehouse.jar dev.gatehouse.shortener.ShortenerMain --port 3010 ...}. */
@Command(name = "gatehouse-shortener", mixinStandardHelpOptions = true,
        description = "The URL shortener the Gatehouse demo runs behind the gateway (short links, redirects, click stats).")
public final class ShortenerMain implements Callable<Integer> {

    @Option(names = "--port", required = true, description = "Port to listen on (0 for any free port).")
    int port;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on (default: ${DEFAULT-VALUE}). The service trusts "
            + "the gateway's X-Gatehouse-* caller headers, so only the gateway may reach it.")
    String host;

    @Option(names = "--instance-id", required = true, description = "Name of this instance (logs, the node id lease, invalidations).")
    String instanceId;

    @Option(names = "--jdbc-url", required = true, description = "PostgreSQL JDBC URL (schema shortener).")
    String jdbcUrl;

    @Option(names = "--redis-url", description = "Redis for the shared cache level, cross-instance invalidation and the purge lock (optional).")
    String redisUrl;

    @Option(names = "--redis-key-prefix", defaultValue = "gh:shortener:", description = "Prefix of the Redis keys (default: ${DEFAULT-VALUE}).")
    String keyPrefix;

    @Option(names = "--public-url", required = true, description = "Base of the short URLs handed out, e.g. https://sho.rt or http://localhost:8080.")
    String publicUrl;

    @Option(names = "--own-host", description = "A host refused as a link target besides the public URL's (repeatable), e.g. 127.0.0.1.")
    List<String> ownHosts = List.of();

    @Option(names = "--event-loops", defaultValue = "2", description = "Event loops serving HTTP (default: ${DEFAULT-VALUE}).")
    int eventLoops;

    @Option(names = "--click-flush-interval-ms", defaultValue = "1000", description = "The longest a click waits in memory (default: ${DEFAULT-VALUE} ms): "
            + "what a crash can lose, with --click-flush-at.")
    long flushIntervalMillis;

    @Option(names = "--click-flush-at", defaultValue = "10000", description = "A flush starts as soon as this many clicks wait (default: ${DEFAULT-VALUE}).")
    long flushAt;

    @Option(names = "--purge-every-seconds", defaultValue = "600", description = "How often expired links are purged (default: ${DEFAULT-VALUE}).")
    long purgeEverySeconds;

    @Option(names = "--purge-after-seconds", defaultValue = "604800", description = "How long an expired link answers 410 before it is purged "
            + "(default: ${DEFAULT-VALUE}, a week).")
    long purgeAfterSeconds;

    @Option(names = "--warm-links", defaultValue = "1000", description = "Most clicked links loaded into memory at start (default: ${DEFAULT-VALUE}).")
    int warmLinks;

    @Option(names = "--parent-pid", description = "Exit when the process with this id ends (the demo gives its own).")
    Long parentPid;

    public static void main(String[] args) {
        System.exit(new CommandLine(new ShortenerMain()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        String problem = validate();
        if (problem != null) {
            System.err.println(problem);
            return 2;
        }
        Set<String> own = new HashSet<>(ownHosts);
        ShortenerSettings settings = ShortenerSettings.defaults(publicUrl).withOwnHosts(own)
                .withClickFlush(Duration.ofMillis(flushIntervalMillis), flushAt)
                .withPurge(Duration.ofSeconds(purgeEverySeconds), Duration.ofSeconds(purgeAfterSeconds), 1000)
                .withWarmLinks(warmLinks);
        ShortenerInstance instance = ShortenerInstance.start(new ShortenerInstance.Options(host, port, instanceId, jdbcUrl, redisUrl, keyPrefix,
                eventLoops, settings, Clock.system(), ShortenerInstance.PARK));
        System.out.println("shortener " + instanceId + " listening on " + host + ":" + instance.port() + " (node id "
                + instance.shortener().node() + ", short URLs " + settings.publicUrl() + "/<code>)");
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            instance.close();
            stopped.countDown();
        }, "shortener-stop"));
        if (parentPid != null) {
            exitWithParent(parentPid);
        }
        stopped.await();
        return 0;
    }

    private String validate() {
        try {
            URI uri = URI.create(publicUrl);
            if (uri.getHost() == null || !(publicUrl.startsWith("http://") || publicUrl.startsWith("https://"))) {
                return "--public-url must be an http or https URL with a host, got '" + publicUrl + "'";
            }
        } catch (IllegalArgumentException e) {
            return "--public-url is not a URL: " + e.getMessage();
        }
        if (flushIntervalMillis < 1 || flushAt < 1) {
            return "--click-flush-interval-ms and --click-flush-at must be at least 1";
        }
        if (eventLoops < 1 || eventLoops > 64) {
            return "--event-loops must be between 1 and 64, got " + eventLoops;
        }
        if (purgeEverySeconds < 1 || purgeAfterSeconds < 0) {
            return "--purge-every-seconds must be at least 1 and --purge-after-seconds not negative";
        }
        return null;
    }

    /** Exits (through the shutdown hook) once {@code pid} has ended, checking twice a second. */
    private static void exitWithParent(long pid) {
        Thread watch = new Thread(() -> {
            ProcessHandle parent = ProcessHandle.of(pid).orElse(null);
            while (parent != null && parent.isAlive()) {
                java.util.concurrent.locks.LockSupport.parkNanos(500_000_000L);
            }
            System.out.println("parent process " + pid + " has ended; stopping");
            System.exit(0);
        }, "parent-watch");
        watch.setDaemon(true);
        watch.start();
    }
}
