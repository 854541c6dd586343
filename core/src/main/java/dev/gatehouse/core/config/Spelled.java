package dev.gatehouse.core.config;

import java.util.Locale;

/**
 * An enum as configuration spells it: its constant's name in lower case with {@code _} as {@code -}
 * ({@code LEAST_CONNECTIONS} is {@code least-connections}), unless the enum says otherwise.
 */
public interface Spelled {

    /** The constant's name (every enum has it). */
    String name();

    /** How the file spells it. */
    default String configName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The constant of {@code type} spelled {@code spelling}, or null when none is. */
    static <E extends Enum<E> & Spelled> E parse(Class<E> type, String spelling) {
        for (E constant : type.getEnumConstants()) {
            if (constant.configName().equals(spelling)) {
                return constant;
            }
        }
        return null;
    }
}
