package dev.gatehouse.server.logs;

/**
 * One request as the request log keeps it (a row of {@code request_logs}, less the node and sequence the
 * writer adds). Never a secret: the caller is named by its subject and ids, not its credential.
 *
 * @param timeMicros when the request arrived, microseconds since the epoch
 * @param route the route's name; {@code none} when no route matched
 * @param path the path as routed (normalised)
 * @param status the status sent; 499 when the client went away first
 * @param durationMicros arrival to the last byte sent
 * @param upstreamMicros connect to the upstream answer's head (the last attempt); -1 when no upstream was asked
 * @param client the client's address (after trusted proxies), or null
 * @param subject {@code key:<id>}, {@code user:<id>} or {@code jwt:<sub>}; null for anonymous callers
 * @param cache {@code HIT-L1}, {@code HIT-L2}, {@code MISS} or {@code STALE} on cached routes, else null
 * @param rateLimit {@code allowed}, {@code limited} or {@code unavailable} on limited routes, else null
 * @param target the upstream target that answered (or was tried last), or null
 * @param problem the problem type's last part when the gateway answered itself, else null
 * @param traceId the trace id of the request's {@code traceparent}, or null
 */
public record RequestLogRow(long timeMicros, String requestId, String route, String method, String path, int status,
                            long durationMicros, long upstreamMicros, long bytesIn, long bytesOut, String client,
                            String subject, Long keyId, Long userId, String tier, String cache, String rateLimit,
                            String target, String problem, String traceId) {
}
