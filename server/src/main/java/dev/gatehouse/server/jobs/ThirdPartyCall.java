package dev.gatehouse.server.jobs;

import dev.gatehouse.core.config.HeaderRules;
import dev.gatehouse.core.http.HopByHopHeaders;
import dev.gatehouse.core.time.Clock;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One call of a job to its third party: the stored request (method, target, headers, body) sent to a target of the
 * upstream, with the route's {@code requestHeaders} applied now (so secrets in them are never stored with jobs) and
 * the job's id as its {@code Idempotency-Key}, under the queue's timeout. What comes back is kept up to the queue's
 * bound and measured whole.
 */
final class ThirdPartyCall {
    /** The most of an answer's headers kept with a job. */
    private static final int MAX_HEADER_CHARS = 8 * 1024;
    /** Past this, the rest of a long answer is not even counted. */
    private static final long MAX_COUNTED = 1L << 30;

    /** What the third party answered; {@code retryAfter} is null when it said nothing of when to come back. */
    record Result(int status, String headers, byte[] body, long bytes, Duration retryAfter) {
    }

    private final HttpClient client;
    private final Clock clock;

    ThirdPartyCall(HttpClient client, Clock clock) {
        this.client = client;
        this.clock = clock;
    }

    static HttpClient client(Duration connectTimeout, boolean http2) {
        return HttpClient.newBuilder().connectTimeout(connectTimeout).followRedirects(HttpClient.Redirect.NEVER)
                .version(http2 ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1).build();
    }

    /**
     * @param base the target, e.g. {@code https://api.example.com:443}
     * @throws IOException when no answer came (refused, reset, timed out: {@link java.net.http.HttpTimeoutException})
     */
    Result send(JobQueue.Claim claim, String base, HeaderRules rules, Duration timeout, long maxBytes) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + claim.target())).timeout(timeout)
                .method(claim.method(), claim.body().length == 0 && !hasBody(claim.method())
                        ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(claim.body()));
        for (Map.Entry<String, List<String>> header : headers(claim.headers(), rules).entrySet()) {
            for (String value : header.getValue()) {
                try {
                    request.header(header.getKey(), value);
                } catch (IllegalArgumentException restricted) {
                    // a header the JDK's client sets itself (Date, Via...): left to it
                }
            }
        }
        // the job's id, the same on every attempt: a third party that deduplicates sees each job's effect once
        request.setHeader("Idempotency-Key", claim.id().toString());
        HttpResponse<InputStream> response = client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        byte[] kept;
        long bytes;
        try (InputStream in = response.body()) {
            kept = in.readNBytes((int) Math.min(maxBytes, Integer.MAX_VALUE - 8));
            long more = 0;
            long skipped;
            while (kept.length == maxBytes && more < MAX_COUNTED && (skipped = in.skip(64 * 1024)) > 0) {
                more += skipped;
            }
            if (kept.length == maxBytes && in.read() >= 0) {
                more++;
                while (more < MAX_COUNTED && (skipped = in.skip(64 * 1024)) > 0) {
                    more += skipped;
                }
            }
            bytes = kept.length + more;
        }
        StringBuilder headers = new StringBuilder();
        response.headers().map().forEach((name, values) -> {
            if (!name.startsWith(":") && !HopByHopHeaders.isHopByHop(name) && !name.equalsIgnoreCase("set-cookie")) {
                for (String value : values) {
                    if (headers.length() + name.length() + value.length() < MAX_HEADER_CHARS) {
                        headers.append(name.toLowerCase(Locale.ROOT)).append(": ").append(value).append('\n');
                    }
                }
            }
        });
        return new Result(response.statusCode(), headers.toString(), kept, bytes,
                retryAfter(response.headers().firstValue("retry-after").orElse(null), clock.instant()));
    }

    private static boolean hasBody(String method) {
        return method.equals("POST") || method.equals("PUT") || method.equals("PATCH");
    }

    /** The stored header lines with the route's rules applied: remove, then set, then add. */
    static Map<String, List<String>> headers(String lines, HeaderRules rules) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (String line : lines.split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                headers.computeIfAbsent(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), n -> new ArrayList<>())
                        .add(line.substring(colon + 1).trim());
            }
        }
        if (rules != null) {
            rules.remove().forEach(name -> headers.remove(name.toLowerCase(Locale.ROOT)));
            rules.set().forEach((name, value) -> headers.put(name.toLowerCase(Locale.ROOT), new ArrayList<>(List.of(value))));
            rules.add().forEach((name, value) -> headers.computeIfAbsent(name.toLowerCase(Locale.ROOT), n -> new ArrayList<>()).add(value));
        }
        return headers;
    }

    /** {@code Retry-After} as a wait from {@code now}: seconds, or an HTTP date; null when absent or unreadable. */
    static Duration retryAfter(String value, Instant now) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String v = value.trim();
        if (v.matches("\\d{1,9}")) {
            return Duration.ofSeconds(Long.parseLong(v));
        }
        try {
            Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            return at.isAfter(now) ? Duration.between(now, at) : Duration.ZERO;
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
