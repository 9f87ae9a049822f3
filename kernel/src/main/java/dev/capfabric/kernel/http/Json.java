package dev.capfabric.kernel.http;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.util.List;
import java.util.Map;

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

    /**
     * A streaming parser for a request body read field by field, with Jackson's default limits. Its field names
     * are canonicalised: turning that off makes Jackson read bytes through a {@code Reader}, 1.3-1.7x slower on
     * bodies of 16-66 bytes (measured in a loop of 2 million parses).
     */
    public static JsonParser bodyParser(byte[] body) throws IOException {
        return MAPPER.getFactory().createParser(body);
    }

    /** Serialises a value; our records always serialise. */
    public static byte[] bytes(Object value) {
        if (value instanceof Map<?, ?> map) {
            return mapBytes(map);
        }
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getName(), e);
        }
    }

    /**
     * A map (a provider's result metadata, an error's details) written through Jackson's streaming
     * generator: strings, numbers, booleans, nulls, lists and maps of them directly, anything else through
     * the databind as before. The same text the databind writes, without its serialiser look-ups per
     * value, which took about 8 % of a no-op job's CPU (docs/BENCHMARKS.md, Dispatch).
     */
    private static byte[] mapBytes(Map<?, ?> map) {
        byte[] flat = flatBytes(map);
        if (flat != null) {
            return flat;
        }
        ByteArrayBuilder out = new ByteArrayBuilder(256);
        try (JsonGenerator json = MAPPER.getFactory().createGenerator(out)) {
            write(json, map);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise " + map.getClass().getName(), e);
        }
        return out.toByteArray();
    }

    private static final byte[] NULL = {'n', 'u', 'l', 'l'};
    private static final byte[] TRUE = {'t', 'r', 'u', 'e'};
    private static final byte[] FALSE = {'f', 'a', 'l', 's', 'e'};
    private static final int MOST_FLAT_ENTRIES = 16;

    /**
     * A small map of text keys to text, whole numbers, booleans and nulls (what most providers answer, such as
     * {@code {"text":"..."}}) written straight into an array of its exact size, its text {@link #quoted} as Jackson's
     * generator would; null for any other map, and for text with surrogates (the generator escapes each half of a
     * pair, where {@link #quoted} writes the pair as one character). Making a generator per answer cost about 5 % of
     * a no-op job's CPU (docs/BENCHMARKS.md, Dispatch).
     */
    private static byte[] flatBytes(Map<?, ?> map) {
        int entries = map.size();
        if (entries > MOST_FLAT_ENTRIES) {
            return null;
        }
        byte[][] parts = new byte[entries * 2][];
        int size = 2 + Math.max(0, entries - 1) + entries * 3; // braces, commas, and per entry a key's quotes and colon
        int index = 0;
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            if (!(entry.getKey() instanceof String key) || hasSurrogates(key)) {
                return null;
            }
            byte[] value = switch (entry.getValue()) {
                case null -> NULL;
                case String text -> hasSurrogates(text) ? null : quoted(text);
                case Boolean bool -> bool ? TRUE : FALSE;
                case Integer number -> ascii(number.toString());
                case Long number -> ascii(number.toString());
                default -> null;
            };
            if (value == null) {
                return null;
            }
            parts[index] = JsonStringEncoder.getInstance().quoteAsUTF8(key); // quoted below, without a copy
            parts[index + 1] = value;
            size += parts[index].length + value.length;
            index += 2;
        }
        byte[] json = new byte[size];
        int at = 0;
        json[at++] = '{';
        for (int i = 0; i < parts.length; i += 2) {
            if (i > 0) {
                json[at++] = ',';
            }
            json[at++] = '"';
            System.arraycopy(parts[i], 0, json, at, parts[i].length);
            at += parts[i].length;
            json[at++] = '"';
            json[at++] = ':';
            System.arraycopy(parts[i + 1], 0, json, at, parts[i + 1].length);
            at += parts[i + 1].length;
        }
        json[at] = '}';
        return json;
    }

    /**
     * {@code text} as a JSON string in UTF-8, quotes included, escaped by Jackson's string encoder as its generator
     * escapes text (control characters, quotes, backslashes; anything else as is). A pair of surrogates becomes one
     * four-byte character; a lone surrogate is refused with {@link IllegalArgumentException}.
     */
    public static byte[] quoted(String text) {
        byte[] inner = JsonStringEncoder.getInstance().quoteAsUTF8(text);
        byte[] quoted = new byte[inner.length + 2];
        quoted[0] = '"';
        System.arraycopy(inner, 0, quoted, 1, inner.length);
        quoted[quoted.length - 1] = '"';
        return quoted;
    }

    private static byte[] ascii(String text) {
        return text.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    private static boolean hasSurrogates(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (Character.isSurrogate(text.charAt(i))) {
                return true;
            }
        }
        return false;
    }

    private static void write(JsonGenerator json, Object value) throws IOException {
        switch (value) {
            case null -> json.writeNull();
            case String text -> json.writeString(text);
            case Boolean bool -> json.writeBoolean(bool);
            case Integer number -> json.writeNumber(number);
            case Long number -> json.writeNumber(number);
            case Double number -> json.writeNumber(number);
            case Map<?, ?> map -> {
                json.writeStartObject();
                for (Map.Entry<?, ?> entry : map.entrySet()) {
                    // a key that is not text is written as its text, as the databind does for numbers and enums
                    json.writeFieldName(String.valueOf(entry.getKey()));
                    write(json, entry.getValue());
                }
                json.writeEndObject();
            }
            case List<?> list -> {
                json.writeStartArray();
                for (Object item : list) {
                    write(json, item);
                }
                json.writeEndArray();
            }
            default -> json.writeObject(value);
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
        response.header(HeaderValues.CONTENT_TYPE_JSON);
        response.send(bytes(value));
    }
}
