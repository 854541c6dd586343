package dev.gatehouse.server.auth;

/**
 * A change the stores refuse because of what is already stored (an email taken, a tier still in use, a
 * prefix several keys share): the request was well formed, the state forbids it. An
 * {@link IllegalArgumentException}, so callers that report refused input report it too.
 */
public class Conflict extends IllegalArgumentException {
    public Conflict(String message) {
        super(message);
    }
}
