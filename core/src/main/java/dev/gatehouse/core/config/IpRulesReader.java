package dev.gatehouse.core.config;

import dev.gatehouse.core.http.AddressBlocks;

import java.util.List;

/** Reads an {@code ip} block ({@code allow} and {@code deny} lists of IPs and CIDR blocks), of the gateway or a route. */
final class IpRulesReader {

    private IpRulesReader() {
    }

    static IpRules read(ConfigNode parent) {
        if (!parent.has("ip")) {
            return IpRules.ANYONE;
        }
        ConfigNode n = parent.child("ip");
        IpRules rules = new IpRules(blocks(n, "allow"), blocks(n, "deny"));
        n.rejectUnknownKeys();
        return rules;
    }

    /** The list if every entry parses, else (with the problem named) none. */
    private static List<String> blocks(ConfigNode n, String name) {
        List<String> entries = n.strings(name);
        try {
            AddressBlocks.parse(entries);
            return entries;
        } catch (IllegalArgumentException e) {
            n.problem(name, e.getMessage());
            return List.of();
        }
    }
}
