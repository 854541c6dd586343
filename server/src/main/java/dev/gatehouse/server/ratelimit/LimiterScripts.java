package dev.gatehouse.server.ratelimit;

import dev.gatehouse.core.ratelimit.Algorithm;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The Lua script of each algorithm (its step in {@code common.lua}, then {@code batch.lua}), read from
 * the class path once, and run by its SHA (EVALSHA), falling back to its source (EVAL) once when Redis
 * has lost it (a flush or a restart).
 */
final class LimiterScripts {
    private record Script(String source, String sha) {
    }

    private final Map<Algorithm, Script> scripts = new EnumMap<>(Algorithm.class);
    private final Function<Request, Future<Response>> sender;

    /** @param sender how a request reaches Redis */
    LimiterScripts(Function<Request, Future<Response>> sender) {
        this.sender = sender;
        String common = resource("common.lua");
        String batch = resource("batch.lua");
        for (Algorithm algorithm : Algorithm.values()) {
            String decide = common.replace("-- STEP --", resource(algorithm.configName() + ".lua"));
            String source = decide + "\n" + batch;
            scripts.put(algorithm, new Script(source, sha1(source)));
        }
    }

    /**
     * Runs {@code algorithm}'s script.
     *
     * @param call builds the request for a command (EVALSHA or EVAL) and what that command names the
     *             script by (its SHA or its source); the EVAL form is built only when needed
     */
    Future<Response> run(Algorithm algorithm, BiFunction<Command, String, Request> call) {
        Script script = scripts.get(algorithm);
        return sender.apply(call.apply(Command.EVALSHA, script.sha()))
                .recover(error -> error.getMessage() != null && error.getMessage().startsWith("NOSCRIPT")
                        ? sender.apply(call.apply(Command.EVAL, script.source())) : Future.failedFuture(error));
    }

    private static String resource(String name) {
        try (InputStream in = LimiterScripts.class.getResourceAsStream("/ratelimit/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing rate-limit script /ratelimit/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha1(String source) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
