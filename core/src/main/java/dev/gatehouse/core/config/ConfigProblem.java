package dev.gatehouse.core.config;

/** One thing wrong with a configuration: the key (dotted path) and what is wrong with it. */
public record ConfigProblem(String key, String message) {

    @Override
    public String toString() {
        return key.isEmpty() ? message : key + ": " + message;
    }
}
