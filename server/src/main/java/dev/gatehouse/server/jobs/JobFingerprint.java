package dev.gatehouse.server.jobs;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * What makes two submissions the same request, for idempotency keys: SHA-256 over the method, the target (path and
 * query), the content type and the body. A key sent again with a different request is refused, not taken as the first.
 */
public final class JobFingerprint {

    private JobFingerprint() {
    }

    public static byte[] of(String method, String target, String contentType, byte[] body) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String part : new String[]{method, target, contentType == null ? "" : contentType}) {
                sha.update(part.getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
            }
            sha.update(body);
            return sha.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
