package dev.gatehouse.bench;

import dev.gatehouse.core.config.LogsConfig;
import dev.gatehouse.core.config.StorageConfig;
import dev.gatehouse.core.time.Clock;
import dev.gatehouse.server.logs.PartitionMaintenance;
import dev.gatehouse.server.logs.RequestLogRow;
import dev.gatehouse.server.logs.RequestLogWriter;
import dev.gatehouse.server.store.Database;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Request-log ingest into partitioned PostgreSQL: offers rows shaped like a mixed workload's to a
 * {@link RequestLogWriter} (binary COPY, rollups and cursor per batch, as a node writes them) as fast as it takes
 * them, and prints rows per second from the first offer to the last row written. Runs in a database of its own,
 * made afresh and dropped at the end.
 *
 * <pre>
 * java -cp bench/target/gatehouse-jmh.jar dev.gatehouse.bench.LogIngest [rows [batchRows [admin JDBC URL]]]
 * </pre>
 */
public final class LogIngest {
    private static final String DATABASE = "gatehouse_bench_ingest";
    /** Rows made before the clock starts (the load is the writer's, not the making of rows), offered round and round. */
    private static final int POOL = 100_000;
    private static final String[] ROUTES = {"orders", "search", "users", "resources", "auth", "status", "payments", "catalog"};
    private static final String[] TIERS = {"free", "pro", "enterprise"};
    private static final String[] CACHE = {"HIT-L1", "HIT-L2", "MISS", "MISS"};

