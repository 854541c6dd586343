package dev.gatehouse.core.route;

import java.util.Map;

/** A route chosen for a request, with the path variables its template captured. */
public record RouteMatch<T>(T route, Map<String, String> variables) {
}
