package dev.gatehouse.core.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Builds a {@link GatewayConfig} from a parsed YAML tree, applying environment overrides and checking
 * every key. All problems are collected and reported together with their keys. Each section has a reader
 * of its own in this package; the defaults are {@code DEFAULT_*} constants beside the records they fill.
 * A reader that records a problem builds its record from corrected values or not at all (the file is
 * refused anyway), so the records' own checks, which hold for every other way of making them, never
 * turn a user's mistake into an exception without its file and key.
 */
public final class GatewayConfigReader {

    /** {@code GATEHOUSE_*} variables that are not configuration keys: the launcher's and the logging's. */
    private static final Set<String> OTHER_VARIABLES = Set.of("GATEHOUSE_JAVA_OPTS", "GATEHOUSE_LOG_FORMAT", "GATEHOUSE_LOG_LEVEL");

    private GatewayConfigReader() {
    }

    /**
     * @param tree the parsed file (a mapping), or {@code null} for an empty file
     * @param source the file name used in messages
     * @param environment looks up {@code GATEHOUSE_*} overrides; may return null
     */
    public static GatewayConfig read(Object tree, String source, Function<String, String> environment)
            throws InvalidConfigException {
        return read(tree, source, environment, Set.of(), warning -> { });
    }

    /**
     * As {@link #read(Object, String, Function)}, with the whole environment at hand, and telling {@code warnings}
     * of what is allowed but likely a mistake: an empty file, or a {@code GATEHOUSE_*} variable that no key reads
     * (a misspelt one would otherwise be silently ignored).
     */
    public static GatewayConfig read(Object tree, String source, Map<String, String> environment, Consumer<ConfigProblem> warnings)
            throws InvalidConfigException {
        return read(tree, source, environment::get, environment.keySet(), warnings);
    }

    private static GatewayConfig read(Object tree, String source, Function<String, String> environment, Set<String> variables,
                                      Consumer<ConfigProblem> warnings) throws InvalidConfigException {
        if (tree != null && !(tree instanceof Map)) {
            throw new InvalidConfigException(source, List.of(new ConfigProblem("", "the file must be a YAML mapping at the top level")));
        }
        @SuppressWarnings("unchecked")
        ConfigNode root = ConfigNode.root((Map<String, Object>) tree, environment);

        // sections in the order they are reported in: a later one may depend on an earlier one's values
        GatewayListenerConfig gateway = GatewayListenerReader.read(root.child("gateway"));
        AdminListenerConfig admin = AdminListenerReader.read(root.child("admin"), gateway);
        StorageConfig storage = StorageReader.read(root.child("storage"));
        RedisConfig redis = RedisReader.read(root.child("redis"));
        Map<String, UpstreamConfig> upstreams = new LinkedHashMap<>();
        Map<String, ConfigNode> upstreamNodes = root.children("upstreams");
        upstreamNodes.forEach((name, node) -> {
            UpstreamConfig upstream = UpstreamReader.read(name, node);
            if (upstream != null) {
                upstreams.put(name, upstream);
            }
        });
        List<RouteConfig> routes = RouteReader.readAll(root, gateway, redis, upstreamNodes.keySet());
        ObservabilityConfig observability = ObservabilityReader.read(root.child("observability"));
        IdentityConfig identity = IdentityReader.read(root.child("auth"));
        CacheConfig cache = CacheReader.read(root.child("cache"));
        LogsConfig logs = LogsReader.read(root.child("logs"));
        AdminViewsConfig adminViews = AdminViewsReader.read(root.child("adminViews"));
        ConfigNode jobsNode = root.child("jobs");
        String jobsListenUrl = JobsReader.deprecatedListenUrl(jobsNode);
        JobsConfig jobs = JobsReader.read(jobsNode, checkQueues(root, routes));
        List<ConfigProblem> later = new java.util.ArrayList<>();
        storage = adoptJobsListenUrl(storage, jobsNode, jobsListenUrl, later);
        root.rejectUnknownKeys();

        if (!root.problems().isEmpty()) {
            throw new InvalidConfigException(source, root.problems());
        }
        if (tree == null || ((Map<?, ?>) tree).isEmpty()) {
            warnings.accept(new ConfigProblem("", "the file is empty: every setting takes its default and, with no route, "
                    + "the gateway answers every request with 404"));
        }
        later.forEach(warnings);
        warnOfUnreadVariables(root, variables, warnings);
        return new GatewayConfig(gateway, admin, storage, redis, upstreams, routes, observability, identity, cache, logs, adminViews, jobs);
    }

