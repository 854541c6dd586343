package dev.gatehouse.core.config;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The checks config records make of their fields in their constructors, as Resilience4j's builders do: a
 * value no node could run with fails at once, with the field's name and the value. The reader reports the
 * user's mistakes with file and key first; these hold for every other way a record is made.
 */
final class Require {

    private Require() {
    }

    static <T> T notNull(String field, T value) {
        if (value == null) {
            throw new IllegalArgumentException(field + " must not be null");
        }
        return value;
    }

    static String notBlank(String field, String value) {
        if (notNull(field, value).isBlank()) {
            throw new IllegalArgumentException(field + " must not be blank, got '" + value + "'");
        }
        return value;
    }

    static int atLeast(String field, int value, int min) {
        if (value < min) {
            throw new IllegalArgumentException(field + " must be at least " + min + ", got " + value);
        }
        return value;
    }

    static long atLeast(String field, long value, long min) {
        if (value < min) {
            throw new IllegalArgumentException(field + " must be at least " + min + ", got " + value);
        }
        return value;
    }

    static int between(String field, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(field + " must be between " + min + " and " + max + ", got " + value);
        }
        return value;
    }

    static float between(String field, float value, float min, float max) {
        if (!(value >= min && value <= max)) { // NaN too
            throw new IllegalArgumentException(field + " must be between " + min + " and " + max + ", got " + value);
        }
        return value;
    }

    static Duration positive(String field, Duration value) {
        if (notNull(field, value).isNegative() || value.isZero()) {
            throw new IllegalArgumentException(field + " must be positive, got " + value);
        }
        return value;
    }

    static Duration notNegative(String field, Duration value) {
        if (notNull(field, value).isNegative()) {
            throw new IllegalArgumentException(field + " must not be negative, got " + value);
        }
        return value;
    }

    /** An immutable copy of {@code list}, which must hold no null. */
    static <T> List<T> list(String field, List<T> list) {
        noNulls(field, notNull(field, list));
        return List.copyOf(list);
    }

    /** An immutable copy of {@code list}, which must hold at least one element and no null. */
    static <T> List<T> nonEmpty(String field, List<T> list) {
        if (notNull(field, list).isEmpty()) {
            throw new IllegalArgumentException(field + " must not be empty");
        }
        return list(field, list);
    }

    /** An immutable copy of {@code map}, which must hold no null key or value. */
    static <K, V> Map<K, V> map(String field, Map<K, V> map) {
        noNulls(field, notNull(field, map).keySet());
        noNulls(field, map.values());
        return Map.copyOf(map);
    }

    private static void noNulls(String field, Collection<?> values) {
        for (Object value : values) {
            if (value == null) {
                throw new IllegalArgumentException(field + " must not hold null, got " + values);
            }
        }
    }
}
