package dev.gatehouse.server.pipeline;

import dev.gatehouse.core.config.Spelling;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * A JSON object sent as a request body, read field by field. Every reader that finds the body wrong
 * throws {@link Invalid}, whose message names the field and what it should be, for a 400 problem:
 * a field of the wrong type is refused, never taken as its default.
 */
public final class JsonBody {
    private final JsonObject body;

    private JsonBody(JsonObject body) {
        this.body = body;
    }

    /** The body is not what the endpoint takes; the message says why, in terms of the body's fields. */
    public static final class Invalid extends IllegalArgumentException {
        public Invalid(String message) {
            super(message);
        }
    }

    /** Reads a body that must be one JSON object. */
    public static JsonBody parse(Buffer buffer) {
        if (buffer == null || buffer.length() == 0) {
            throw new Invalid("the body is empty; send a JSON object");
        }
        Object value;
        try {
            value = Json.decodeValue(buffer);
        } catch (DecodeException e) {
            throw new Invalid("the body is not valid JSON; send a JSON object");
        }
        if (value instanceof JsonObject object) {
            return new JsonBody(object);
        }
        throw new Invalid("the body must be a JSON object, not " + kind(value));
    }

    /** Refuses a field not among {@code accepted}, suggesting the one it was probably meant to be. */
    public JsonBody only(String... accepted) {
        Set<String> known = Set.of(accepted);
        for (String field : new TreeSet<>(body.fieldNames())) {
            if (!known.contains(field)) {
                String suggestion = Spelling.closest(field, known);
                throw new Invalid("unknown field '" + field + "'" + (suggestion == null ? "" : "; did you mean '" + suggestion + "'?")
                        + " (accepted: " + String.join(", ", accepted) + ")");
            }
        }
        return this;
    }

    /** A string field that must be there. */
    public String required(String field) {
        String value = optional(field, null);
        if (value == null) {
            throw new Invalid("'" + field + "' is required");
        }
        return value;
    }

    /** A string field, or {@code fallback} when it is absent or null; any other type is refused. */
    public String optional(String field, String fallback) {
        Object value = body.getValue(field);
        if (value == null) {
            return fallback;
        }
        if (!(value instanceof String s)) {
            throw new Invalid("'" + field + "' must be a string, not " + kind(value));
        }
        return s;
    }

    /** A list of strings, or an empty list when the field is absent or null. */
    public List<String> strings(String field) {
        Object value = body.getValue(field);
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof JsonArray array)) {
            throw new Invalid("'" + field + "' must be a list of strings, not " + kind(value));
        }
        List<String> out = new ArrayList<>(array.size());
        for (Object o : array) {
            if (!(o instanceof String s)) {
                throw new Invalid("'" + field + "' must be a list of strings; it holds " + kind(o));
            }
            out.add(s);
        }
        return out;
    }

    private static String kind(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof JsonObject) {
            return "an object";
        }
        if (value instanceof JsonArray) {
            return "a list";
        }
        if (value instanceof Boolean) {
            return "true or false";
        }
        if (value instanceof Number) {
            return "a number";
        }
        return "a string";
    }
}
