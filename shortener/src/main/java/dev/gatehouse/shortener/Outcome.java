package dev.gatehouse.shortener;

/** What an operation gives: its value, or the problem that stopped it (a rejection is a value, not an exception). */
public record Outcome<T>(T value, Problem problem) {

    public static <T> Outcome<T> ok(T value) {
        return new Outcome<>(value, null);
    }

    public static <T> Outcome<T> refused(Problem problem) {
        return new Outcome<>(null, problem);
    }

    public boolean ok() {
        return problem == null;
    }
}
