package dev.gatehouse.core.config;

/** Reads a route's {@code requestHeaders} or {@code responseHeaders}: names to remove, set and add. */
final class HeaderRulesReader {

    private HeaderRulesReader() {
    }

    static HeaderRules read(ConfigNode n) {
        HeaderRules rules = new HeaderRules(n.strings("remove"), n.stringMap("set"), n.stringMap("add"));
        for (String name : rules.remove()) {
            if (!ReaderRules.isHeaderName(name)) {
                n.problem("remove", "'" + name + "' is not a valid header name");
            }
        }
        for (String name : rules.set().keySet()) {
            if (!ReaderRules.isHeaderName(name)) {
                n.problem("set", "'" + name + "' is not a valid header name");
            }
        }
        for (String name : rules.add().keySet()) {
            if (!ReaderRules.isHeaderName(name)) {
                n.problem("add", "'" + name + "' is not a valid header name");
            }
        }
        n.rejectUnknownKeys();
        return rules;
    }
}
