package dev.gatehouse.core.config;

import java.util.List;
import java.util.Locale;

/**
 * A route that takes requests as jobs ({@code async}): the gateway stores the request in a queue, answers
 * {@code 202 Accepted} with the job's id, and workers send it to the route's upstream later, at the pace its
 * quota allows.
 *
 * @param queue the queue the jobs go to (its workers, retries and pace are {@code jobs.queues.<queue>})
 * @param contentTypes the media types a job's body may have (without parameters); empty: any
 * @param maxBodyBytes the largest body a job may carry (jobs live in PostgreSQL until they are done)
 */
public record AsyncConfig(String queue, List<String> contentTypes, long maxBodyBytes) {

    public static final long DEFAULT_MAX_BODY_BYTES = 1L << 20;
    /** The most a job's body may be: it is stored in a row and sent whole. */
    public static final long MAX_BODY_BYTES = 16L << 20;

    public AsyncConfig {
        Require.notBlank("queue", queue);
        contentTypes = Require.list("contentTypes", contentTypes).stream().map(t -> t.toLowerCase(Locale.ROOT)).toList();
        if (maxBodyBytes < 0 || maxBodyBytes > MAX_BODY_BYTES) {
            throw new IllegalArgumentException("maxBodyBytes must be between 0 and " + MAX_BODY_BYTES + ", got " + maxBodyBytes);
        }
    }

    /** Whether a body of {@code contentType} (a header value, parameters and all; null when absent) may be a job. */
    public boolean accepts(String contentType) {
        if (contentTypes.isEmpty()) {
            return true;
        }
        if (contentType == null) {
            return false;
        }
        int semicolon = contentType.indexOf(';');
        String type = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
        return contentTypes.contains(type);
    }
}
