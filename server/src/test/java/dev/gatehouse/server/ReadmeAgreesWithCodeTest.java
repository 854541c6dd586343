package dev.gatehouse.server;

import dev.gatehouse.server.pipeline.Problem;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What the README promises, held to what the code produces: a problem type added without its place in
 * the README (or one left there after its code went) fails here.
 */
class ReadmeAgreesWithCodeTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @Test
    void theReadmeListsExactlyTheProblemTypesTheCodeAnswersWith() {
        String errors = paragraph("**Errors**");
        errors = errors.substring(errors.indexOf("`urn:gatehouse:problem:`"));
        Set<String> listed = new TreeSet<>();
        Matcher slug = Pattern.compile("`(?:urn:gatehouse:problem:)?([a-z]+(?:-[a-z]+)*)`").matcher(errors);
        while (slug.find()) {
            listed.add(slug.group(1));
        }
        assertThat(listed).containsExactlyInAnyOrderElementsOf(Problem.TYPES);
    }

    @Test
    void everyProblemTheSourcesCreateIsRegisteredAndEveryRegisteredOneIsCreated() {
        // a status then a slug, as Problem.of and the admin API's problem(...) take them
        Set<String> created = matches(Pattern.compile("\\b[1-5][0-9]{2},\\s*\"([a-z]+(?:-[a-z]+)*)\""), "server/src/main/java");
        assertThat(Problem.TYPES).containsExactlyInAnyOrderElementsOf(created);
        Set<String> writtenOut = matches(Pattern.compile("urn:gatehouse:problem:([a-z-]+)\"\\s*\\+?"), "server/src/main/java");
        assertThat(writtenOut).as("problem types written out in code instead of made by Problem.of").isEmpty();
        assertThatThrownBy(() -> Problem.of(400, "made-up", "Made up", "no such type"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'made-up' is not a registered problem type");
    }

    /** The README paragraph that starts with {@code opening}, up to the next blank line. */
    static String paragraph(String opening) {
        String readme = read(ROOT.resolve("README.md"));
        int start = readme.indexOf("\n" + opening);
        assertThat(start).as("the README has a paragraph starting %s", opening).isPositive();
        int end = readme.indexOf("\n\n", start + 1);
        return readme.substring(start, end < 0 ? readme.length() : end);
    }

    /** Group 1 of every match in the Java sources under {@code dir} (relative to the repository). */
    static Set<String> matches(Pattern pattern, String dir) {
        Set<String> found = new TreeSet<>();
        try (Stream<Path> files = Files.walk(ROOT.resolve(dir))) {
            files.filter(f -> f.toString().endsWith(".java")).forEach(f -> {
                Matcher m = pattern.matcher(read(f));
                while (m.find()) {
                    found.add(m.group(1));
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return found;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
