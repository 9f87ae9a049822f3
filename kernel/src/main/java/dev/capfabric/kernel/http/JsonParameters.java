package dev.capfabric.kernel.http;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.capfabric.spi.Payload;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A job's parameters from a JSON body: the top-level scalar fields of the object, as their text
 * (nested values are skipped). The same rule over HTTP and over NATS, so a client sends the same body
 * either way.
 */
public final class JsonParameters {

    /** A body that is not one JSON object; the message says why, for the caller. */
    public static final class Malformed extends Exception {
        Malformed(String message) {
            super(message, null, false, false);
        }
    }

    private JsonParameters() {
    }

    /** Whether a media type (without its parameters) is JSON. */
    public static boolean isJson(String baseType) {
        return baseType.equals(Payload.JSON) || baseType.endsWith("+json");
    }

    /** The parameters in {@code body}, in their order. */
    public static Map<String, String> of(byte[] body) throws Malformed {
        Map<String, String> plain = PlainObject.parameters(body);
        return plain != null ? plain : byJackson(body);
    }

    /** The parameters in {@code body} as Jackson's streaming parser reads them, for any body. */
    static Map<String, String> byJackson(byte[] body) throws Malformed {
        Map<String, String> parameters = new LinkedHashMap<>();
        // streamed rather than read as a tree: a parameter object is small, a tree of it costs more than the job
        try (JsonParser parser = Json.bodyParser(body)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new Malformed("the JSON body must be an object");
            }
            for (JsonToken token = parser.nextToken(); token == JsonToken.FIELD_NAME; token = parser.nextToken()) {
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                if (value.isScalarValue() && value != JsonToken.VALUE_NULL) {
                    parameters.put(field, parser.getText());
                } else {
                    parser.skipChildren();
                }
            }
            if (parser.nextToken() != null) {
                throw new Malformed("malformed JSON body: more after the object");
            }
        } catch (JacksonException e) {
            throw new Malformed(Json.malformed(e) + " in the body");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return parameters;
    }
}
