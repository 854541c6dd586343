package dev.gatehouse.core.identity;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * The API key format: {@code gh_live_} followed by 256 random bits in base 62 (43 characters), so a key
 * is recognisable in logs and by secret scanners. Only the SHA-256 of a key is stored, with the first
 * 8 characters after the marker as the prefix people use to tell keys apart.
 */
public final class ApiKeys {

    public static final String MARKER = "gh_live_";
    public static final String SESSION_MARKER = "gh_sess_";
    private static final String ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private static final int RANDOM_LENGTH = 43;

    private ApiKeys() {
    }

    /** A new key; show it once and keep only {@link #hash} and {@link #prefix}. */
    public static String generate(SecureRandom random) {
        return token(MARKER, random);
    }

    /** A session token: the same shape with the {@code gh_sess_} marker. */
    public static String session(SecureRandom random) {
        return token(SESSION_MARKER, random);
    }

    public static boolean looksLikeSession(String candidate) {
        return candidate != null && candidate.startsWith(SESSION_MARKER)
                && looksLikeKey(MARKER + candidate.substring(SESSION_MARKER.length()));
    }

    private static String token(String marker, SecureRandom random) {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        BigInteger n = new BigInteger(1, bytes);
        BigInteger base = BigInteger.valueOf(ALPHABET.length());
        char[] out = new char[RANDOM_LENGTH];
        for (int i = RANDOM_LENGTH - 1; i >= 0; i--) {
            BigInteger[] qr = n.divideAndRemainder(base);
            out[i] = ALPHABET.charAt(qr[1].intValue());
            n = qr[0];
        }
        return marker + new String(out);
    }

    /** Whether a presented credential has the shape of a key (cheap; says nothing about whether it exists). */
    public static boolean looksLikeKey(String candidate) {
        if (candidate == null || candidate.length() != MARKER.length() + RANDOM_LENGTH || !candidate.startsWith(MARKER)) {
            return false;
        }
        for (int i = MARKER.length(); i < candidate.length(); i++) {
            char c = candidate.charAt(i);
            if (c >= 128 || !IN_ALPHABET[c]) {
                return false;
            }
        }
        return true;
    }

    /** ALPHABET as a table: a key is checked on every request that presents one. */
    private static final boolean[] IN_ALPHABET = new boolean[128];

    static {
        for (int i = 0; i < ALPHABET.length(); i++) {
            IN_ALPHABET[ALPHABET.charAt(i)] = true;
        }
    }

    /**
     * A new key's expiry as given by {@code input} (a flag or field, named in the error): an ISO-8601
     * instant later than {@code now}. A key that would be born expired is refused rather than issued.
     */
    public static Instant expiry(String input, String text, Instant now) {
        Instant at;
        try {
            at = Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(input + " must be an ISO-8601 instant such as 2027-01-01T00:00:00Z, got '" + text + "'");
        }
        if (!at.isAfter(now)) {
            throw new IllegalArgumentException(input + " " + text + " is not in the future; the key would never work");
        }
        return at;
    }

    public static String prefix(String key) {
        return key.substring(MARKER.length(), MARKER.length() + 8);
    }

    public static byte[] hash(String key) {
        try {
            // cloning a never-used prototype is several times cheaper than a provider look-up per request
            return ((MessageDigest) SHA_256.clone()).digest(key.getBytes(StandardCharsets.US_ASCII));
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("the JVM's SHA-256 cannot be cloned", e);
        }
    }

    private static final MessageDigest SHA_256 = sha256();

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
