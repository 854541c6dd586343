package dev.gatehouse.server.cache;

import dev.gatehouse.cache.CacheCodec;
import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A stored answer: status, end-to-end headers, body, when it was stored (wall-clock milliseconds, so
 * every node ages it alike), how long it is fresh and how long it may then be served stale. A
 * <em>vary marker</em> (status 0) stands under a request's base key and names the headers the real
 * entries vary on.
 *
 * @param varyNames the request headers (lower case) this answer varies on
 * @param tags the answer's {@code Surrogate-Key} tags, for purging by tag
 */
record CachedResponse(int status, List<Map.Entry<String, String>> headers, Buffer body, long storedAtMillis,
                      long ttlMillis, long staleWhileRevalidateMillis, long staleIfErrorMillis,
                      List<String> varyNames, List<String> tags) {

    /** Where an entry stands at a moment. */
    enum State { FRESH, STALE_REVALIDATE, STALE_IF_ERROR, EXPIRED }

    static CachedResponse varyMarker(List<String> varyNames, long storedAtMillis, long lifetimeMillis) {
        return new CachedResponse(0, List.of(), Buffer.buffer(), storedAtMillis, lifetimeMillis, 0, 0, varyNames, List.of());
    }

    /** The first stored value of a header (any case), or null. */
    String header(String name) {
        for (Map.Entry<String, String> h : headers) {
            if (h.getKey().equalsIgnoreCase(name)) {
                return h.getValue();
            }
        }
        return null;
    }

    boolean isVaryMarker() {
        return status == 0;
    }

    /** How long it is kept at all: fresh, then stale for the longer of its two stale windows. */
    long lifetimeMillis() {
        return ttlMillis + Math.max(staleWhileRevalidateMillis, staleIfErrorMillis);
    }

    State stateAt(long nowMillis) {
        long age = nowMillis - storedAtMillis;
        if (age < ttlMillis) {
            return State.FRESH;
        }
        if (age < ttlMillis + staleWhileRevalidateMillis) {
            return State.STALE_REVALIDATE;
        }
        if (age < ttlMillis + staleIfErrorMillis) {
            return State.STALE_IF_ERROR;
        }
        return State.EXPIRED;
    }

    /** Whole seconds since it was stored, for the {@code Age} header. */
    long ageSeconds(long nowMillis) {
        return Math.max(0, (nowMillis - storedAtMillis) / 1000L);
    }

    /** The bytes Redis keeps: a version byte, the fields, the headers, the body. */
    static final CacheCodec<CachedResponse> CODEC = new CacheCodec<>() {
        private static final byte VERSION = 1;

        @Override
        public Buffer encode(CachedResponse r) {
            Buffer out = Buffer.buffer(r.body.length() + 256).appendByte(VERSION).appendInt(r.status).appendLong(r.storedAtMillis)
                    .appendLong(r.ttlMillis).appendLong(r.staleWhileRevalidateMillis).appendLong(r.staleIfErrorMillis);
            strings(out, r.varyNames);
            strings(out, r.tags);
            out.appendInt(r.headers.size());
            for (Map.Entry<String, String> h : r.headers) {
                string(out, h.getKey());
                string(out, h.getValue());
            }
            return out.appendInt(r.body.length()).appendBuffer(r.body);
        }

        @Override
        public CachedResponse decode(Buffer in) {
            try {
                int[] at = {0};
                if (in.getByte(at[0]++) != VERSION) {
                    throw new IllegalArgumentException("unknown cached-response version");
                }
                int status = in.getInt(at[0]);
                long stored = in.getLong(at[0] + 4);
                long ttl = in.getLong(at[0] + 12);
                long swr = in.getLong(at[0] + 20);
                long sie = in.getLong(at[0] + 28);
                at[0] += 36;
                List<String> vary = strings(in, at);
                List<String> tags = strings(in, at);
                int headerCount = in.getInt(at[0]);
                at[0] += 4;
                List<Map.Entry<String, String>> headers = new ArrayList<>(headerCount);
                for (int i = 0; i < headerCount; i++) {
                    headers.add(new AbstractMap.SimpleImmutableEntry<>(string(in, at), string(in, at)));
                }
                int length = in.getInt(at[0]);
                Buffer body = in.getBuffer(at[0] + 4, at[0] + 4 + length);
                return new CachedResponse(status, List.copyOf(headers), body, stored, ttl, swr, sie, vary, tags);
            } catch (IndexOutOfBoundsException e) {
                throw new IllegalArgumentException("truncated cached response", e);
            }
        }

        @Override
        public int weigh(CachedResponse r) {
            int size = r.body.length() + 96;
            for (Map.Entry<String, String> h : r.headers) {
                size += 2 * (h.getKey().length() + h.getValue().length()) + 32;
            }
            return size;
        }

        private void strings(Buffer out, List<String> values) {
            out.appendInt(values.size());
            values.forEach(v -> string(out, v));
        }

        private void string(Buffer out, String value) {
            byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
            out.appendInt(bytes.length).appendBytes(bytes);
        }

        private List<String> strings(Buffer in, int[] at) {
            int count = in.getInt(at[0]);
            at[0] += 4;
            List<String> out = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                out.add(string(in, at));
            }
            return List.copyOf(out);
        }

        private String string(Buffer in, int[] at) {
            int length = in.getInt(at[0]);
            String value = in.getString(at[0] + 4, at[0] + 4 + length, "UTF-8");
            at[0] += 4 + length;
            return value;
        }
    };
}