    private LogIngest() {
    }

    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int batchRows = args.length > 1 ? Integer.parseInt(args[1]) : LogsConfig.DEFAULT_BATCH_ROWS;
        String admin = args.length > 2 ? args[2] : "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";
        String url = admin.replaceFirst("/[^/?]+(\\?|$)", "/" + DATABASE + "$1");
        try (Connection c = DriverManager.getConnection(admin); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + DATABASE + " WITH (FORCE)");
            s.execute("CREATE DATABASE " + DATABASE);
        }
        Path spool = Files.createTempDirectory("gatehouse-ingest-spool");
        Vertx vertx = Vertx.vertx();
        LogsConfig config = new LogsConfig(true, LogsConfig.DEFAULT_RETENTION, LogsConfig.DEFAULT_ROLLUP_RETENTION,
                LogsConfig.DEFAULT_PARTITIONS_AHEAD, LogsConfig.DEFAULT_QUEUE, batchRows,
                LogsConfig.DEFAULT_BATCH_INTERVAL, spool.toString(), LogsConfig.DEFAULT_SPOOL_MAX_BYTES);
        try (Database db = Database.open(new StorageConfig(url, null, null, 2, Duration.ofSeconds(5), null), null)) {
            new PartitionMaintenance(vertx, db.dataSource(), config, Clock.system()).run();
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            RequestLogWriter writer = new RequestLogWriter(config, "bench-node", spool, db::openDedicatedConnection, registry, Clock.system());
            writer.start();
            try {
                RequestLogRow[] pool = new RequestLogRow[POOL];
                Random random = new Random(42);
                for (int i = 0; i < POOL; i++) {
                    pool[i] = row(random);
                }
                int warm = rows / 5;
                offer(writer, registry, pool, 0, warm); // warm-up: the JIT, PostgreSQL's caches
                while (registry.get("gatehouse.logs.written").counter().count() < warm) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                }
                Timer batches = registry.get("gatehouse.logs.batch").timer();
                long batchesBefore = batches.count();
                double batchSecondsBefore = batches.totalTime(TimeUnit.SECONDS);
                long start = System.nanoTime();
                offer(writer, registry, pool, warm, rows);
                while (registry.get("gatehouse.logs.written").counter().count() < warm + rows) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                long n = batches.count() - batchesBefore;
                System.out.printf("%,d rows in %.2f s: %,.0f rows/s (%d batches of up to %d rows, %.1f ms each on average; "
                                + "spooled batches %.0f, dropped rows %.0f)%n", rows, seconds, rows / seconds, n, config.batchRows(),
                        (batches.totalTime(TimeUnit.SECONDS) - batchSecondsBefore) * 1000 / n,
                        registry.get("gatehouse.logs.batches").tag("result", "spooled").counter().count(),
                        registry.get("gatehouse.logs.dropped").counters().stream().mapToDouble(c -> c.count()).sum());
                try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement();
                     ResultSet r = s.executeQuery("SELECT (SELECT count(*) FROM request_logs), (SELECT count(*) FROM request_rollups), "
                             + "pg_size_pretty(pg_database_size(current_database()))")) {
                    r.next();
                    System.out.printf("request_logs: %,d rows; request_rollups: %,d rows; database: %s%n", r.getLong(1), r.getLong(2),
                            r.getString(3));
                }
            } finally {
                writer.close();
            }
        } finally {
            vertx.close();
            try (Connection c = DriverManager.getConnection(admin); Statement s = c.createStatement()) {
                s.execute("DROP DATABASE IF EXISTS " + DATABASE + " WITH (FORCE)");
            }
        }
    }

    /**
     * Offers {@code rows} rows of the pool, each under a request id of its own, waiting (not dropping) whenever the
     * writer's queue is full.
     */
    private static void offer(RequestLogWriter writer, SimpleMeterRegistry registry, RequestLogRow[] pool, int from, int rows) {
        for (int i = from; i < from + rows; i++) {
            RequestLogRow p = pool[i % pool.length];
            RequestLogRow row = new RequestLogRow(p.timeMicros(), p.requestId().substring(0, 16) + Integer.toHexString(i), p.route(),
                    p.method(), p.path(), p.status(), p.durationMicros(), p.upstreamMicros(), p.bytesIn(), p.bytesOut(), p.client(),
                    p.subject(), p.keyId(), p.userId(), p.tier(), p.cache(), p.rateLimit(), p.target(), p.problem(), p.traceId());
            while (registry.get("gatehouse.logs.queue").gauge().value() >= LogsConfig.DEFAULT_QUEUE - 1) {
                LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(200));
            }
            writer.offer(row);
        }
    }

    /** A request of a mixed workload: eight routes, three tiers, a thousand keys, some errors, 429s and cache hits. */
    private static RequestLogRow row(Random random) {
        String route = ROUTES[random.nextInt(ROUTES.length)];
        int roll = random.nextInt(100);
        int status = roll < 1 ? 503 : roll < 4 ? 429 : roll < 9 ? 404 : 200;
        long duration = 50 + (long) Math.exp(random.nextGaussian() * 1.2 + 7.5);
        boolean keyed = random.nextInt(10) < 7;
        long key = 1 + random.nextInt(1000);
        return new RequestLogRow(Clock.system().epochMicros(), hex(random) + hex(random), route, random.nextInt(5) == 0 ? "POST" : "GET",
                "/api/v1/" + route + "/" + random.nextInt(100_000), status, duration, status == 429 ? -1 : duration * 4 / 5,
                random.nextInt(2000), 200 + random.nextInt(20_000), "10.0." + random.nextInt(256) + "." + random.nextInt(256),
                keyed ? "key:" + key : null, keyed ? key : null, null, keyed ? TIERS[(int) (key % 3)] : "anonymous",
                route.equals("catalog") || route.equals("search") ? CACHE[random.nextInt(CACHE.length)] : null,
                status == 429 ? "limited" : "allowed", "http://10.0.1." + (1 + random.nextInt(3)) + ":3001",
                status == 429 ? "rate-limited" : status == 503 ? "no-healthy-target" : null,
                random.nextBoolean() ? hex(random) + hex(random) : null);
    }

    private static String hex(Random random) {
        String hex = Long.toHexString(random.nextLong());
        return "0".repeat(16 - hex.length()) + hex;
    }
}
