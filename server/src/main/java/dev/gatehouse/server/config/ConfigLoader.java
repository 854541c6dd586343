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

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Reads {@code gatehouse.yaml}: YAML syntax errors and invalid settings both come back naming the file and where.
 * A key given twice in one mapping is an error (YAML would keep the last and silently drop the first).
 */
public final class ConfigLoader {

    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build());

    private final Function<String, String> environment;

    public ConfigLoader(Function<String, String> environment) {
        this.environment = environment;
    }

    /** A loader that honours {@code GATEHOUSE_*} environment variables. */
    public static ConfigLoader withSystemEnvironment() {
        Map<String, String> env = System.getenv();
        return new ConfigLoader(env::get);
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
        try {
            tree = yaml.isBlank() ? null : YAML.readValue(yaml, Object.class);
        } catch (StreamReadException e) {
            String duplicate = duplicateKey(e);
            if (duplicate != null) {
                throw new InvalidConfigException(source, List.of(new ConfigProblem(duplicate, "is given twice in one mapping (again at line "
                        + e.getLocation().getLineNr() + "); the second would replace the first: merge them into one")));
            }
            throw syntaxError(source, e);
        } catch (JsonProcessingException e) {
            throw syntaxError(source, e);
        }
        return GatewayConfigReader.read(tree, source, environment);
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
