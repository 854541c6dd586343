package dev.gatehouse.core.config;

import java.util.List;

/** Reads a route's {@code async}: the queue its jobs go to and what a job's body may be. */
final class AsyncReader {

    private AsyncReader() {
    }

    /** The route's async settings, or null when it proxies (or the settings have a problem, recorded). */
    static AsyncConfig read(ConfigNode r, long routeMaxBody) {
        if (!r.has("async")) {
            return null;
        }
        int problems = r.problems().size();
        ConfigNode n = r.child("async");
        String queue = n.requiredString("queue");
        if (queue != null && !ReaderRules.NAME.matcher(queue).matches()) {
            n.problem("queue", "must be lower-case letters, digits, '-' or '_' (at most 63), got '" + queue + "'");
        }
        List<String> types = n.strings("contentTypes");
        for (String type : types) {
            if (!type.matches("[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+")) {
                n.problem("contentTypes", "'" + type + "' is not a media type such as application/json");
            }
        }
        long maxBody = n.bytes("maxBodyBytes", Math.min(routeMaxBody, AsyncConfig.DEFAULT_MAX_BODY_BYTES), 0, AsyncConfig.MAX_BODY_BYTES);
        n.rejectUnknownKeys();
        return r.problems().size() > problems ? null : new AsyncConfig(queue, types, maxBody);
    }
}
