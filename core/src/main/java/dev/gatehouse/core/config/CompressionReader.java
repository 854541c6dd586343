package dev.gatehouse.core.config;

import java.util.List;
import java.util.regex.Pattern;

/** Reads a route's {@code compression}: {@code true}, or a mapping of its settings; absent or {@code false} sends answers as they are. */
final class CompressionReader {
    private static final Pattern MEDIA_TYPE = Pattern.compile("[A-Za-z0-9!#$&^_.+-]+/([A-Za-z0-9!#$&^_.+-]+|\\*)");

    private CompressionReader() {
    }

    /** The route's compression, or null when it compresses nothing. */
    static CompressionConfig read(ConfigNode r) {
        if (!r.has("compression")) {
            return null;
        }
        if (!r.isMapping("compression")) {
            return r.bool("compression", false) ? CompressionConfig.DEFAULTS : null;
        }
        ConfigNode n = r.child("compression");
        long minBytes = n.bytes("minBytes", CompressionConfig.DEFAULT_MIN_BYTES, 0, 1L << 30);
        List<String> types = n.has("types") ? n.strings("types") : CompressionConfig.DEFAULT_TYPES;
        for (String type : types) {
            if (!MEDIA_TYPE.matcher(type).matches()) {
                n.problem("types", "'" + type + "' is not a media type (type/subtype, or type/* for a family)");
            }
        }
        if (types.isEmpty()) {
            n.problem("types", "must name at least one media type");
            types = CompressionConfig.DEFAULT_TYPES;
        }
        int level = n.integer("level", CompressionConfig.DEFAULT_LEVEL, 1, 9);
        n.rejectUnknownKeys();
        return new CompressionConfig(minBytes, types, level);
    }
}
