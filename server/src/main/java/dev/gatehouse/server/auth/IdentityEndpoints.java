package dev.gatehouse.server.auth;

import dev.gatehouse.core.time.Clock;
import dev.gatehouse.core.config.IdentityConfig;
import dev.gatehouse.core.http.TrustedProxies;
import dev.gatehouse.core.ratelimit.Algorithm;
import dev.gatehouse.core.ratelimit.Decision;
import dev.gatehouse.core.ratelimit.LocalRateLimiter;
import dev.gatehouse.core.ratelimit.RateLimit;
import dev.gatehouse.core.ratelimit.RateLimiterStore;
import dev.gatehouse.server.pipeline.Forwarded;
import dev.gatehouse.server.pipeline.JsonBody;
import dev.gatehouse.server.pipeline.Problem;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.function.Supplier;

/**
 * The gateway's own identity endpoints, when {@code auth.endpoints} is on: {@code POST <base>/auth/login}
 * (email and password → session token), {@code POST <base>/auth/logout} and {@code GET <base>/me}.
 * Login attempts are limited per client address (10 a minute) against password guessing.
 */
public final class IdentityEndpoints {
    private static final int MAX_BODY = 16 * 1024;
    private static final List<RateLimit> LOGIN_LIMIT = List.of(RateLimit.perMinute(10));

    private final Vertx vertx;
    private final Identities identities;
    private final IdentityConfig config;
    private final Supplier<TrustedProxies> trusted;
    private final LocalRateLimiter attempts;
    private final String login;
    private final String logout;
    private final String me;
    /** Whether only admins may log in here (the admin listener's sign-in), others refused without a session. */
    private final boolean adminsOnly;

    public IdentityEndpoints(Vertx vertx, Identities identities, IdentityConfig config, Supplier<TrustedProxies> trusted,
                             Clock clock) {
        this(vertx, identities, config, config.basePath(), trusted, false, clock);
    }

    private IdentityEndpoints(Vertx vertx, Identities identities, IdentityConfig config, String base, Supplier<TrustedProxies> trusted,
                              boolean adminsOnly, Clock clock) {
        this.vertx = vertx;
        this.identities = identities;
        this.config = config;
        this.trusted = trusted;
        this.adminsOnly = adminsOnly;
        this.attempts = new LocalRateLimiter(100_000, clock::epochMicros);
        this.login = base + "/auth/login";
        this.logout = base + "/auth/logout";
        this.me = base + "/me";
    }

    /**
     * The admin listener's sign-in (the dashboard's, and a script's): {@code POST /auth/login}, {@code POST /auth/logout}
     * and {@code GET /me}, whatever {@code auth.endpoints} says, for admins only: a user's right password gets a 403
     * and no session. Attempts are limited per address as on the gateway.
     */
    public static IdentityEndpoints forAdminListener(Vertx vertx, Identities identities, IdentityConfig config, Clock clock) {
        return new IdentityEndpoints(vertx, identities, config, "", () -> TrustedProxies.NONE, true, clock);
    }

    /** Answers the request if it is one of these endpoints; returns whether it did. */
    public boolean handles(String path, HttpServerRequest request) {
        if (path.equals(login)) {
            only(request, HttpMethod.POST, () -> login(request));
        } else if (path.equals(logout)) {
            only(request, HttpMethod.POST, () -> logout(request));
        } else if (path.equals(me)) {
            only(request, HttpMethod.GET, () -> me(request));
        } else {
            return false;
        }
        return true;
    }

    private void only(HttpServerRequest request, HttpMethod method, Runnable handler) {
        if (request.method() != method) {
            request.response().putHeader("allow", method.name());
            send(request, Problem.of(405, "method-not-allowed", "Method not allowed", request.path() + " accepts " + method.name() + " only"));
            return;
        }
        handler.run();
    }

