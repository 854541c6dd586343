package dev.gatehouse.core.config;

import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A typed, validating view of one mapping in a parsed configuration tree. Every read names its key;
 * a bad value is recorded as a {@link ConfigProblem} with the full dotted key and the reader carries on
 * with the default, so one pass reports every problem. Keys nobody read are reported as unknown.
 * Scalars outside lists and named entries may be overridden by environment variables named after their
 * key: {@code gateway.maxHeaderBytes} by {@code GATEHOUSE_GATEWAY_MAX_HEADER_BYTES}; a bad value from one
 * is reported under the variable's name. Numbers of any size are read exactly, so a value out of range is
 * a problem like any other, never an overflow.
 */
public final class ConfigNode {

    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KB|KiB|MB|MiB|GB|GiB)", Pattern.CASE_INSENSITIVE);

    /** What every node of one tree shares. */
    private static final class Tree {
        final List<ConfigProblem> problems = new ArrayList<>();
        final Function<String, String> environment;
        /** Every variable an override was looked up under: the names the environment may set. */
        final Set<String> variables = new HashSet<>();

        Tree(Function<String, String> environment) {
            this.environment = environment;
        }
    }

    private final Tree tree;
    private final String path;
    private final Map<String, Object> values;
    /** Whether keys here may come from the environment: not inside lists nor named entries, whose names are the user's. */
    private final boolean overridable;
    private final List<ConfigProblem> problems;
    private final Set<String> read = new HashSet<>();
    /** Every key a reader asked about, read or only tested for: what a misspelt key is compared with. */
    private final Set<String> known = new HashSet<>();
    /** The variable a key's value came from, for the keys whose value came from the environment. */
    private final Map<String, String> fromEnvironment = new HashMap<>();

    private ConfigNode(Tree tree, String path, Map<String, Object> values, boolean overridable) {
        this.tree = tree;
        this.path = path;
        this.values = values;
        this.overridable = overridable && tree.environment != null;
        this.problems = tree.problems;
    }

    /** The root of a tree; {@code environment} looks up overrides and may return null for none. */
    public static ConfigNode root(Map<String, Object> values, Function<String, String> environment) {
        return new ConfigNode(new Tree(environment), "", values == null ? Map.of() : values, true);
    }

    public List<ConfigProblem> problems() {
        return problems;
    }

    /** The names of every environment variable that could have overridden a key read so far. */
    public Set<String> environmentVariables() {
        return Collections.unmodifiableSet(tree.variables);
    }

    public String key(String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    /** Records a problem with key {@code name} (null: with this mapping as a whole), under its variable when it came from one. */
    public void problem(String name, String message) {
        problems.add(name == null ? new ConfigProblem(path, message) : new ConfigProblem(key(name), message, fromEnvironment.get(name)));
    }

    /**
     * A warning about key {@code name}, under its variable when it came from one; unlike {@link #problem} it is not
     * recorded: the caller reports it once the file is known to be valid.
     */
    public ConfigProblem warning(String name, String message) {
        return new ConfigProblem(key(name), message, fromEnvironment.get(name));
    }

    /** Whether the key is given, in the file or the environment. Asking makes it a key this mapping knows, for suggestions. */
    public boolean has(String name) {
        known.add(name);
        return values.containsKey(name) || override(name) != null;
    }

    private Object raw(String name) {
        read.add(name);
        String fromEnv = override(name);
        if (fromEnv != null) {
            fromEnvironment.put(name, environmentName(key(name)));
            return fromEnv;
        }
        return values.get(name);
    }

    private String override(String name) {
        known.add(name);
        if (!overridable) {
            return null;
        }
        String variable = environmentName(key(name));
        tree.variables.add(variable);
        return tree.environment.apply(variable);
    }

    /** {@code gateway.maxHeaderBytes} → {@code GATEHOUSE_GATEWAY_MAX_HEADER_BYTES}. */
    public static String environmentName(String key) {
        String snake = key.replace('.', '_').replaceAll("([a-z0-9])([A-Z])", "$1_$2").replace('-', '_');
        return "GATEHOUSE_" + snake.toUpperCase(Locale.ROOT);
    }

    public ConfigNode child(String name) {
        Object value = raw(name);
        if (value == null) {
            return new ConfigNode(tree, key(name), Map.of(), overridable);
        }
        if (!(value instanceof Map<?, ?> map)) {
            problem(name, "must be a mapping of keys to values, got " + describe(value));
            return new ConfigNode(tree, key(name), Map.of(), overridable);
        }
        return new ConfigNode(tree, key(name), asStringMap(map), overridable);
    }

    /** Each entry of a mapping whose keys are names (e.g. upstream pools), in file order. */
    public Map<String, ConfigNode> children(String name) {
        Object value = raw(name);
        Map<String, ConfigNode> result = new LinkedHashMap<>();
        if (value == null) {
            return result;
        }
        if (!(value instanceof Map<?, ?> map)) {
            problem(name, "must be a mapping of names to settings, got " + describe(value));
            return result;
        }
        for (Map.Entry<String, Object> e : asStringMap(map).entrySet()) {
            String childKey = key(name) + "." + e.getKey();
            if (e.getValue() instanceof Map<?, ?> m) {
                result.put(e.getKey(), new ConfigNode(tree, childKey, asStringMap(m), false));
            } else {
                problems.add(new ConfigProblem(childKey, "must be a mapping of settings, got " + describe(e.getValue())));
            }
        }
        return result;
    }

    /** Each element of a list of mappings (e.g. routes); list elements are not overridable from the environment. */
    public List<ConfigNode> list(String name) {
        Object value = raw(name);
        List<ConfigNode> result = new ArrayList<>();
        if (value == null) {
            return result;
        }
        if (!(value instanceof List<?> list)) {
            problem(name, "must be a list, got " + describe(value));
            return result;
        }
        for (int i = 0; i < list.size(); i++) {
            String elementKey = key(name) + "[" + i + "]";
            if (list.get(i) instanceof Map<?, ?> m) {
                result.add(new ConfigNode(tree, elementKey, asStringMap(m), false));
            } else {
                problems.add(new ConfigProblem(elementKey, "must be a mapping of settings, got " + describe(list.get(i))));
            }
        }
        return result;
    }

    /**
     * Each element of a list whose elements are mappings or, as a shorthand, single values: a single value
     * reads as a mapping of {@code shorthand} to it ({@code ["a", {x: b}]} with shorthand {@code x} is
     * {@code [{x: a}, {x: b}]}). An environment override is a comma-separated list of single values.
     */
    public List<ConfigNode> list(String name, String shorthand) {
        Object value = raw(name);
        List<?> elements = value instanceof String ? strings(name) : value instanceof List<?> list ? list : null;
        if (elements == null) {
            return value == null ? List.of() : list(name);
        }
        List<ConfigNode> result = new ArrayList<>();
        for (int i = 0; i < elements.size(); i++) {
            Object element = elements.get(i);
            Map<String, Object> entry = element instanceof Map<?, ?> m ? asStringMap(m)
                    : element == null || element instanceof List ? null : Map.of(shorthand, element);
            if (entry == null) {
                problems.add(new ConfigProblem(key(name) + "[" + i + "]", "must be a value or a mapping of settings, got " + describe(element)));
            } else {
                result.add(new ConfigNode(tree, key(name) + "[" + i + "]", entry, false));
            }
        }
        return result;
    }

    public String string(String name, String fallback) {
        Object value = raw(name);
        if (value == null) {
            return fallback;
        }
        if (value instanceof Map || value instanceof List) {
            problem(name, "must be a single value, got " + describe(value));
            return fallback;
        }
        String s = value.toString().trim();
        if (s.isEmpty()) {
            problem(name, "must not be empty");
            return fallback;
        }
        return s;
    }

    public String requiredString(String name) {
        if (!has(name)) {
            problem(name, "is required");
            raw(name);
            return null;
        }
        return string(name, null);
    }

    public String oneOf(String name, String fallback, String... allowed) {
        String value = string(name, fallback);
        for (String a : allowed) {
            if (a.equals(value)) {
                return value;
            }
        }
        problem(name, "must be one of " + String.join(", ", allowed) + ", got '" + value + "'");
        return fallback;
    }

    /**
     * One of {@code allowed}, given in the file as {@code spelling} writes it (an enum's config name): parsed here,
     * once, so no one compares the text later. Anything else is a problem naming the allowed spellings, in order.
     */
    public <E> E oneOf(String name, E fallback, Function<? super E, String> spelling, List<E> allowed) {
        String value = string(name, spelling.apply(fallback));
        for (E a : allowed) {
            if (spelling.apply(a).equals(value)) {
                return a;
            }
        }
        problem(name, "must be one of " + String.join(", ", allowed.stream().map(spelling).toList()) + ", got '" + value + "'");
        return fallback;
    }

    /** Whether the key holds a mapping (rather than a scalar, a list, or nothing). */
    public boolean isMapping(String name) {
        return values.get(name) instanceof Map<?, ?>;
    }

    public boolean bool(String name, boolean fallback) {
        Object value = raw(name);
        if (value == null) {
            return fallback;
        }
        if (value instanceof Boolean b) {
            return b;
        }
        String s = value.toString().trim().toLowerCase(Locale.ROOT);
        if (s.equals("true") || s.equals("false")) {
            return Boolean.parseBoolean(s);
        }
        problem(name, "must be true or false, got " + describe(value));
        return fallback;
    }

    public int integer(String name, int fallback, int min, int max) {
        long value = number(name, fallback, min, max);
        return (int) value;
    }

    private long number(String name, long fallback, long min, long max) {
        Object value = raw(name);
        if (value == null) {
            return fallback;
        }
        BigInteger parsed = wholeNumber(value);
        if (parsed == null) {
            problem(name, "must be a whole number, got " + describe(value));
            return fallback;
        }
        if (!within(parsed, min, max)) {
            problem(name, "must be between " + min + " and " + max + ", got " + parsed);
            return fallback;
        }
        return parsed.longValue();
    }

    /** A whole number of any size, as YAML gives it or written in digits; null for anything else. */
    private static BigInteger wholeNumber(Object value) {
        if (value instanceof BigInteger big) {
            return big;
        }
        if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
            return BigInteger.valueOf(((Number) value).longValue());
        }
        if (value instanceof Number || value instanceof Map || value instanceof List) {
            return null;
        }
        String s = value.toString().trim();
        return s.matches("[+-]?\\d+") ? new BigInteger(s) : null;
    }

    private static boolean within(BigInteger value, long min, long max) {
        return value.compareTo(BigInteger.valueOf(min)) >= 0 && value.compareTo(BigInteger.valueOf(max)) <= 0;
    }

    public double decimal(String name, double fallback, double min, double max) {
        Object value = raw(name);
        if (value == null) {
            return fallback;
        }
        double parsed;
        try {
            parsed = value instanceof Number n ? n.doubleValue() : Double.parseDouble(value.toString().trim());
        } catch (NumberFormatException e) {
            problem(name, "must be a number, got " + describe(value));
            return fallback;
        }
        if (Double.isNaN(parsed) || parsed < min || parsed > max) {
            problem(name, "must be between " + min + " and " + max + ", got " + describe(value));
            return fallback;
        }
        return parsed;
    }

    /** A duration such as {@code 250ms}, {@code 5s}, {@code 1m}, {@code 2h}, {@code 1d}; a bare number is milliseconds. */
    public Duration duration(String name, Duration fallback, Duration min, Duration max) {
        Object value = raw(name);
        if (value == null) {
            return fallback;
        }
        BigInteger millis = value instanceof Map || value instanceof List ? null : durationMillis(value.toString().trim());
        if (millis == null) {
            problem(name, "must be a duration such as 250ms, 5s, 1m or 1h, got " + describe(value));
            return fallback;
        }
        if (!within(millis, min.toMillis(), max.toMillis())) {
            problem(name, "must be between " + human(min) + " and " + human(max) + ", got " + value);
            return fallback;
        }
        return Duration.ofMillis(millis.longValueExact());
    }

    /** A size such as {@code 8KiB} or {@code 10MB} (both 1024-based); a bare number is bytes. */
    public long bytes(String name, long fallback, long min, long max) {
        Object value = raw(name);
        if (value == null) {
            return fallback;
        }
        String s = value instanceof Map || value instanceof List ? "" : value.toString().trim();
        BigInteger parsed;
        Matcher m = SIZE.matcher(s);
        if (s.matches("\\d+")) {
            parsed = new BigInteger(s);
        } else if (m.matches()) {
            long unit = switch (m.group(2).toUpperCase(Locale.ROOT)) {
                case "KB", "KIB" -> 1024L;
                case "MB", "MIB" -> 1024L * 1024;
                case "GB", "GIB" -> 1024L * 1024 * 1024;
                default -> 1L;
            };
            parsed = new BigInteger(m.group(1)).multiply(BigInteger.valueOf(unit));
        } else {
            problem(name, "must be a size such as 8KiB, 10MiB or a number of bytes, got " + describe(value));
            return fallback;
        }
        if (!within(parsed, min, max)) {
            problem(name, "must be between " + min + " and " + max + " bytes, got " + s + (s.equals(parsed.toString()) ? "" : " (" + parsed + " bytes)"));
            return fallback;
        }
        return parsed.longValueExact();
    }

    public List<String> strings(String name) {
        Object value = raw(name);
        if (value == null) {
            return List.of();
        }
        if (value instanceof String s) {
            List<String> split = new ArrayList<>();
            for (String part : s.split(",")) {
                if (!part.isBlank()) {
                    split.add(part.trim());
                }
            }
            return split;
        }
        if (!(value instanceof List<?> list)) {
            problem(name, "must be a list of values, got " + describe(value));
            return List.of();
        }
        List<String> result = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            Object element = list.get(i);
            if (element == null || element instanceof Map || element instanceof List) {
                problems.add(new ConfigProblem(key(name) + "[" + i + "]", "must be a single value, got " + describe(element)));
            } else {
                result.add(element.toString().trim());
            }
        }
        return result;
    }

    public Map<String, String> stringMap(String name) {
        Object value = raw(name);
        if (value == null) {
            return Map.of();
        }
        if (!(value instanceof Map<?, ?> map)) {
            problem(name, "must be a mapping of names to values, got " + describe(value));
            return Map.of();
        }
        Map<String, String> result = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : asStringMap(map).entrySet()) {
            Object v = e.getValue();
            if (v == null || v instanceof Map || v instanceof List) {
                problems.add(new ConfigProblem(key(name) + "." + e.getKey(), "must be a single value, got " + describe(v)));
            } else {
                result.put(e.getKey(), v.toString());
            }
        }
        return result;
    }

    /** Reports every key in this mapping that no reader asked for, with a suggestion when one is close. */
    public void rejectUnknownKeys() {
        for (String name : values.keySet()) {
            if (!read.contains(name)) {
                String suggestion = Spelling.closest(name, known);
                problem(name, "unknown key" + (suggestion == null ? "" : "; did you mean '" + suggestion + "'?"));
            }
        }
    }

    public Set<String> keys() {
        return Collections.unmodifiableSet(values.keySet());
    }

    /** The milliseconds a duration such as {@code 5s} stands for, however many; null when it is not one. */
    static BigInteger durationMillis(String s) {
        if (s.matches("\\d+")) {
            return new BigInteger(s);
        }
        Matcher m = DURATION.matcher(s);
        if (!m.matches()) {
            return null;
        }
        long unit = switch (m.group(2)) {
            case "ms" -> 1L;
            case "s" -> 1000L;
            case "m" -> 60_000L;
            case "h" -> 3_600_000L;
            default -> 86_400_000L;
        };
        return new BigInteger(m.group(1)).multiply(BigInteger.valueOf(unit));
    }

    static String human(Duration d) {
        if (d.toMillis() % 1000 != 0) {
            return d.toMillis() + "ms";
        }
        long s = d.toSeconds();
        if (s % 3600 == 0 && s > 0) {
            return s / 3600 + "h";
        }
        if (s % 60 == 0 && s > 0) {
            return s / 60 + "m";
        }
        return s + "s";
    }

    private static String describe(Object value) {
        if (value == null) {
            return "nothing";
        }
        if (value instanceof Map) {
            return "a mapping";
        }
        if (value instanceof List) {
            return "a list";
        }
        return "'" + value + "'";
    }

    private static Map<String, Object> asStringMap(Map<?, ?> map) {
        Map<String, Object> result = new LinkedHashMap<>();
        map.forEach((k, v) -> result.put(String.valueOf(k), v));
        return result;
    }
}
