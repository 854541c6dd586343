package dev.gatehouse.server.jobs;

import dev.gatehouse.core.config.StorageConfig;
import dev.gatehouse.server.store.Database;
import dev.gatehouse.testkit.TestDatabase;
import dev.gatehouse.testkit.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.time.Duration;

/** The quota in PostgreSQL, for nodes without Redis. */
class PgQuotaStoreTest extends QuotaStoreContract {
    static TestDatabase database;
    static Database db;

    @BeforeAll
    static void open() {
        database = TestPostgres.newDatabase();
        db = Database.open(new StorageConfig(database.jdbcUrl(), null, null, 8, Duration.ofSeconds(5), null), null);
    }

    @AfterAll
    static void close() {
        db.close();
        database.close();
    }

    @Override
    QuotaStore store() {
        return new PgQuotaStore(db.dataSource());
    }
}
