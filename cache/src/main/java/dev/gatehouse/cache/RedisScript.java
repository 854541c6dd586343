package dev.gatehouse.cache;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Function;

/**
 * A Lua script run by its SHA (EVALSHA), falling back to its source (EVAL) when Redis has lost it (a
 * restart or SCRIPT FLUSH): one round trip in the usual case, and atomic, as every script is.
 */
public final class RedisScript {
    private final String source;
    private final String sha;

    public RedisScript(String source) {
        this.source = source;
        try {
            this.sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Runs the script through {@code sender} with these keys (as given: the caller prefixes them) and
     * arguments (strings, numbers or {@link Buffer}s).
     */
    public Future<Response> run(Function<Request, Future<Response>> sender, List<String> keys, List<?> args) {
        return sender.apply(request(Command.EVALSHA, sha, keys, args))
                .recover(error -> error.getMessage() != null && error.getMessage().startsWith("NOSCRIPT")
                        ? sender.apply(request(Command.EVAL, source, keys, args)) : Future.failedFuture(error));
    }

    private static Request request(Command command, String script, List<String> keys, List<?> args) {
        Request request = Request.cmd(command).arg(script).arg(keys.size());
        keys.forEach(request::arg);
        for (Object arg : args) {
            if (arg instanceof Buffer b) {
                request.arg(b);
            } else if (arg instanceof Long l) {
                request.arg(l);
            } else if (arg instanceof Integer i) {
                request.arg(i);
            } else {
                request.arg(String.valueOf(arg));
            }
        }
        return request;
    }
}
