package dev.gatehouse.core.config;

import java.util.List;
import java.util.stream.Collectors;

/** A configuration that cannot be used; lists every problem found, each with its key, under the file's name (or the variable's). */
public final class InvalidConfigException extends Exception {
    private final String source;
    private final List<ConfigProblem> problems;

    public InvalidConfigException(String source, List<ConfigProblem> problems) {
        super(format(source, problems));
        this.source = source;
        this.problems = List.copyOf(problems);
    }

    public String source() {
        return source;
    }

    public List<ConfigProblem> problems() {
        return problems;
    }

    private static String format(String source, List<ConfigProblem> problems) {
        return source + " is not valid (" + problems.size() + (problems.size() == 1 ? " problem" : " problems") + "):\n"
                + problems.stream().map(p -> "  " + p.describe(source)).collect(Collectors.joining("\n"));
    }
}
