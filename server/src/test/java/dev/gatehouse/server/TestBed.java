package dev.gatehouse.server;

import dev.gatehouse.testkit.TestDatabase;
import dev.gatehouse.testkit.TestPostgres;
import io.vertx.core.Vertx;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** What a gateway test runs against: a Vert.x for its upstreams, a database of its own, and the upstreams it started. */
final class TestBed implements AutoCloseable {
    final Vertx vertx = Vertx.vertx();
    final TestDatabase database = TestPostgres.newDatabase();
    private final List<TestUpstream> upstreams = new CopyOnWriteArrayList<>();

    TestUpstream upstream(String name) {
        TestUpstream upstream = TestUpstream.start(vertx, name);
        upstreams.add(upstream);
        return upstream;
    }

    List<TestUpstream> upstreams() {
        return upstreams;
    }

    /** Stops the upstreams started so far (between tests that each start their own). */
    void closeUpstreams() {
        upstreams.forEach(TestUpstream::close);
        upstreams.clear();
    }

    @Override
    public void close() {
        closeUpstreams();
        vertx.close();
        database.close();
    }
}
