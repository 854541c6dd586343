package dev.gatehouse.server.jobs;

import dev.gatehouse.core.config.AsyncConfig;
import dev.gatehouse.core.config.RouteConfig;
import dev.gatehouse.core.http.HopByHopHeaders;
import dev.gatehouse.server.jobs.JobQueue.NewJob;
import dev.gatehouse.server.jobs.JobQueue.Stored;
import dev.gatehouse.server.pipeline.Body;
import dev.gatehouse.server.pipeline.Chain;
import dev.gatehouse.server.pipeline.Exchange;
import dev.gatehouse.server.pipeline.Filter;
import dev.gatehouse.server.pipeline.Problem;
import dev.gatehouse.server.pipeline.Protocols;
import dev.gatehouse.server.pipeline.Response;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The last filter of an async route, in place of the proxy: it takes the request as a job. It checks what the job
 * would carry (a known caller, the content type, the body's size, a sane {@code Idempotency-Key}), reads the body whole,
 * hands the job to {@link JobIntake} and answers {@code 202 Accepted} once the job is durable, with its id, where to
 * poll it ({@code Location} and {@code statusUrl}) and when it should start. The third party is not called here.
 */
public final class JobIntakeFilter implements Filter {
    /** The longest Idempotency-Key taken (Stripe's and the IETF draft's bound). */
    static final int MAX_KEY_LENGTH = 255;
    /** Request headers never kept with a job: credentials, and what describes this connection or body rather than the job. */
    private static final Set<String> NOT_KEPT = Set.of("host", "content-length", "authorization", "x-api-key", "cookie",
            "idempotency-key", "expect", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "forwarded");

    private final RouteConfig route;
    private final AsyncConfig async;
    private final int maxAttempts;
    private final Jobs jobs;

    public JobIntakeFilter(RouteConfig route, int maxAttempts, Jobs jobs) {
        this.route = route;
        this.async = route.async();
        this.maxAttempts = maxAttempts;
        this.jobs = jobs;
    }

    @Override
    public Future<Response> filter(Exchange exchange, Chain chain) {
        HttpServerRequest request = exchange.request();
        if (exchange.caller() == null) {
            return unauthorized(exchange);
        }
        String key = request.getHeader("idempotency-key");
        if (key != null && (request.headers().getAll("idempotency-key").size() > 1 || !saneKey(key))) {
            return Problem.of(400, "invalid-idempotency-key", "Invalid Idempotency-Key", "Idempotency-Key must be one header of 1 to "
                    + MAX_KEY_LENGTH + " visible ASCII characters (a UUID is a good one)").answer(exchange);
        }
        String contentType = request.getHeader(HttpHeaders.CONTENT_TYPE);
        if (!async.accepts(contentType)) {
            return Problem.of(415, "unsupported-media-type", "Unsupported media type", "this route takes jobs as "
                    + String.join(" or ", async.contentTypes()) + ", not " + (contentType == null ? "a body without Content-Type" : contentType))
                    .answer(exchange);
        }
        String declared = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (declared != null && tooLong(declared)) {
            return Problem.of(413, "body-too-large", "Request body too large", "a job's body may be at most " + async.maxBodyBytes()
                    + " bytes on this route").answerAndClose(exchange);
        }
        return readBody(exchange).compose(body -> {
            if (body == null) {
                return Problem.of(413, "body-too-large", "Request body too large", "a job's body may be at most " + async.maxBodyBytes()
                        + " bytes on this route").answerAndClose(exchange);
            }
            NewJob job = job(exchange, key, contentType, body);
            return jobs.intake().submit(job).transform(done -> {
                if (done.failed()) {
                    if (done.cause() instanceof JobIntake.Refused refused) {
                        return Problem.of(503, "jobs-unavailable", "Jobs cannot be taken now", refused.getMessage())
                                .retryAfter(refused.retryAfterSeconds()).answer(exchange);
                    }
                    return Future.failedFuture(done.cause());
                }
                return answer(exchange, done.result());
            });
        });
    }

    private NewJob job(Exchange exchange, String key, String contentType, byte[] body) {
        HttpServerRequest request = exchange.request();
        String query = request.query();
        String target = query == null ? exchange.upstreamPath() : exchange.upstreamPath() + "?" + query;
        StringBuilder headers = new StringBuilder();
        Set<String> listed = HopByHopHeaders.listedIn(request.getHeader(HttpHeaders.CONNECTION));
        for (Map.Entry<String, String> h : request.headers()) {
            String name = h.getKey().toLowerCase(Locale.ROOT);
            if (!NOT_KEPT.contains(name) && !HopByHopHeaders.isHopByHop(name) && !listed.contains(name) && !name.startsWith(":")) {
                headers.append(name).append(": ").append(h.getValue()).append('\n');
            }
        }
        String method = request.method().name();
        return new NewJob(UUID.randomUUID(), async.queue(), route.name(), exchange.caller().subject(), key,
                JobFingerprint.of(method, target, contentType, body), method, target, headers.toString(), body, exchange.requestId(),
                maxAttempts, jobs.clock().instant());
    }

    private Future<Response> answer(Exchange exchange, JobIntake.Accepted accepted) {
        if (accepted.result() == Stored.Result.KEY_REUSED) {
            return Problem.of(422, "idempotency-key-reused", "Idempotency-Key already used",
                    "this Idempotency-Key was used for a different request (job " + accepted.id() + "); use a new key for a new request")
                    .answer(exchange);
        }
        String statusUrl = jobs.statusUrl(accepted.id());
        JsonObject body = new JsonObject()
                .put("jobId", accepted.id().toString())
                .put("status", accepted.state())
                .put("statusUrl", statusUrl);
        Instant start = jobs.estimates().estimatedStart(async.queue(), jobs.estimates().waiting(async.queue()));
        if (start != null && (accepted.state().equals("queued") || accepted.state().equals("accepted"))) {
            body.put("estimatedStart", start.toString());
        }
        Response response = Response.of(exchange, 202, Body.of(Buffer.buffer(body.encode())));
        response.headers().set(HttpHeaders.CONTENT_TYPE, "application/json");
        response.headers().set(HttpHeaders.LOCATION, statusUrl);
        if (accepted.result() == Stored.Result.EXISTING) {
            // the IETF idempotency draft's hint that this answer is for an earlier submission
            response.headers().set("idempotent-replayed", "true");
        }
        return Future.succeededFuture(response);
    }

    private static Future<Response> unauthorized(Exchange exchange) {
        Future<Response> answer = Problem.of(401, "unauthorized", "Unauthorized",
                "this route takes jobs from known callers only (a job is readable by its submitter alone): send an API key as X-API-Key, "
                        + "or a token as Authorization: Bearer").answer(exchange);
        answer.result().headers().set("www-authenticate", "Bearer realm=\"gatehouse\"");
        return answer;
    }

    static boolean saneKey(String key) {
        if (key.isEmpty() || key.length() > MAX_KEY_LENGTH) {
            return false;
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }

    private boolean tooLong(String declared) {
        try {
            return Long.parseLong(declared.trim()) > async.maxBodyBytes();
        } catch (NumberFormatException e) {
            return false; // the listener's decoder refuses a bad Content-Length
        }
    }

    /** The request's body whole, read as it arrives; null when it passes the route's bound (the rest is not read). */
    private Future<byte[]> readBody(Exchange exchange) {
        HttpServerRequest request = exchange.request();
        if (!Protocols.mayHaveBody(request) || request.isEnded()) {
            return Future.succeededFuture(new byte[0]);
        }
        Promise<byte[]> read = Promise.promise();
        Buffer body = Buffer.buffer();
        long limit = async.maxBodyBytes();
        request.handler(chunk -> {
            if (body.length() + chunk.length() > limit) {
                request.handler(null);
                request.endHandler(null);
                read.tryComplete(null);
                return;
            }
            body.appendBuffer(chunk);
        });
        request.exceptionHandler(read::tryFail);
        request.endHandler(v -> read.tryComplete(body.getBytes()));
        exchange.whenClientGone(() -> read.tryFail("the client went away while sending the job"));
        request.resume();
        return read.future();
    }
}
