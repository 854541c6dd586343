package dev.gatehouse.core.route;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** How a route matches a path: exactly, by segment-aligned prefix, or by a template with {@code {name}} segments. */
public abstract sealed class PathPattern permits PathPattern.Exact, PathPattern.Prefix, PathPattern.Template {

    /** Captured template variables, or {@code null} when the path does not match. */
    abstract Map<String, String> match(String path);

    /** Orders more specific patterns first: exact, then templates, then longer prefixes. */
    abstract int rank();

    public abstract String source();

    public static PathPattern exact(String path) {
        return new Exact(path);
    }

    public static PathPattern prefix(String prefix) {
        return new Prefix(prefix);
    }

    /** Parses a template such as {@code /api/v1/resources/{id}}; throws with the reason when it is malformed. */
    public static PathPattern template(String template) {
        return new Template(template);
    }

    static final class Exact extends PathPattern {
        private final String path;

        Exact(String path) {
            this.path = path;
        }

        @Override
        Map<String, String> match(String candidate) {
            return path.equals(candidate) ? Collections.emptyMap() : null;
        }

        @Override
        int rank() {
            return 0;
        }

        @Override
        public String source() {
            return path;
        }
    }

    /** Matches the prefix itself and anything below it, on a segment boundary: {@code /api} matches {@code /api/x}, not {@code /apix}. */
    public static final class Prefix extends PathPattern {
        private final String prefix;

        Prefix(String prefix) {
            this.prefix = prefix.length() > 1 && prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
        }

        @Override
        Map<String, String> match(String candidate) {
            if (prefix.equals("/")) {
                return Collections.emptyMap();
            }
            if (!candidate.startsWith(prefix)) {
                return null;
            }
            if (candidate.length() == prefix.length() || candidate.charAt(prefix.length()) == '/') {
                return Collections.emptyMap();
            }
            return null;
        }

        @Override
        int rank() {
            return 2;
        }

        public String prefix() {
            return prefix;
        }

        @Override
        public String source() {
            return prefix;
        }
    }

    static final class Template extends PathPattern {
        private final String source;
        private final String[] literals;
        private final String[] names;

        Template(String template) {
            this.source = template;
            if (!template.startsWith("/")) {
                throw new IllegalArgumentException("a template must start with '/'");
            }
            String[] segments = template.substring(1).split("/", -1);
            literals = new String[segments.length];
            names = new String[segments.length];
            List<String> seen = new ArrayList<>();
            for (int i = 0; i < segments.length; i++) {
                String s = segments[i];
                if (s.startsWith("{") && s.endsWith("}")) {
                    String name = s.substring(1, s.length() - 1);
                    if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                        throw new IllegalArgumentException("variable '" + s + "' must be a name such as {id}");
                    }
                    if (seen.contains(name)) {
                        throw new IllegalArgumentException("variable {" + name + "} appears twice");
                    }
                    seen.add(name);
                    names[i] = name;
                } else if (s.contains("{") || s.contains("}")) {
                    throw new IllegalArgumentException("segment '" + s + "' mixes text and a variable; a variable must be a whole segment");
                } else {
                    literals[i] = s;
                }
            }
        }

        @Override
        Map<String, String> match(String candidate) {
            Map<String, String> captured = null;
            int start = 1;
            for (int i = 0; i < literals.length; i++) {
                if (start > candidate.length()) {
                    return null;
                }
                int end = candidate.indexOf('/', start);
                boolean last = i == literals.length - 1;
                if (last != (end < 0)) {
                    return null;
                }
                if (end < 0) {
                    end = candidate.length();
                }
                if (names[i] != null) {
                    if (end == start) {
                        return null;
                    }
                    if (captured == null) {
                        captured = new LinkedHashMap<>(4);
                    }
                    captured.put(names[i], candidate.substring(start, end));
                } else if (!candidate.regionMatches(start, literals[i], 0, literals[i].length())
                        || end - start != literals[i].length()) {
                    return null;
                }
                start = end + 1;
            }
            return captured == null ? Collections.emptyMap() : captured;
        }

        @Override
        int rank() {
            return 1;
        }

        @Override
        public String source() {
            return source;
        }
    }
}
