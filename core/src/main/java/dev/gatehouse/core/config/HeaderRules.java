package dev.gatehouse.core.config;

import java.util.List;
import java.util.Map;

/** Header edits applied in order: remove, then set (replace), then add (append). */
public record HeaderRules(List<String> remove, Map<String, String> set, Map<String, String> add) {

    public static final HeaderRules NONE = new HeaderRules(List.of(), Map.of(), Map.of());

    public HeaderRules {
        remove = Require.list("remove", remove);
        set = Require.map("set", set);
        add = Require.map("add", add);
    }

    public boolean isEmpty() {
        return remove.isEmpty() && set.isEmpty() && add.isEmpty();
    }
}
