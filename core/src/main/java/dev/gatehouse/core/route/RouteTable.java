package dev.gatehouse.core.route;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * An immutable, ordered set of routes. The most specific route wins: exact paths before templates
 * before prefixes, longer prefixes before shorter, more constrained rules (method, host, headers,
 * version) before less, and otherwise the order of declaration.
 */
public final class RouteTable<T> {

    private record Entry<T>(RouteRule rule, T route, int order) {
    }

    private final Object[] entries;

    private RouteTable(List<Entry<T>> sorted) {
        this.entries = sorted.toArray();
    }

    public static <T> Builder<T> builder() {
        return new Builder<>();
    }

    /** The best route for a request, or {@code null} when none matches. */
    @SuppressWarnings("unchecked")
    public RouteMatch<T> match(RequestFacts request) {
        for (Object o : entries) {
            Entry<T> entry = (Entry<T>) o;
            Map<String, String> variables = entry.rule.match(request);
            if (variables != null) {
                return new RouteMatch<>(entry.route, variables);
            }
        }
        return null;
    }

    public int size() {
        return entries.length;
    }

    /** Collects routes in declaration order and sorts them once. */
    public static final class Builder<T> {
        private final List<Entry<T>> entries = new ArrayList<>();

        public Builder<T> add(RouteRule rule, T route) {
            entries.add(new Entry<>(rule, route, entries.size()));
            return this;
        }

        public RouteTable<T> build() {
            List<Entry<T>> sorted = new ArrayList<>(entries);
            sorted.sort(Comparator.<Entry<T>>comparingInt(e -> e.rule.path().rank())
                    .thenComparing(e -> -e.rule.path().source().length())
                    .thenComparing(e -> -e.rule.constraints())
                    .thenComparingInt(e -> e.order));
            return new RouteTable<>(sorted);
        }
    }
}
