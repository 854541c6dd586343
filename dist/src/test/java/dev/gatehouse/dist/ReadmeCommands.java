package dev.gatehouse.dist;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's shell commands, run as a user pasting them would: read from the {@code bash} blocks of a section, one
 * command a line (continuations joined), and run with bash in order, each seeing the variables earlier ones set
 * ({@code TOKEN=$(...)}). The walkthrough tests use it to hold the README to what the demo does.
 */
final class ReadmeCommands {
    private static final Pattern BASH_BLOCK = Pattern.compile("```bash\n(.*?)```", Pattern.DOTALL);
    private static final Pattern ASSIGNMENT = Pattern.compile("^([A-Z_]+)=\\$\\((.*)\\)$", Pattern.DOTALL);

    private final Path dir;
    private final UnaryOperator<String> asWritten;
    private final Map<String, String> variables = new HashMap<>();

    /**
     * @param dir where a command's standard error goes meanwhile (shown when it fails)
     * @param asWritten what each command becomes before it runs (the README's ports replaced by the test's)
     */
    ReadmeCommands(Path dir, UnaryOperator<String> asWritten) {
        this.dir = dir;
        this.asWritten = asWritten;
    }

    /** The commands of the README's section under {@code heading}, in order; lines that are only a comment are left out. */
    static List<String> of(String heading) throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        int start = readme.indexOf(heading);
        assertThat(start).as("the README has a section " + heading).isNotNegative();
        int end = readme.indexOf("\n## ", start + 1);
        String section = readme.substring(start, end < 0 ? readme.length() : end);
        List<String> commands = new ArrayList<>();
        Matcher block = BASH_BLOCK.matcher(section);
        while (block.find()) {
            StringBuilder command = new StringBuilder();
            for (String line : block.group(1).split("\n")) {
                command.append(line);
                if (line.endsWith("\\")) {
                    command.append('\n');
                } else {
                    if (!command.toString().isBlank() && !command.toString().strip().startsWith("#")) {
                        commands.add(command.toString());
                    }
                    command.setLength(0);
                }
            }
        }
        return commands;
    }

    /** Runs one command with bash and asserts it succeeds; its standard output (an assignment's: the value it set). */
    String run(String command) throws IOException, InterruptedException {
        String written = asWritten.apply(command);
        Matcher assignment = ASSIGNMENT.matcher(written.replaceAll("\\s+#[^'\"\n]*$", ""));
        String script = assignment.matches() ? assignment.group(1) + "=$(" + assignment.group(2) + ") && printf %s \"$" + assignment.group(1) + "\""
                : written;
        // standard error apart: curl's progress meter goes there when its output is not a terminal
        ProcessBuilder builder = new ProcessBuilder("bash", "-c", "set -o pipefail; " + script).redirectError(dir.resolve("stderr.txt").toFile());
        builder.environment().putAll(variables);
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(process.exitValue()).as("exit code of: " + command + "\n" + out + Files.readString(dir.resolve("stderr.txt"))).isZero();
        if (assignment.matches()) {
            variables.put(assignment.group(1), out);
        }
        return out;
    }

    /** A variable an earlier command set. */
    String variable(String name) {
        return variables.get(name);
    }

    /** What {@code ... | sort | uniq -c} printed: each value and its count. */
    static Map<String, Integer> counts(String uniqOutput) {
        Map<String, Integer> counts = new HashMap<>();
        for (String line : uniqOutput.strip().split("\n")) {
            String[] countAndValue = line.strip().split("\\s+");
            counts.put(countAndValue[1], Integer.parseInt(countAndValue[0]));
        }
        return counts;
    }
}
