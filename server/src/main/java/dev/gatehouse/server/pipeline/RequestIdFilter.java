package dev.gatehouse.server.pipeline;

import io.vertx.core.Future;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Gives every request an id: the client's {@code X-Request-Id} when it is a sane token (at most 128
 * visible characters), otherwise a new random one. The id goes upstream, into the response and the log.
 */
public final class RequestIdFilter implements Filter {

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    @Override
    public Future<Response> filter(Exchange exchange, Chain chain) {
        String given = exchange.request().getHeader(HeaderNames.X_REQUEST_ID);
        exchange.requestId(isAcceptable(given) ? given : newId());
        exchange.responseHeaders().set(HeaderNames.X_REQUEST_ID, exchange.requestId());
        return chain.proceed(exchange);
    }

    static boolean isAcceptable(String id) {
        if (id == null || id.isEmpty() || id.length() > 128) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c <= 0x20 || c >= 0x7f || c == '"' || c == '\\') {
                return false;
            }
        }
        return true;
    }

    /** 128 random bits as 32 hex characters; ThreadLocalRandom so busy event loops never contend. */
    static String newId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long hi = random.nextLong();
        long lo = random.nextLong();
        char[] out = new char[32];
        for (int i = 0; i < 16; i++) {
            out[i] = HEX[(int) (hi >>> (60 - 4 * i)) & 0xf];
            out[16 + i] = HEX[(int) (lo >>> (60 - 4 * i)) & 0xf];
        }
        return new String(out);
    }
}
