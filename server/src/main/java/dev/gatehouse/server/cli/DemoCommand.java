package dev.gatehouse.server.cli;

import dev.gatehouse.core.time.Clock;
import dev.gatehouse.core.config.GatewayConfig;
import dev.gatehouse.core.config.InvalidConfigException;
import dev.gatehouse.server.GatewayNode;
import dev.gatehouse.server.config.ConfigLoader;
import dev.gatehouse.server.store.EmbeddedDatabase;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code gatehouse demo}: embedded PostgreSQL, three sample service processes and the URL shortener, and a
 * gateway in front of them, with a configuration file you can edit while it runs. The file is written when missing and kept
 * (edits and all) on later runs. Ctrl-C stops everything it started.
 *
 * <p>With {@code --nodes N} it runs N gateway nodes in this process, each with its own listeners, pools, caches and
 * workers, sharing the PostgreSQL and a Redis (the user's, or one it starts), behind a round-robin on the gateway port:
 * a cluster to try out, where limits are exact across nodes and a write through one node drops the cached copies of all.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run a self-contained demo: embedded PostgreSQL, three sample services, a URL shortener and the gateway in front of them.")
final class DemoCommand implements Callable<Integer> {

    static final String SAMPLE_MAIN = "dev.gatehouse.sample.SampleMain";
    /** The reference walkthrough's admin token: a key with this secret exists, and works, in the demo only. */
    static final String DEMO_ADMIN_TOKEN = "admin-token-dev";

    @Option(names = "--port", defaultValue = "8080", description = "Gateway port; with --nodes, the round-robin's in front of them (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--admin-port", defaultValue = "8081", description = "Admin port (default: ${DEFAULT-VALUE}).")
    int adminPort;

    @Option(names = "--lb-port", defaultValue = "3000",
            description = "Port of the reference walkthrough's load balancer: /lb/status and requests balanced over the instances (default: ${DEFAULT-VALUE}).")
    int lbPort;

    @Option(names = "--sample-ports", split = ",", defaultValue = "3001,3002,3003",
            description = "Ports of the sample service instances (default: ${DEFAULT-VALUE}).")
    List<Integer> samplePorts;

    @Option(names = "--shortener-port", defaultValue = "3010", description = "Port of the URL shortener behind the gateway (default: ${DEFAULT-VALUE}).")
    int shortenerPort;

    @Option(names = "--data-dir", defaultValue = "./data", description = "Where the demo keeps its database, logs and configuration (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--nodes", defaultValue = "1",
            description = "Gateway nodes to run, 1 to 9 (default: ${DEFAULT-VALUE}). With more than one they share the demo's PostgreSQL "
                    + "and a Redis, behind a round-robin on --port that sends each request to the next node.")
    int nodes;

    @Option(names = "--node-ports", split = ",",
            description = "With --nodes: the nodes' own gateway ports, one per node (default: 8180, 8181, ...).")
    List<Integer> nodePorts;

    @Option(names = "--node-admin-ports", split = ",",
            description = "With --nodes: the admin ports of the second node on; the first has --admin-port (default: 8082, 8083, ...).")
    List<Integer> nodeAdminPorts;

    @Option(names = "--redis",
            description = "The Redis the nodes share, as redis://host:port (default with --nodes: one the demo starts on a free port; "
                    + "the demo's keys start with gh-demo:).")
    String redisUrl;

    @Option(names = "--reset-config", description = "Write the demo's configuration file afresh, dropping any edits to it "
            + "(by default a file left by an earlier run is kept as it is).")
    boolean resetConfig;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        String problem = validate();
        if (problem != null) {
            spec.commandLine().getErr().println(problem);
            return 2;
        }
        Files.createDirectories(dataDir.resolve("logs"));
        System.out.println("Starting the Gatehouse demo" + (cluster() ? " with " + nodes + " nodes" : "")
                + " (data in " + dataDir.toAbsolutePath().normalize() + ")...");
        EmbeddedDatabase postgres;
        try {
            // a demo killed with -9 left its server running: this stops it; a demo still running is named
            postgres = EmbeddedDatabase.start(dataDir.resolve("postgres").toString());
        } catch (RuntimeException e) {
            System.err.println("the demo could not start: " + e.getMessage());
            return 1;
        }
        DemoRedis ownRedis = null;
        List<ServiceProcess> samples = new ArrayList<>();
        ServiceProcess shortener = ServiceProcess.shortener(shortenerPort, postgres.jdbcUrl(), "http://localhost:" + port, dataDir.resolve("logs"));
        List<GatewayNode> started = new ArrayList<>();
        CountDownLatch stopped = new CountDownLatch(1);
        try {
            String redis = redisUrl;
            if (redis == null && cluster()) {
                ownRedis = DemoRedis.start(dataDir.resolve("redis"));
                redis = ownRedis.url();
            }
            for (int i = 0; i < samplePorts.size(); i++) {
                samples.add(ServiceProcess.sample("api-" + (i + 1), samplePorts.get(i), postgres.jdbcUrl(), redis, dataDir.resolve("logs")));
            }
            for (ServiceProcess sample : samples) {
                sample.start();
            }
            shortener.start();
            for (ServiceProcess sample : samples) {
                awaitReady(sample);
            }
            awaitReady("the shortener", shortener.port(), shortener::alive, shortener.log());
            Path configFile = dataDir.resolve(cluster() ? "gatehouse-demo-cluster.yaml" : "gatehouse-demo.yaml");
            boolean kept = Files.exists(configFile) && !resetConfig;
            if (kept) {
                System.out.println("Using " + configFile + " as an earlier run left it, with any edits (--reset-config writes it afresh).");
            } else {
                Files.writeString(configFile, demoConfig());
            }
            GatewayConfig config = null;
            for (int i = 0; i < nodes; i++) {
                ConfigLoader loader = ConfigLoader.withEnvironment(nodeEnvironment(postgres.jdbcUrl(), redis, i));
                GatewayConfig nodeConfig = loader.load(configFile);
                config = config == null ? nodeConfig : config;
                started.add(GatewayNode.start(nodeConfig, new GatewayNode.Options(configFile, loader, Duration.ofSeconds(1), Clock.system())));
            }
            GatewayNode node = started.get(0);
            createDemoUsers(node);
            createDemoAdminKey(started);
            if (kept && !config.adminViews().enabled()) {
                System.out.println("The kept " + configFile.getFileName() + " has no adminViews: /api/v1/admin/* goes to the sample instances "
                        + "(--reset-config writes a file with them).");
            }
            DemoBalancer balancer = await(DemoBalancer.start(node.vertx(), node::pools, "api", config.gateway().host(), lbPort),
                    "start the demo's load balancer on port " + lbPort);
            DemoFront front = null;
            if (cluster()) {
                List<DemoFront.Node> behind = new ArrayList<>();
                for (int i = 0; i < started.size(); i++) {
                    behind.add(new DemoFront.Node("node-" + (i + 1), started.get(i).gatewayPort()));
                }
                front = await(DemoFront.start(node.vertx(), behind, config.gateway().host(), port), "start the round-robin in front of the nodes on port " + port);
            }
            Supervisor supervisor = new Supervisor(samples, shortener);
            supervisor.start();
            printBanner(configFile, kept, front != null ? front.port() : node.gatewayPort(), node.adminPort(), balancer.port());
            if (cluster()) {
                printClusterBanner(started, redis, ownRedis != null);
            }
            DemoFront runningFront = front;
            DemoRedis runningRedis = ownRedis;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                System.out.println("\nStopping the demo...");
                supervisor.interrupt();
                if (runningFront != null) {
                    await(runningFront.close(), "stop the round-robin in front of the nodes");
                }
                await(balancer.close(), "stop the demo's load balancer");
                // the nodes first: their requests finish against live instances, and no health check sees them go
                started.forEach(GatewayNode::close);
                samples.forEach(ServiceProcess::stop);
                shortener.stop();
                if (runningRedis != null) {
                    runningRedis.close();
                }
                postgres.close();
                stopped.countDown();
            }, "demo-shutdown"));
        } catch (RuntimeException | IOException | InvalidConfigException | java.sql.SQLException e) {
            System.err.println("the demo could not start: " + e.getMessage());
            samples.forEach(ServiceProcess::stop);
            shortener.stop();
            started.forEach(GatewayNode::close);
            if (ownRedis != null) {
                ownRedis.close();
            }
            postgres.close();
            return 1;
        }
        stopped.await();
        return 0;
    }

    /** The reference walkthrough's accounts; they exist only in the demo. */
    private static void createDemoUsers(GatewayNode node) throws java.sql.SQLException {
        var users = node.identities().users();
        if (!users.exists("admin@example.com")) {
            users.createDemoUser("admin@example.com", "admin123", "admin", "enterprise");
        }
        if (!users.exists("user@example.com")) {
            users.createDemoUser("user@example.com", "user123", "user", "free");
        }
    }

    /**
     * The reference walkthrough's {@code Authorization: Bearer admin-token-dev}: an admin-scoped key with exactly that
     * secret, which only a node the demo started accepts (see {@code Identities.acceptDemoKey}).
     */
    private static void createDemoAdminKey(List<GatewayNode> nodes) throws java.sql.SQLException {
        nodes.get(0).identities().keys().createDemoKey(DEMO_ADMIN_TOKEN, "demo admin token (reference walkthrough)", "enterprise", List.of("admin"));
        for (GatewayNode node : nodes) {
            node.identities().acceptDemoKey(DEMO_ADMIN_TOKEN);
        }
    }

    private boolean cluster() {
        return nodes > 1;
    }

    /** Waits for a Vert.x future from the demo's main thread or its shutdown hook. */
    private static <T> T await(io.vertx.core.Future<T> future, String what) {
        try {
            return future.toCompletionStage().toCompletableFuture().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while trying to " + what, e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("could not " + what + ": " + e.getCause().getMessage(), e.getCause());
        }
    }

    private String validate() {
        if (nodes < 1 || nodes > 9) {
            return "--nodes must be between 1 and 9, got " + nodes;
        }
        if (!cluster() && (nodePorts != null || nodeAdminPorts != null)) {
            return (nodePorts != null ? "--node-ports" : "--node-admin-ports") + " is for --nodes 2 or more";
        }
        if (cluster()) {
            if (nodePorts == null) {
                nodePorts = consecutive(8180, nodes);
            }
            if (nodeAdminPorts == null) {
                nodeAdminPorts = consecutive(8082, nodes - 1);
            }
            if (nodePorts.size() != nodes) {
                return "--node-ports needs one port per node (" + nodes + "), got " + nodePorts;
            }
            if (nodeAdminPorts.size() != nodes - 1) {
                return "--node-admin-ports needs a port for each node after the first (" + (nodes - 1) + "), got " + nodeAdminPorts;
            }
        }
        if (redisUrl != null && !redisUrl.matches("rediss?://[^\\s/]+(/\\d*)?")) {
            return "--redis must be a URL like redis://host:6379, got '" + redisUrl + "'";
        }
        List<Integer> all = new ArrayList<>(samplePorts);
        all.add(port);
        all.add(adminPort);
        all.add(lbPort);
        all.add(shortenerPort);
        if (cluster()) {
            all.addAll(nodePorts);
            all.addAll(nodeAdminPorts);
        }
        for (int p : all) {
            if (p < 1 || p > 65535) {
                return "ports must be between 1 and 65535, got " + p;
            }
        }
        if (all.stream().distinct().count() != all.size()) {
            return "the gateway, admin, load balancer, sample, shortener and node ports must all differ, got " + all;
        }
        if (samplePorts.isEmpty()) {
            return "--sample-ports needs at least one port";
        }
        return null;
    }

    private static List<Integer> consecutive(int first, int count) {
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ports.add(first + i);
        }
        return ports;
    }

    /**
     * The environment node {@code index}'s configuration is read with: this process's, plus the URLs of the demo's own
     * database and Redis (on new ports at every start, so not in the file), the spool under the demo's data, and the
     * ports: a single node's from the command line when given there, each of several nodes' always (they share the file).
     */
    private Map<String, String> nodeEnvironment(String jdbcUrl, String redis, int index) {
        Map<String, String> environment = new HashMap<>(System.getenv());
        environment.put("GATEHOUSE_STORAGE_POSTGRES_URL", jdbcUrl);
        environment.putIfAbsent("GATEHOUSE_LOGS_SPOOL_DIR", dataDir.resolve("log-spool").toAbsolutePath().normalize().toString());
        if (redis != null) {
            environment.put("GATEHOUSE_REDIS_URL", redis);
            environment.putIfAbsent("GATEHOUSE_REDIS_KEY_PREFIX", "gh-demo:");
        }
        if (cluster()) {
            environment.put("GATEHOUSE_GATEWAY_PORT", Integer.toString(nodePorts.get(index)));
            environment.put("GATEHOUSE_ADMIN_PORT", Integer.toString(index == 0 ? adminPort : nodeAdminPorts.get(index - 1)));
            return environment;
        }
        if (spec.commandLine().getParseResult().hasMatchedOption("--port")) {
            environment.put("GATEHOUSE_GATEWAY_PORT", Integer.toString(port));
        }
        if (spec.commandLine().getParseResult().hasMatchedOption("--admin-port")) {
            environment.put("GATEHOUSE_ADMIN_PORT", Integer.toString(adminPort));
        }
        return environment;
    }

    private String demoConfig() {
        StringBuilder targets = new StringBuilder();
        for (int p : samplePorts) {
            targets.append("      - url: http://127.0.0.1:").append(p).append('\n');
        }
        return """
                # Written by `gatehouse demo`. Edit it while the demo runs: valid changes apply within a second,
                # invalid ones are refused (see the log) and the running configuration stays. Later runs keep
                # this file as it is; `gatehouse demo --reset-config` writes it afresh.
                %6$sgateway:
                  port: %d
                  requestTimeout: 5s
                admin:
                  port: %d
                storage:
                  postgres:                    # the demo's own PostgreSQL: the demo gives its URL at every start
                    poolSize: 5
                %7$sauth:
                  endpoints: true              # POST /api/v1/auth/login, POST /api/v1/auth/logout, GET /api/v1/me
                  passwordIterations: 100000
                adminViews:
                  enabled: true                # GET /api/v1/admin/dashboard, /circuit-breakers, /cache; POST /api/v1/admin/cache/clear (admins only)
                  metrics: true                # GET /metrics on the gateway too, as the reference walkthrough has it
                upstreams:
                  api:
                    balancer: least-connections
                    connectTimeout: 500ms
                    targets:
                %s    healthCheck:
                      path: /health/ready
                      interval: 1s
                      timeout: 500ms
                      unhealthyThreshold: 2
                      healthyThreshold: 2
                    passive:
                      consecutiveFailures: 3
                      ejectFor: 10s
                    breaker:
                      failureRateThreshold: 50
                      minimumCalls: 10
                      window: 20
                      openWait: 15s
                  shortener:                   # the URL shortener (short links; see docs/shortener.md)
                    connectTimeout: 500ms
                    targets:
                      - url: http://127.0.0.1:%4$d
                    healthCheck:
                      path: /health/ready
                      interval: 1s
                      timeout: 500ms
                  thirdparty:                  # a mock third party (in the first sample instance) with hard quotas: 429 past them
                    targets:
                      - url: http://127.0.0.1:%5$d
                    quota: { limits: [60/min, 5000/hour], target: 90%% }   # the workers of every node: 54 calls a minute, paced
                routes:
                  - name: links-create         # creating a short link needs a login or key and costs 10 of the caller's tier;
                    match: { prefix: /api/v1/links, methods: [POST] }   # at most 400 an hour (the seed's 100 per 15 minutes)
                    upstream: shortener
                    auth: { mode: required }
                    rateLimit: { tiers: true, cost: 10, limits: [4000/hour] }
                  - name: links                # one's own links: details, stats, edits, deletes (admins: anyone's)
                    match: { prefix: /api/v1/links }
                    upstream: shortener
                    auth: { mode: required }
                    rateLimit: { tiers: true }
                  - name: short-links          # GET /<code>: anonymous redirects, answered from the shortener's memory
                    match: { template: "/{code}", methods: [GET, HEAD] }
                    upstream: shortener
                    log: { sample: 0.1 }
                  - name: resources-read       # reads are cached here (X-Cache, Age); a write through any route drops the path
                    match: { prefix: /api/v1/resources, methods: [GET, HEAD] }
                    upstream: api
                    auth: { mode: optional }
                    rateLimit: { tiers: true }
                    cache: { ttl: 10s, public: true, staleIfError: 1m }   # a stale copy answers while every instance fails
                  - name: resources-write      # creating, changing and deleting resources needs a login or an API key
                    match: { prefix: /api/v1/resources, methods: [POST, PUT, PATCH, DELETE] }
                    upstream: api
                    auth: { mode: required }
                    rateLimit: { tiers: true }
                  - name: external
                    match: { prefix: /api/v1/external }
                    upstream: api
                    retries: 0
                  - name: api
                    match: { prefix: /api/v1 }
                    upstream: api
                    auth: { mode: optional }
                    rateLimit: { tiers: true }   # anonymous 100/min, free 1000, pro 10000, enterprise 100000
                  - name: generate             # async: 202 + a job id at once; workers call the third party at its pace
                    match: { prefix: /api/v1/generate, methods: [POST] }
                    upstream: thirdparty
                    rewrite: /third-party/generate
                    auth: { mode: required }
                    async: { queue: generate, contentTypes: [application/json] }
                jobs:                          # poll a job at GET /api/v1/jobs/<id>; gatehouse jobs list|replay
                  queues:
                    generate: { workers: 2, backoff: [10s, 30s] }
                """.formatted(port, adminPort, targets, shortenerPort, samplePorts.get(0),
                cluster() ? """
                        # Every node of `gatehouse demo --nodes %d` reads it; their ports come from the command line.
                        """.formatted(nodes) : "",
                cluster() ? """
                        redis:                         # shared by the nodes (the demo gives its URL at every start): limits exact
                          keyPrefix: "gh-demo:"        # across nodes, the cache's shared level, and invalidations on every node
                        """ : "");
    }

    private void printBanner(Path configFile, boolean kept, int gatewayPort, int adminListenerPort, int balancerPort) {
        String gw = "http://localhost:" + gatewayPort;
        String admin = "http://localhost:" + adminListenerPort;
        String lb = "http://localhost:" + balancerPort;
        System.out.println("""

                Gatehouse demo is running.
                  dashboard       %2$s/   (sign in as admin@example.com / admin123, or with the key admin-token-dev)
                  gateway         %1$s   (routes /api/v1/** to %3$d sample instances, /api/v1/links and /<code> to the shortener)
                  admin API       %2$s   (/openapi.json describes it: /metrics, /upstreams, /stats, /keys, /logs, ...)
                  load balancer   %7$s   (/lb/status; other requests straight to the instances)
                  configuration   %4$s   (%6$s)
                  sample logs     %5$s

                Try:
                  curl %1$s/api/v1/status                 # which instance answered
                  curl -i %1$s/api/v1/resources/1         # a resource from PostgreSQL; again: X-Cache: HIT-L1
                  curl -X POST %1$s/api/v1/auth/login -H 'Content-Type: application/json' \\
                    -d '{"email": "admin@example.com", "password": "admin123"}'      # -> {"token": "gh_sess_..."}
                  curl -X POST %1$s/api/v1/resources -H 'Authorization: Bearer <token>' \\
                    -H 'Content-Type: application/json' -d '{"name": "New Resource", "type": "document"}'
                  curl %1$s/api/v1/me -H 'Authorization: Bearer <token>'
                  curl %1$s/api/v1/external               # a flaky dependency: watch the breaker in /upstreams
                  curl %2$s/upstreams                     # health, breakers, in-flight per target
                  curl -s %2$s/metrics | grep gatehouse_requests
                  curl %7$s/lb/status                     # the instances, their health and breakers
                  curl %1$s/api/v1/admin/dashboard -H 'Authorization: Bearer admin-token-dev'
                  curl -X POST %1$s/api/v1/links -H 'Authorization: Bearer <token>' \\
                    -H 'Content-Type: application/json' -d '{"url": "https://example.com/docs", "alias": "docs"}'
                  curl -i %1$s/docs                       # 302 to the URL: anonymous, answered from memory, counted
                  curl %1$s/api/v1/links/docs/stats -H 'Authorization: Bearer <token>'   # clicks by day, referrer, agent

                Async jobs, through a mock third party that allows 60 calls a minute (the gateway paces 54):
                  curl -X POST %1$s/api/v1/generate -H 'Authorization: Bearer admin-token-dev' \\
                    -H 'Content-Type: application/json' -d '{"prompt": "hello"}'   # -> 202 {"jobId", "statusUrl", ...}
                  curl %1$s/api/v1/jobs/<jobId> -H 'Authorization: Bearer admin-token-dev'
                  for i in $(seq 200); do curl -s -o /dev/null -X POST %1$s/api/v1/generate \\
                    -H 'Authorization: Bearer admin-token-dev' -H 'Content-Type: application/json' -d "{\\"n\\": $i}"; done
                  curl %2$s/jobs/queues -H 'Authorization: Bearer admin-token-dev'   # the burst draining, paced
                  curl http://localhost:%8$d/third-party/stats                       # calls, and 429s: none

                Demo accounts: admin@example.com / admin123 (admin), user@example.com / user123 (user);
                the admin key admin-token-dev works in the demo only.
                Anonymous callers get 100 requests a minute (X-RateLimit-* headers show what is left).
                Kill an instance (kill -9) and keep curling: requests go to the others; the demo restarts it
                and health checks bring it back. Ctrl-C stops everything.
                """.formatted(gw, admin, samplePorts.size(), configFile.toAbsolutePath().normalize(),
                dataDir.resolve("logs").toAbsolutePath().normalize(),
                kept ? "kept from an earlier run, with your edits; edit it: changes apply live" : "edit it: changes apply live", lb,
                samplePorts.get(0)));
    }

    private void printClusterBanner(List<GatewayNode> started, String redis, boolean ownRedis) {
        StringBuilder list = new StringBuilder();
        for (int i = 0; i < started.size(); i++) {
            GatewayNode n = started.get(i);
            list.append("  node-%d          http://localhost:%d   (admin http://localhost:%d; id %s)%n"
                    .formatted(i + 1, n.gatewayPort(), n.adminPort(), n.nodeId()));
        }
        int first = started.get(0).gatewayPort();
        int second = started.get(1).gatewayPort();
        int last = started.get(started.size() - 1).gatewayPort();
        System.out.println("""
                %1$d gateway nodes, one process, sharing PostgreSQL and Redis (%2$s):
                %3$s  round-robin     http://localhost:%4$d   (each request to the next node; X-Gatehouse-Node says which)

                Across the nodes:
                  for i in $(seq 110); do curl -s -o /dev/null -w '%%{http_code}\\n' http://localhost:%4$d/api/v1/status; done | sort | uniq -c
                      # about 100 × 200, then 429: the anonymous 100 a minute (one more every 0.6 s), counted once for all nodes
                  curl -si http://localhost:%5$d/api/v1/resources/2 | grep -i x-cache    # MISS (node-1 asks an instance)
                  curl -si http://localhost:%6$d/api/v1/resources/2 | grep -i x-cache    # HIT-L2: node-2 finds node-1's copy in Redis
                  curl -X PUT http://localhost:%7$d/api/v1/resources/2 -H 'Authorization: Bearer admin-token-dev' \\
                    -H 'Content-Type: application/json' -d '{"name": "Renamed", "type": "document"}'
                  curl -s http://localhost:%5$d/api/v1/resources/2                        # "Renamed": the write dropped every node's copy
                  curl http://localhost:%8$d/nodes -H 'Authorization: Bearer admin-token-dev'   # the cluster as PostgreSQL sees it
                """.formatted(started.size(), ownRedis ? "the demo's own, " + redis : redis, list, port, first, second, last, adminPort));
    }

    private static void awaitReady(ServiceProcess sample) throws IOException {
        awaitReady("sample " + sample.name(), sample.port(), sample::alive, sample.log());
    }

    private static void awaitReady(String name, int port, java.util.function.BooleanSupplier alive, Path log) throws IOException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
        Instant deadline = Clock.system().instant().plusSeconds(60);
        while (Clock.system().instant().isBefore(deadline)) {
            if (!alive.getAsBoolean()) {
                throw new IOException(name + " exited during start-up; see " + log);
            }
            try {
                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready"))
                        .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for " + name);
            }
            LockSupportPause.pause(Duration.ofMillis(200));
        }
        throw new IOException(name + " did not become ready within 60 s; see " + log);
    }

    /** Restarts sample instances (and the shortener) that die (e.g. after kill -9), so health checks can show them coming back. */
    private static final class Supervisor extends Thread {
        private final List<ServiceProcess> samples;
        private final ServiceProcess shortener;

        Supervisor(List<ServiceProcess> samples, ServiceProcess shortener) {
            super("demo-supervisor");
            setDaemon(true);
            this.samples = samples;
            this.shortener = shortener;
        }

        @Override
        public void run() {
            while (!isInterrupted()) {
                for (ServiceProcess sample : samples) {
                    if (!sample.alive()) {
                        System.out.printf("sample %s (port %d) exited with code %d; restarting it in 5 s%n",
                                sample.name(), sample.port(), sample.exitCode());
                        if (!LockSupportPause.pause(Duration.ofSeconds(5))) {
                            return;
                        }
                        try {
                            sample.start();
                            System.out.printf("sample %s restarted%n", sample.name());
                        } catch (IOException e) {
                            System.out.printf("sample %s could not be restarted: %s%n", sample.name(), e.getMessage());
                        }
                    }
                }
                if (!shortener.alive()) {
                    System.out.printf("the shortener (port %d) exited with code %d; restarting it%n", shortener.port(), shortener.exitCode());
                    try {
                        shortener.start();
                    } catch (IOException e) {
                        System.out.printf("the shortener could not be restarted: %s%n", e.getMessage());
                    }
                }
                if (!LockSupportPause.pause(Duration.ofSeconds(1))) {
                    return;
                }
            }
        }
    }
}
