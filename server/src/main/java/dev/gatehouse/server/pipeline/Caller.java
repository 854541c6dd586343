package dev.gatehouse.server.pipeline;

/**
 * Who made a request, as authentication established it, in the terms every later stage and the request log
 * use: the subject, and the key or user it names, and the tier. Never a credential.
 *
 * @param subject {@code key:<id>}, {@code user:<id>} or {@code jwt:<sub>}
 * @param keyId the API key's id, or null
 * @param userId the logged-in user's id, or null
 * @param tier the caller's rate-limit tier, or null
 */
public record Caller(String subject, Long keyId, Long userId, String tier) {

    /** The caller a subject names, with its tier. */
    public static Caller of(String subject, String tier) {
        return new Caller(subject, idAfter(subject, "key:"), idAfter(subject, "user:"), tier);
    }

    private static Long idAfter(String subject, String prefix) {
        if (subject == null || !subject.startsWith(prefix)) {
            return null;
        }
        try {
            return Long.parseLong(subject.substring(prefix.length()));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
