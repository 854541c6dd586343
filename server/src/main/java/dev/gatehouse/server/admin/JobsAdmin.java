package dev.gatehouse.server.admin;

import dev.gatehouse.core.jobs.QuotaPlan;
import dev.gatehouse.server.jobs.JobJson;
import dev.gatehouse.server.jobs.JobRecords;
import dev.gatehouse.server.jobs.Jobs;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.gatehouse.server.admin.AdminCalls.json;
import static dev.gatehouse.server.admin.AdminCalls.notFound;
import static dev.gatehouse.server.admin.AdminCalls.problem;

/**
 * Admin endpoints for async jobs (an admin credential needed): {@code GET /jobs/queues} (each queue's depth by state,
 * oldest wait, pace, quota use per window, pause, this node's workers), {@code GET /jobs} (a page of jobs by queue and
 * state: the dead letters with {@code ?state=dead}), {@code GET /jobs/{id}} (one job whole), {@code POST
 * /jobs/{id}/replay}, {@code POST /jobs/replay} (every dead job, or those of a queue, or the failed ones) and
 * {@code DELETE /jobs/{id}}.
 */
final class JobsAdmin {
    private final Jobs jobs;
    private final AdminGuard guard;
    private final AdminCalls calls;

    JobsAdmin(Jobs jobs, AdminGuard guard, AdminCalls calls) {
        this.jobs = jobs;
        this.guard = guard;
        this.calls = calls;
    }

    void mount(Router router) {
        router.route("/jobs*").handler(guard);
        router.post("/jobs*").handler(BodyHandler.create().setBodyLimit(64 * 1024));
        router.get("/jobs/queues").handler(this::queues);
        router.get("/jobs").handler(this::list);
        router.post("/jobs/replay").handler(this::replayMany);
        router.get("/jobs/:id").handler(this::show);
        router.post("/jobs/:id/replay").handler(this::replayOne);
        router.delete("/jobs/:id").handler(this::delete);
    }

    private void queues(RoutingContext ctx) {
        try {
            AdminCalls.onlyParams(ctx, List.of());
        } catch (IllegalArgumentException e) {
            problem(ctx, 400, "invalid-query", "Invalid query", e.getMessage());
            return;
        }
        Map<String, String> queues = jobs.queues();
        calls.blocking(ctx, () -> jobs.records().depths(new ArrayList<>(queues.keySet()))).onSuccess(depths -> {
            JsonArray out = new JsonArray();
            for (JobRecords.Depth d : depths) {
                String upstream = queues.get(d.queue());
                JsonObject depth = new JsonObject();
                for (JobRecords.State state : JobRecords.State.values()) {
                    depth.put(state.label(), d.of(state));
                }
                JsonObject queue = new JsonObject()
                        .put("queue", d.queue())
                        .put("upstream", upstream)
                        .put("depth", depth)
                        .put("oldestWaitingSeconds", d.oldestWaiting().toMillis() / 1000.0)
                        .put("pausedSeconds", jobs.pausedMillis(upstream) / 1000.0)
                        .put("workersOnThisNode", jobs.workers(d.queue()));
                QuotaPlan plan = jobs.plan(upstream);
                if (plan != null) {
                    List<Long> used = jobs.used(upstream);
                    JsonArray windows = new JsonArray();
                    for (int i = 0; i < plan.windows().size(); i++) {
                        QuotaPlan.Window w = plan.windows().get(i);
                        windows.add(new JsonObject().put("window", w.text()).put("limit", w.limit().limit()).put("budget", w.budget())
                                .put("used", used == null || used.size() <= i ? null : used.get(i)));
                    }
                    queue.put("quota", new JsonObject().put("perSecond", plan.perSecond()).put("paceMs", plan.paceMicros() / 1000.0)
                            .put("tightest", plan.tightest().text()).put("windows", windows));
                }
                out.add(queue);
            }
            json(ctx, 200, out.encodePrettily());
        });
    }

    private void list(RoutingContext ctx) {
        Map<String, List<String>> filters = Map.of("queue", new ArrayList<>(jobs.queues().keySet()), "state", JobRecords.State.labels());
        calls.page(ctx, filters,
                (filter, after, limit) -> jobs.records().list(filter.get("queue"),
                        filter.get("state") == null ? null : JobRecords.State.of(filter.get("state")), after, limit),
                JobRecords.Job::seq, job -> JobJson.of(job, null, true));
    }

    private void show(RoutingContext ctx) {
        UUID id = id(ctx);
        if (id == null) {
            return;
        }
        calls.blocking(ctx, () -> jobs.records().find(id)).onSuccess(job -> {
            if (job.isEmpty()) {
                notFound(ctx, "no job " + id);
            } else {
                json(ctx, 200, JobJson.of(job.get(), null, true).encodePrettily());
            }
        });
    }

    private void replayOne(RoutingContext ctx) {
        UUID id = id(ctx);
        if (id == null) {
            return;
        }
        calls.blocking(ctx, () -> {
            JobRecords.Job job = jobs.records().find(id).orElse(null);
            if (job == null) {
                return null;
            }
            if (job.state() != JobRecords.State.DEAD && job.state() != JobRecords.State.FAILED) {
                throw new dev.gatehouse.server.auth.Conflict("job " + id + " is " + job.state().label() + "; only dead or failed jobs are replayed");
            }
            return jobs.records().replay(job.id(), null, null);
        }).onSuccess(replayed -> {
            if (replayed == null) {
                notFound(ctx, "no job " + id);
            } else {
                json(ctx, 200, new JsonObject().put("replayed", replayed).encodePrettily());
            }
        });
    }

    /** {@code {"queue": "gemini", "state": "dead"}}: both optional; every dead job of every queue when the body is {@code {}}. */
    private void replayMany(RoutingContext ctx) {
        AdminCalls.withBody(ctx, body -> {
            body.only("queue", "state");
            String queue = body.optional("queue", null);
            String state = body.optional("state", "dead");
            if (queue != null && !jobs.queues().containsKey(queue)) {
                throw new IllegalArgumentException("'queue' must be one of " + String.join(", ", jobs.queues().keySet()) + ", got '" + queue + "'");
            }
            if (!state.equals("dead") && !state.equals("failed")) {
                throw new IllegalArgumentException("'state' must be dead or failed, got '" + state + "'");
            }
            calls.blocking(ctx, () -> jobs.records().replay(null, queue, JobRecords.State.of(state)))
                    .onSuccess(n -> json(ctx, 200, new JsonObject().put("replayed", n).encodePrettily()));
        });
    }

    private void delete(RoutingContext ctx) {
        UUID id = id(ctx);
        if (id == null) {
            return;
        }
        calls.blocking(ctx, () -> jobs.records().delete(id)).onSuccess(deleted -> {
            if (deleted) {
                ctx.response().setStatusCode(204).end();
            } else {
                notFound(ctx, "no job " + id);
            }
        });
    }

    /** The {@code :id} parameter as a job id; null after answering 404 when it is not one. */
    private static UUID id(RoutingContext ctx) {
        String text = ctx.pathParam("id");
        try {
            if (text != null && text.length() == 36) {
                return UUID.fromString(text);
            }
        } catch (IllegalArgumentException ignored) {
            // answered below
        }
        notFound(ctx, "no job " + text + " (job ids are UUIDs)");
        return null;
    }
}
