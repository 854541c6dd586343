package dev.gatehouse.core.route;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Turns the matched path into the path sent upstream: unchanged, with the route's prefix stripped, or from a template. */
public abstract sealed class PathRewrite permits PathRewrite.None, PathRewrite.StripPrefix, PathRewrite.Template {

    public static final PathRewrite NONE = new None();

    public abstract String apply(String path, Map<String, String> variables);

    public static PathRewrite stripPrefix(String prefix) {
        return new StripPrefix(prefix);
    }

    /** A target such as {@code /resources/{id}}; every variable must be captured by the route's template. */
    public static PathRewrite template(String target) {
        return new Template(target);
    }

    /** Variables a rewrite target names, for checking them against the route's template. */
    public static List<String> variablesIn(String target) {
        List<String> names = new ArrayList<>();
        Matcher m = VARIABLE.matcher(target);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    private static final Pattern VARIABLE = Pattern.compile("\\{([^}]*)}");

    static final class None extends PathRewrite {
        @Override
        public String apply(String path, Map<String, String> variables) {
            return path;
        }
    }

    static final class StripPrefix extends PathRewrite {
        private final String prefix;

        StripPrefix(String prefix) {
            this.prefix = prefix.equals("/") ? "" : prefix;
        }

        @Override
        public String apply(String path, Map<String, String> variables) {
            String rest = path.substring(Math.min(prefix.length(), path.length()));
            return rest.isEmpty() ? "/" : rest;
        }
    }

    static final class Template extends PathRewrite {
        private final String target;

        Template(String target) {
            this.target = target;
        }

        @Override
        public String apply(String path, Map<String, String> variables) {
            String result = target;
            for (Map.Entry<String, String> v : variables.entrySet()) {
                result = result.replace("{" + v.getKey() + "}", v.getValue());
            }
            return result;
        }
    }
}
