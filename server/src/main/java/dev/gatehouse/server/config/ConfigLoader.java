package dev.gatehouse.server.config;

import com.fasterxml.jackson.core.JsonProcessingException;
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

/** Reads {@code gatehouse.yaml}: YAML syntax errors and invalid settings both come back naming the file and where. */
public final class ConfigLoader {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

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
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : "line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ": ";
            throw new InvalidConfigException(source, List.of(new ConfigProblem("", "is not valid YAML: " + where + e.getOriginalMessage())));
        }
        return GatewayConfigReader.read(tree, source, environment);
    }
}
