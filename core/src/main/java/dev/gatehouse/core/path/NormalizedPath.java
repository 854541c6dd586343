package dev.gatehouse.core.path;

/**
 * The outcome of normalising a request path: the path every later stage sees and forwards, or the
 * reason it was refused. A refusal is a value, not an exception; it becomes a 400 in one place.
 */
public record NormalizedPath(String path, String rejection) {

    static NormalizedPath ok(String path) {
        return new NormalizedPath(path, null);
    }

    static NormalizedPath rejected(String reason) {
        return new NormalizedPath(null, reason);
    }

    public boolean isRejected() {
        return rejection != null;
    }
}
