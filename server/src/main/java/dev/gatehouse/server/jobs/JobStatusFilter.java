package dev.gatehouse.server.jobs;

import dev.gatehouse.server.auth.Identity;
import dev.gatehouse.server.pipeline.Body;
import dev.gatehouse.server.pipeline.Chain;
import dev.gatehouse.server.pipeline.Exchange;
import dev.gatehouse.server.pipeline.Filter;
import dev.gatehouse.server.pipeline.Problem;
import dev.gatehouse.server.pipeline.Response;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.UUID;

/**
 * Answers {@code GET <jobs.statusPath>/<id>}: the job, to its submitter (the same key, user or token subject) or an
 * admin; to anyone else the same 404 as for a job that does not exist, so ids cannot be probed. A job this node
 * accepted while PostgreSQL was away reads {@code accepted} here until it is stored.
 */
public final class JobStatusFilter implements Filter {
    private final Jobs jobs;

    public JobStatusFilter(Jobs jobs) {
        this.jobs = jobs;
    }

    @Override
    public Future<Response> filter(Exchange exchange, Chain chain) {
        UUID id = parse(exchange.variables().get("id"));
        if (id == null || exchange.caller() == null) {
            return notFound(exchange);
        }
        String subject = exchange.caller().subject();
        Identity identity = exchange.get(Identity.KEY);
        boolean admin = identity != null && ("admin".equals(identity.role()) || identity.scopes().contains("admin"));
        return jobs.vertx().executeBlocking(() -> read(id), false).transform(done -> {
            if (done.failed()) {
                JobQueue.NewJob held = jobs.held(id);
                if (held != null && (admin || held.owner().equals(subject))) {
                    return json(exchange, JobJson.held(held, null));
                }
                return Problem.of(503, "storage", "Storage error", "jobs cannot be read right now (PostgreSQL failed); retry shortly")
                        .retryAfter(1).answer(exchange);
            }
            Read read = done.result();
            if (read == null) {
                JobQueue.NewJob held = jobs.held(id);
                if (held != null && (admin || held.owner().equals(subject))) {
                    return json(exchange, JobJson.held(held, jobs.estimates().estimatedStart(held.queue(), jobs.estimates().waiting(held.queue()))));
                }
                return notFound(exchange);
            }
            if (!admin && !read.job().owner().equals(subject)) {
                return notFound(exchange);
            }
            return json(exchange, JobJson.of(read.job(), read.estimatedStart(), false));
        });
    }

    private record Read(JobRecords.Job job, Instant estimatedStart) {
    }

    private Read read(UUID id) throws Exception {
        JobRecords.Job job = jobs.records().find(id).orElse(null);
        if (job == null) {
            return null;
        }
        Instant start = null;
        if (job.state() == JobRecords.State.QUEUED) {
            start = jobs.estimates().estimatedStart(job.queue(), jobs.records().position(job));
            if (start != null && start.isBefore(job.runAt())) {
                start = job.runAt();
            }
        }
        return new Read(job, start);
    }

    private static Future<Response> json(Exchange exchange, JsonObject body) {
        Response response = Response.of(exchange, 200, Body.of(Buffer.buffer(body.encode())));
        response.headers().set(HttpHeaders.CONTENT_TYPE, "application/json");
        response.headers().set(HttpHeaders.CACHE_CONTROL, "no-store");
        return Future.succeededFuture(response);
    }

    private static Future<Response> notFound(Exchange exchange) {
        return Problem.of(404, "not-found", "Not found", "no job with this id is yours to read").answer(exchange);
    }

    private static UUID parse(String id) {
        if (id == null || id.length() != 36) {
            return null;
        }
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
