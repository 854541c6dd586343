package dev.gatehouse.core.config;

/**
 * One thing wrong with a configuration: the key (dotted path) and what is wrong with it.
 *
 * @param variable the {@code GATEHOUSE_*} environment variable the bad value came from, or null when it came from the file
 */
public record ConfigProblem(String key, String message, String variable) {

    public ConfigProblem(String key, String message) {
        this(key, message, null);
    }

    /** The problem as one line of a report about {@code source}: the file's name, or the variable's when it came from one. */
    public String describe(String source) {
        if (variable == null) {
            return source + ": " + this;
        }
        return "environment variable " + variable + (key.isEmpty() ? "" : " (" + key + ")") + ": " + message;
    }

    @Override
    public String toString() {
        if (variable != null) {
            return variable + (key.isEmpty() ? "" : " (" + key + ")") + ": " + message;
        }
        return key.isEmpty() ? message : key + ": " + message;
    }
}
