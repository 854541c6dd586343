package dev.gatehouse.core.route;

/** What routing may look at in a request; the server adapts its HTTP request to this. */
public interface RequestFacts {

    /** The method in upper case, e.g. {@code GET}. */
    String method();

    /** The normalised path, without the query. */
    String path();

    /** The host name the client asked for, without port, or {@code null}. */
    String host();

    /** The first value of a header (case-insensitive name), or {@code null}. */
    String header(String name);
}
