package dev.gatehouse.server.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.gatehouse.core.config.ConfigProblem;
import dev.gatehouse.core.config.GatewayConfig;
import dev.gatehouse.core.config.GatewayConfigReader;
import dev.gatehouse.core.config.InvalidConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Reads {@code gatehouse.yaml}: YAML syntax errors and invalid settings both come back naming the file and where.
 * A key given twice in one mapping is an error (YAML would keep the last and silently drop the first).
 */
public final class ConfigLoader {
    private static final Logger log = LoggerFactory.getLogger(ConfigLoader.class);

    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build());

    private final Function<String, String> lookup;
    private final Map<String, String> environment;
    private final Consumer<String> warnings;

    /** A loader whose overrides come from {@code environment}; warnings are logged. */
    public ConfigLoader(Function<String, String> environment) {
        this.lookup = environment;
        this.environment = null;
        this.warnings = warning -> log.warn("{}", warning);
    }

    /**
     * A loader whose overrides come from {@code environment}, which it also checks for {@code GATEHOUSE_*} variables
     * that no key reads; {@code warnings} is told of those and of other likely mistakes, a line each.
     */
    public ConfigLoader(Map<String, String> environment, Consumer<String> warnings) {
        this.lookup = environment::get;
        this.environment = Map.copyOf(environment);
        this.warnings = warnings;
    }

    /** A loader that honours {@code GATEHOUSE_*} environment variables and logs warnings. */
    public static ConfigLoader withSystemEnvironment() {
        return withEnvironment(System.getenv());
    }

    /** A loader whose overrides come from {@code environment} (this process's, give or take a variable) and that logs warnings. */
    public static ConfigLoader withEnvironment(Map<String, String> environment) {
        return new ConfigLoader(environment, warning -> log.warn("{}", warning));
    }

    public GatewayConfig load(Path file) throws InvalidConfigException {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new InvalidConfigException(file.toString(), List.of(new ConfigProblem("", "file not found")));
        } catch (IOException e) {
            throw new InvalidConfigException(file.toString(), List.of(new ConfigProblem("", "cannot be read: " + e.getMessage())));
        }
        return parse(text, file.toString());
    }

    public GatewayConfig parse(String yaml, String source) throws InvalidConfigException {
        Object tree;
        try (JsonParser parser = YAML.createParser(yaml)) {
            // a file of nothing but comments is as empty as a blank one
            tree = parser.nextToken() == null ? null : YAML.readValue(parser, Object.class);
        } catch (StreamReadException e) {
            String duplicate = duplicateKey(e);
            if (duplicate != null) {
                throw new InvalidConfigException(source, List.of(new ConfigProblem(duplicate, "is given twice in one mapping (again at line "
                        + e.getLocation().getLineNr() + "); the second would replace the first: merge them into one")));
            }
            throw syntaxError(source, e);
        } catch (JsonProcessingException e) {
            throw syntaxError(source, e);
        } catch (IOException e) {
            throw new InvalidConfigException(source, List.of(new ConfigProblem("", "cannot be read: " + e.getMessage())));
        }
        if (environment == null) {
            return GatewayConfigReader.read(tree, source, lookup);
        }
        return GatewayConfigReader.read(tree, source, environment, problem -> warnings.accept(problem.describe(source)));
    }

    private static InvalidConfigException syntaxError(String source, JsonProcessingException e) {
        String where = e.getLocation() == null ? "" : "line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ": ";
        return new InvalidConfigException(source, List.of(new ConfigProblem("", "is not valid YAML: " + where + e.getOriginalMessage())));
    }

    /** The dotted key a duplicate-key error is about ({@code routes}, {@code routes[0].match.prefix}), or null for other errors. */
    private static String duplicateKey(StreamReadException e) {
        JsonParser parser = e.getProcessor();
        if (parser == null || e.getOriginalMessage() == null || !e.getOriginalMessage().startsWith("Duplicate field")) {
            return null;
        }
        StringBuilder key = new StringBuilder();
        for (JsonStreamContext c = parser.getParsingContext(); c != null && !c.inRoot(); c = c.getParent()) {
            String segment = c.inArray() ? "[" + c.getCurrentIndex() + "]" : c.getCurrentName();
            if (segment != null) {
                key.insert(0, key.length() > 0 && key.charAt(0) != '[' ? segment + "." : segment);
            }
        }
        return key.length() == 0 ? null : key.toString();
    }
}
