package dev.gatehouse.testkit;

import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TestServersTest {

    @Test
    void eachTestDatabaseIsIsolatedAndDroppedOnClose() throws Exception {
        String name;
        try (TestDatabase first = TestPostgres.newDatabase(); TestDatabase second = TestPostgres.newDatabase()) {
            name = first.name();
            try (Connection c = first.connect(); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE probe (id int)");
                s.execute("INSERT INTO probe VALUES (42)");
            }
            try (Connection c = second.connect(); Statement s = c.createStatement()) {
                assertThatThrownBy(() -> s.executeQuery("SELECT * FROM probe"))
                        .hasMessageContaining("does not exist");
            }
        }
        try (Connection c = java.sql.DriverManager.getConnection(TestPostgres.adminUrl());
             Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT count(*) FROM pg_database WHERE datname = '" + name + "'")) {
            r.next();
            assertThat(r.getInt(1)).as("database dropped on close").isZero();
        }
    }

    @Test
    void redisNamespaceDeletesOnlyItsOwnKeys() throws Exception {
        RedisNamespace mine = TestRedis.newNamespace();
        try (RedisNamespace neighbour = TestRedis.newNamespace();
             RespClient redis = new RespClient(TestRedis.host(), TestRedis.port())) {
            assertThat(redis.command("PING")).isEqualTo("PONG");
            redis.command("SET", mine.key("a"), "1");
            redis.command("SET", mine.key("b"), "2");
            redis.command("SET", neighbour.key("a"), "3");

            mine.close();

            assertThat(redis.command("GET", mine.key("a"))).isNull();
            assertThat(redis.command("GET", mine.key("b"))).isNull();
            assertThat(redis.command("GET", neighbour.key("a"))).isEqualTo("3");
        }
    }
}