    /**
     * Each queue is fed by routes of one upstream (its workers call that one); returns the queues routes feed.
     */
    private static Set<String> checkQueues(ConfigNode root, List<RouteConfig> routes) {
        Map<String, RouteConfig> feeders = new LinkedHashMap<>();
        for (int i = 0; i < routes.size(); i++) {
            RouteConfig route = routes.get(i);
            if (!route.isAsync()) {
                continue;
            }
            RouteConfig first = feeders.putIfAbsent(route.async().queue(), route);
            if (first != null && !first.upstream().equals(route.upstream())) {
                root.problem("routes", "routes '" + first.name() + "' and '" + route.name() + "' both send jobs to queue '" + route.async().queue()
                        + "' but name upstreams '" + first.upstream() + "' and '" + route.upstream() + "'; a queue's workers call one upstream");
            }
        }
        return feeders.keySet();
    }

    /**
     * {@code jobs.listenUrl} meant what {@code storage.postgres.listenUrl} means (PostgreSQL itself, past a pooler), for
     * the jobs alone: it now serves every LISTEN, so a file that set only it gets the identity change feed and the
     * dashboard's figures heard too, with a warning to move it. Two different ones would leave the reader guessing.
     */
    private static StorageConfig adoptJobsListenUrl(StorageConfig storage, ConfigNode jobs, String listenUrl,
                                                    List<ConfigProblem> warnings) {
        if (listenUrl == null) {
            return storage;
        }
        if (storage.embedded()) {
            jobs.problem("listenUrl", StorageReader.LISTEN_URL_NEEDS_URL);
            return storage;
        }
        if (storage.listenUrl() != null && !storage.listenUrl().equals(listenUrl)) {
            jobs.problem("listenUrl", "is deprecated and differs from storage.postgres.listenUrl, which every LISTEN uses; remove it");
            return storage;
        }
        if (storage.listenUrl() != null) {
            warnings.add(jobs.warning("listenUrl", "is deprecated and the same as storage.postgres.listenUrl; remove it"));
            return storage;
        }
        warnings.add(jobs.warning("listenUrl", "is deprecated: move it to storage.postgres.listenUrl"
                + " (meanwhile it serves every LISTEN: the jobs', the identity change feed's and the dashboard's)"));
        return storage.withListenUrl(listenUrl);
    }

    /** A {@code GATEHOUSE_*} variable no key reads is most likely a misspelt one, which would otherwise be ignored in silence. */
    private static void warnOfUnreadVariables(ConfigNode root, Set<String> variables, Consumer<ConfigProblem> warnings) {
        for (String variable : new TreeSet<>(variables)) {
            if (variable.startsWith("GATEHOUSE_") && !variable.startsWith("GATEHOUSE_TEST_") && !OTHER_VARIABLES.contains(variable)
                    && !root.environmentVariables().contains(variable)) {
                String suggestion = Spelling.closest(variable, root.environmentVariables());
                warnings.accept(new ConfigProblem("", "matches no configuration key and is ignored"
                        + (suggestion == null ? " (keys inside routes and upstreams, and in blocks the file leaves out, cannot be set this way)"
                        : "; did you mean " + suggestion + "?"), variable));
            }
        }
    }
}
