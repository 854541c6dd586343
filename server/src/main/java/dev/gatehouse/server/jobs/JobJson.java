package dev.gatehouse.server.jobs;

import io.vertx.core.json.JsonObject;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;

/** A job as clients polling it and operators read it: where it stands, when it should start, and the third party's answer. */
public final class JobJson {

    private JobJson() {
    }

    /**
     * @param estimatedStart when a queued job should start (null: not queued, or not known)
     * @param operator whether the reader is an operator (adds the owner, queue details and who holds it)
     */
    public static JsonObject of(JobRecords.Job job, Instant estimatedStart, boolean operator) {
        JsonObject out = new JsonObject()
                .put("jobId", job.id().toString())
                .put("status", job.state().label())
                .put("queue", job.queue())
                .put("attempts", job.attempts())
                .put("maxAttempts", job.maxAttempts())
                .put("createdAt", job.createdAt().toString());
        if (job.state() == JobRecords.State.QUEUED) {
            if (job.attempts() > 0 || job.runAt().isAfter(job.createdAt())) {
                out.put("nextAttemptAt", job.runAt().toString());
            }
            if (estimatedStart != null) {
                out.put("estimatedStart", estimatedStart.toString());
            }
        }
        if (job.startedAt() != null) {
            out.put("startedAt", job.startedAt().toString());
        }
        if (job.finishedAt() != null) {
            out.put("finishedAt", job.finishedAt().toString());
        }
        if (job.resultStatus() != null) {
            JsonObject result = new JsonObject().put("status", job.resultStatus());
            if (job.resultHeaders() != null) {
                JsonObject headers = new JsonObject();
                for (String line : job.resultHeaders().split("\n")) {
                    int colon = line.indexOf(':');
                    if (colon > 0) {
                        headers.put(line.substring(0, colon), line.substring(colon + 1).trim());
                    }
                }
                result.put("headers", headers);
            }
            byte[] body = job.resultBody() == null ? new byte[0] : job.resultBody();
            String text = utf8(body);
            if (text != null) {
                result.put("body", text);
            } else {
                result.put("bodyBase64", Base64.getEncoder().encodeToString(body));
            }
            long bytes = job.resultBytes() == null ? body.length : job.resultBytes();
            result.put("bytes", bytes);
            result.put("truncated", bytes > body.length);
            out.put("result", result);
        }
        if (job.lastError() != null) {
            out.put("error", job.lastError());
        }
        if (operator) {
            out.put("owner", job.owner()).put("route", job.route()).put("method", job.method()).put("target", job.target())
                    .put("idempotencyKey", job.idempotencyKey()).put("requestId", job.requestId()).put("seq", job.seq())
                    .put("runAt", job.runAt().toString()).put("leasedBy", job.leasedBy());
        }
        return out;
    }

    /** A job accepted by this node while PostgreSQL was away, still on its disk. */
    public static JsonObject held(JobQueue.NewJob job, Instant estimatedStart) {
        JsonObject out = new JsonObject().put("jobId", job.id().toString()).put("status", "accepted").put("queue", job.queue())
                .put("attempts", 0).put("maxAttempts", job.maxAttempts()).put("createdAt", job.createdAt().toString());
        if (estimatedStart != null) {
            out.put("estimatedStart", estimatedStart.toString());
        }
        return out;
    }

    private static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
