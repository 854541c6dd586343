package dev.gatehouse.server.pipeline;

/** A typed key for state one filter leaves for another on an {@link Exchange}. Compared by identity. */
public final class AttributeKey<T> {
    private final String name;

    public AttributeKey(String name) {
        this.name = name;
    }

    @Override
    public String toString() {
        return name;
    }
}
