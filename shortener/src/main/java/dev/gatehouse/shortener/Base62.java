package dev.gatehouse.shortener;

/**
 * Short codes as base62 (digits, then lower case, then upper case) of a non-negative 64-bit id: an id of
 * today's Snowflake range is ten characters, and the code of a larger id is never shorter, so codes sort
 * by length then id only within one length (nothing here relies on that).
 */
public final class Base62 {
    static final String ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

    private Base62() {
    }

    /** @throws IllegalArgumentException for a negative id */
    public static String encode(long id) {
        if (id < 0) {
            throw new IllegalArgumentException("ids are non-negative, got " + id);
        }
        if (id == 0) {
            return "0";
        }
        char[] out = new char[11];
        int at = out.length;
        long rest = id;
        while (rest > 0) {
            out[--at] = ALPHABET.charAt((int) (rest % 62));
            rest /= 62;
        }
        return new String(out, at, out.length - at);
    }

    /** The id {@code code} encodes; throws {@link IllegalArgumentException} for a character outside the alphabet or an overflow. */
    public static long decode(String code) {
        if (code.isEmpty() || code.length() > 11) {
            throw new IllegalArgumentException("a base62 id has 1 to 11 characters, got '" + code + "'");
        }
        long value = 0;
        for (int i = 0; i < code.length(); i++) {
            int digit = ALPHABET.indexOf(code.charAt(i));
            if (digit < 0) {
                throw new IllegalArgumentException("'" + code.charAt(i) + "' is not a base62 character");
            }
            try {
                value = Math.addExact(Math.multiplyExact(value, 62), digit);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("'" + code + "' is past the largest 64-bit id", e);
            }
        }
        return value;
    }
}
