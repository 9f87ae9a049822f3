package dev.capfabric.kernel.http;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * JSON on the wire: records become objects with snake_case field names ({@code nodeId} is
 * {@code node_id}), so the JSON shape is the record shape.
 */
public final class Json {

    /** Shared and thread-safe once configured. */
    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .configure(DeserializationFeature.FAIL_ON_TRAILING_TOKENS, true)
            .build();

    private static final ObjectWriter PRETTY = MAPPER.writerWithDefaultPrettyPrinter();

    private Json() {
    }

    /** Serialises a value; our records always serialise. */
    public static byte[] bytes(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getName(), e);
        }
    }

    /**
     * What is wrong with a JSON text, for the person who sent it: where the parser stopped, never the
     * parser's own message (which names its classes, its source handle and our records' fields).
     */
    public static String malformed(JacksonException e) {
        JsonLocation where = e.getLocation();
        if (where == null || where.getLineNr() < 1) {
            return "malformed JSON";
        }
        return "malformed JSON at line " + where.getLineNr() + ", column " + where.getColumnNr();
    }

    /**
     * Sends a value as a JSON response with the given status, indented for people when the request
     * asks with {@code ?pretty} (any value but {@code false}).
     */
    public static void send(ServerRequest request, ServerResponse response, Status status, Object value) {
        if (!pretty(request)) {
            send(response, status, value);
            return;
        }
        response.status(status);
        response.header(HeaderNames.CONTENT_TYPE, "application/json");
        try {
            response.send(PRETTY.writeValueAsBytes(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getName(), e);
        }
    }

    private static boolean pretty(ServerRequest request) {
        return request.query().contains("pretty") && !"false".equalsIgnoreCase(request.query().first("pretty").orElse("").strip());
    }

    /** Sends a value as a JSON response with the given status. */
    public static void send(ServerResponse response, Status status, Object value) {
        response.status(status);
        response.header(HeaderNames.CONTENT_TYPE, "application/json");
        response.send(bytes(value));
    }
}