    private void login(HttpServerRequest request) {
        Decision allowed = attempts.decide("login:" + Forwarded.client(request, trusted.get()),
                Algorithm.GCRA, LOGIN_LIMIT, 1, RateLimiterStore.STORE_CLOCK);
        if (!allowed.allowed()) {
            send(request, Problem.of(429, "rate-limited", "Too many requests", "too many login attempts from this address; retry in "
                    + allowed.retryAfterSeconds() + " s").retryAfter(allowed.retryAfterSeconds()));
            return;
        }
        String length = request.getHeader("content-length");
        if (length == null) {
            send(request, Problem.of(411, "length-required", "Length required", "send the login as a JSON body with a Content-Length"));
            return;
        }
        if (!length.matches("\\d{1,9}") || Integer.parseInt(length) > MAX_BODY) {
            send(request, Problem.of(413, "body-too-large", "Request body too large", "a login body is at most " + MAX_BODY + " bytes"));
            return;
        }
        request.body().onSuccess(buffer -> {
            String email;
            String password;
            try {
                // other fields are ignored: clients of the reference API may send more than these two
                JsonBody body = JsonBody.parse(buffer);
                email = body.required("email");
                password = body.required("password");
            } catch (IllegalArgumentException e) {
                send(request, Problem.of(400, "invalid-body", "Invalid body", e.getMessage() + "; send {\"email\": \"...\", \"password\": \"...\"}"));
                return;
            }
            vertx.executeBlocking(() -> identities.users().login(email, password, config.sessionTtl()), false).onComplete(result -> {
                if (result.failed()) {
                    send(request, Problem.of(503, "storage", "Login unavailable", "the user store cannot be reached; retry shortly").retryAfter(1));
                } else if (result.result().isEmpty()) {
                    send(request, Problem.of(401, "unauthorized", "Unauthorized", "email or password is wrong"));
                } else if (adminsOnly && !"admin".equals(result.result().get().user().role())) {
                    // the password was right, but this is no place for the account: no session is left behind
                    identities.logout(result.result().get().token()).onComplete(done -> send(request, Problem.of(403, "insufficient-role",
                            "Forbidden", result.result().get().user().email() + " is not an admin; the admin listener signs in admins only "
                                    + "(or use an API key with the admin scope)")));
                } else {
                    UserStore.Session session = result.result().get();
                    json(request, 200, new JsonObject()
                            .put("token", session.token())
                            .put("expiresAt", session.expiresAt().toString())
                            .put("user", user(session.user())));
                }
            });
        });
    }

    private void logout(HttpServerRequest request) {
        String token = Credentials.bearer(request);
        if (token == null) {
            send(request, Problem.of(401, "unauthorized", "Unauthorized", "send the session token as Authorization: Bearer"));
            return;
        }
        identities.logout(token).onComplete(r -> request.response().setStatusCode(204).end());
    }

    private void me(HttpServerRequest request) {
        String token = Credentials.presented(request);
        if (token == null) {
            request.response().putHeader("www-authenticate", "Bearer realm=\"gatehouse\"");
            send(request, Problem.of(401, "unauthorized", "Unauthorized", "send a session token or API key as Authorization: Bearer"));
            return;
        }
        identities.authenticate(token).onComplete(result -> {
            if (result.failed()) {
                send(request, AuthFilter.identityUnavailable());
                return;
            }
            if (result.result().isEmpty()) {
                request.response().putHeader("www-authenticate", "Bearer realm=\"gatehouse\", error=\"invalid_token\"");
                send(request, Problem.of(401, "unauthorized", "Unauthorized", "the credential is not valid"));
                return;
            }
            Identity identity = result.result().get();
            JsonObject body = new JsonObject().put("subject", identity.subject()).put("tier", identity.tier());
            if (identity.isSession()) {
                body.put("email", identity.email()).put("role", identity.role());
            } else {
                body.put("scopes", new io.vertx.core.json.JsonArray(identity.scopes().stream().sorted().toList()));
            }
            json(request, 200, body);
        });
    }

    private static JsonObject user(UserStore.User user) {
        return new JsonObject().put("id", user.id()).put("email", user.email()).put("role", user.role()).put("tier", user.tier());
    }

    private static void json(HttpServerRequest request, int status, JsonObject body) {
        request.response().setStatusCode(status).putHeader("content-type", "application/json").putHeader("cache-control", "no-store")
                .end(body.encode());
    }

    private static void send(HttpServerRequest request, Problem problem) {
        problem.send(request.response(), request.path(), null);
    }
}
