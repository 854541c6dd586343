package dev.gatehouse.server.pipeline;

import dev.gatehouse.core.config.HeaderRules;
import io.vertx.core.MultiMap;

/** Applies a route's header rules to a header block: remove, then set, then add. */
public final class HeaderEdits {

    private HeaderEdits() {
    }

    public static void apply(HeaderRules rules, MultiMap headers) {
        if (rules.isEmpty()) {
            return;
        }
        for (String name : rules.remove()) {
            headers.remove(name);
        }
        rules.set().forEach(headers::set);
        rules.add().forEach(headers::add);
    }
}
